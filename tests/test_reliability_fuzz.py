"""Issue 17's fuzzing: generated CSV files and generated command lines, fed to the library
and to the ``reseau`` command. The properties:

- ``load_csv`` returns finite float32 features and int64 or float32 targets of matching
  lengths, or raises :class:`reseau.data.CSVError` (a ``ValueError``): never another
  exception;
- ``reseau train / evaluate / predict`` exit with a documented status (0, 1 for data and
  files or a diverged run, 2 for usage; cli/__init__.py), and whatever goes wrong is one
  line on standard error (a diverged run explains itself in a paragraph): run with ``RESEAU_DEBUG=1``, the only exceptions that reach ``main`` are reseau's
  own (DataError, ModelFileError, DownloadError) or an OSError naming a file, and their
  message is one line;
- a few cases run as a real subprocess, to see the output a user sees: no traceback.

Bounded: a fixed number of examples per test (``CASES``), derandomized by the ``ci``
profile of tests/conftest.py, about half a minute in all on one core.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reseau.cli import main
from reseau.data import CSVError, DataError, DownloadError, load_csv
from reseau.io import ModelFileError

#: examples per test, the numbers the reliability page reports
CASES = {"load_csv": 150, "train_csv": 30, "train_options": 50, "evaluate_predict": 40,
         "export": 30, "search": 20, "lab_run": 20}

#: what may reach main() under RESEAU_DEBUG=1: reseau's own errors, or a file that is not
#: there / not readable (FileNotFoundError, IsADirectoryError, PermissionError)
ALLOWED = (DataError, ModelFileError, DownloadError, OSError)



def fuzz(test: str):
    """The settings of one fuzz test: its number of examples, no deadline (the machine is
    shared), and fixtures that hold between examples (a tmp folder per example)."""
    return settings(max_examples=CASES[test], deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# --------------------------------------------------------------------- CSV files
ODD_CELLS = ["nan", "NaN", "inf", "-inf", "1e400", "-1e39", "3.5e38", "1e308", "9" * 25,
             "", " ", "NA", "?", "null", "x", "1,5", '"2"', '"', "0x10", "1_000", "\u0663",
             "\u00a0", "1e-400", "-0", "+1", ".5", "5.", "1e20"]
MUTATIONS = ["ragged", "odd cell", "odd label", "duplicate header", "no target", "empty name",
             "separator", "encoding", "blank lines", "damaged byte", "cut short", "one class"]


@st.composite
def csv_files(draw):
    """(bytes of a CSV file, its delimiter): a valid table of numbers (1 to 30 rows, a
    label of 1 to 3 classes, or real values), then up to three mutations among
    MUTATIONS: ragged rows, odd cells (NaN, inf, huge numbers, words), duplicated or
    missing headers, another separator or encoding, blank lines, damaged bytes."""
    k = draw(st.integers(1, 4))
    names = [f"f{i}" for i in range(k)] + ["label"]
    n = draw(st.integers(1, 30))
    rows = [[f"{draw(st.floats(-100, 100, allow_nan=False)):.3g}" for _ in range(k)]
            for _ in range(n)]
    regression = draw(st.integers(0, 4)) == 0
    classes, offset = draw(st.sampled_from([1, 2, 2, 3])), draw(st.integers(0, 2))
    for i, row in enumerate(rows):
        row.append(f"{draw(st.floats(-5, 5, allow_nan=False)):.3f}" if regression
                   else str((i * 7 + offset) % classes))
    mutations = draw(st.lists(st.sampled_from(MUTATIONS), max_size=3, unique=True))
    sep, encoding, blank = ",", "utf-8", False
    for m in mutations:
        if m == "ragged":
            i = draw(st.integers(0, n - 1))
            rows[i] = rows[i][:-1] if draw(st.booleans()) else rows[i] + ["1"]
        elif m in ("odd cell", "odd label"):
            row = rows[draw(st.integers(0, n - 1))]
            row[-1 if m == "odd label" else draw(st.integers(0, k - 1))] = draw(
                st.sampled_from(ODD_CELLS))
        elif m == "duplicate header":
            names[draw(st.integers(0, k))] = names[draw(st.integers(0, k))]
        elif m == "no target":
            names[-1] = draw(st.sampled_from(["Label", "label ", "labels", "target"]))
        elif m == "empty name":
            names[draw(st.integers(0, k))] = ""
        elif m == "separator":
            sep = draw(st.sampled_from([";", "\t", "|", " "]))
        elif m == "encoding":
            names[0] = "\u00e9t\u00e9"
            encoding = draw(st.sampled_from(["latin-1", "utf-16", "cp1252", "utf-8-sig"]))
        elif m == "blank lines":
            blank = True
        elif m == "one class":
            for row in rows:
                row[-1] = "1"
    lines = [sep.join(names)] + [sep.join(r) for r in rows]
    if blank:
        lines.insert(draw(st.integers(1, len(lines))), "")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    data = (newline.join(lines) + newline).encode(encoding, errors="replace")
    if "damaged byte" in mutations:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    if "cut short" in mutations:
        data = data[:draw(st.integers(0, len(data)))]
    # the command is told the file's separator, as a user who read --help would
    return data, (sep if sep in ",;\t|" else ",")


def check_loaded(X, y):
    assert X.dtype == np.float32 and X.ndim == 2 and np.isfinite(X).all()
    assert y.dtype in (np.int64, np.float32) and len(y) == len(X) >= 1
    assert np.isfinite(y.astype(np.float64)).all()


@fuzz("load_csv")
@given(csv_files(), st.sampled_from([",", ";", "\t"]))
def test_load_csv_returns_clean_arrays_or_raises_csv_error(tmp_path_factory, case, delimiter):
    data, _ = case
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    path.write_bytes(data)
    try:
        X, y = load_csv(path, target="label", delimiter=delimiter, as_tensor=False)
    except CSVError as err:
        assert "\n" not in str(err) and str(path) in str(err)
        return
    check_loaded(X, y)


def run_main(argv, capsys):
    """``reseau argv`` in this process with RESEAU_DEBUG=1: (status, stderr, exception
    that reached main or None)."""
    os.environ["RESEAU_DEBUG"] = "1"
    try:
        status, caught = main([str(a) for a in argv]), None
    except ALLOWED as err:
        status, caught = 1, err
    except SystemExit as exit_:  # `reseau run`: the program's own exit, as python's
        assert argv[0] == "run", argv
        status, caught = exit_.code, None
    finally:
        del os.environ["RESEAU_DEBUG"]
    _, err = capsys.readouterr()
    if argv[0] == "run":  # the program's errors are shown as Python shows them
        assert status in (0, 1, 2), (status, err)
        return status, err, caught
    if caught is not None:
        assert "\n" not in str(caught).strip(), f"a message of several lines: {caught}"
    else:
        assert status in (0, 1, 2, 130), status
        assert "Traceback" not in err
        if status and not (status == 1 and err.startswith("Training diverged")):
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"reseau {argv[0]}"), err
    return status, err, caught


@fuzz("train_csv")
@given(csv_files())
def test_train_on_generated_csv_exits_with_a_documented_status(tmp_path_factory, capsys, case):
    data, sep = case
    folder = tmp_path_factory.mktemp("train")
    path = folder / "data.csv"
    path.write_bytes(data)
    argv = ["train", "--data", path, "--target", "label", "--epochs", "1",
            "--no-standardize" if data[:1] == b"-" else "--standardize", "--out", folder / "run"]
    if sep != ",":
        argv += ["--delimiter", sep]
    status, err, caught = run_main(argv, capsys)
    if caught is not None:
        assert isinstance(caught, (DataError, FileNotFoundError)), repr(caught)
    elif status == 0:
        assert (folder / "run" / "model.npz").is_file()
    if status != 0:
        assert not (folder / "run").exists()


# --------------------------------------------------------------------- options
NUMBERS = ["-1", "0", "2", "0.5", "-0.5", "nan", "inf", "-inf", "1e999", "abc", "",
           "99999999999999999999999", "4,0", "none", "1e-320", " 3", "0x10", "2.0"]
OPTIONS = {
    "--data": ["circles", "moons", "xor", "nope", "circle", "data.csv", "missing.csv", "."],
    "--target": ["label", "nope", ""],
    "--delimiter": [",", ";", "tab", "ab", "", "\n", "a"],
    "--samples": NUMBERS, "--noise": NUMBERS, "--seed": NUMBERS,
    "--data-dir": ["typo", "."], "--test-size": NUMBERS, "--val-size": NUMBERS,
    "--hidden": NUMBERS + ["3,2", ",", "2,,2"], "--activation": ["relu", "tanhh", "", "none"],
    "--model": ["mlp", "lenet5", "resnet"], "--loss": ["bce", "mse", "nope", "hinge", "auto"],
    "--optimizer": ["adam", "sgd", "adamm"], "--lr": NUMBERS, "--momentum": NUMBERS,
    "--weight-decay": NUMBERS, "--epochs": ["-1", "0", "1", "2", "x", "1e9", ""],
    "--batch-size": NUMBERS + ["full"], "--schedule": ["step:1", "plateau", "cosine:x", "nope",
                                                       "step:-1", "exponential:0.5:2"],
    "--early-stopping": NUMBERS, "--standardize": [None], "--no-standardize": [None],
    "--log-every": NUMBERS, "--config": ["missing.toml", "data.csv"],
    "--frobnicate": ["1"], "-x": [None],
}
EPOCHS_OK = {"0", "1", "2"}  # the valid counts offered: the fuzzed runs stay short


@st.composite
def train_argv(draw):
    argv = ["train"]
    for name in draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=5, unique=True)):
        value = draw(st.sampled_from(OPTIONS[name]))
        argv += [name] if value is None else [f"{name}={value}"]
    if not any(a.startswith("--epochs") for a in argv):
        argv.append("--epochs=1")
    if not any(a.startswith("--samples") for a in argv):
        argv.append("--samples=40")
    return argv


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with a small CSV file and a trained model, as the fuzzed commands' cwd."""
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    rows = [f"{p:.3f},{q:.3f},{int(p > 0)}" for p, q in X]
    (folder / "data.csv").write_text("a,b,label\n" + "\n".join(rows) + "\n")
    (folder / "semi.csv").write_text("a;b;label\n" + "\n".join(rows).replace(",", ";") + "\n")
    old = os.getcwd()
    os.chdir(folder)
    try:
        assert main(["train", "--data", "data.csv", "--target", "label", "--epochs", "2",
                     "--out", "model_run"]) == 0
    finally:
        os.chdir(old)
    return folder


@fuzz("train_options")
@given(train_argv())
def test_generated_train_options_exit_with_a_documented_status(workdir, capsys, monkeypatch,
                                                                argv):
    monkeypatch.chdir(workdir)
    status, err, caught = run_main(argv + ["--out", "run_fuzz", "--force"], capsys)
    if caught is not None:
        assert isinstance(caught, (DataError, OSError)), repr(caught)
    if status == 0:  # what trained was asked for in a valid way, and wrote its folder
        epochs = [a.split("=", 1)[1] for a in argv if a.startswith("--epochs")]
        assert all(e in EPOCHS_OK for e in epochs), argv
        assert (workdir / "run_fuzz" / "model.npz").is_file()


@fuzz("evaluate_predict")
@given(st.sampled_from(["evaluate", "predict"]),
       st.sampled_from(["model_run/model.npz", "model_run", "data.csv", "missing.npz", ""]),
       st.sampled_from(["data.csv", "semi.csv", "model_run/model.npz", "missing.csv",
                        "model_run"]),
       st.lists(st.sampled_from(["--data", "--seed", "--samples", "--delimiter", "--json",
                                 "--output", "--target", "--noise", "--nope"]),
                max_size=3, unique=True),
       st.lists(st.sampled_from(["data.csv", "semi.csv", "-1", "3", ";", "tab", "moons",
                                 "out.csv", "label", "x", ""]), min_size=3, max_size=3))
def test_generated_evaluate_and_predict_commands(workdir, capsys, monkeypatch, command, model,
                                                  data, options, values):
    monkeypatch.chdir(workdir)
    argv = [command, model] + ([data] if command == "predict" else [])
    for name, value in zip(options, values):
        argv += [name] if name == "--json" else [f"{name}={value}"]
    status, err, caught = run_main(argv, capsys)
    if caught is not None:
        assert isinstance(caught, (DataError, ModelFileError, OSError)), repr(caught)


@fuzz("export")
@given(st.sampled_from(["model_run/model.npz", "model_run", "data.csv", "missing.npz", ""]),
       st.sampled_from(["onnx", "pt", "safetensors", "npz", "", "ONNX"]),
       st.lists(st.sampled_from(["--output", "--input-shape", "--nope"]), max_size=2,
                unique=True),
       st.lists(st.sampled_from(["out.pt", "model_run/model.npz", "", "missing/dir/x.pt", ".",
                                 "1,x", "0", "2", "1,28,28", "-3"]), min_size=2, max_size=2))
def test_generated_export_commands(workdir, capsys, monkeypatch, model, to, options, values):
    monkeypatch.chdir(workdir)
    argv = ["export", model, f"--to={to}"]
    argv += [f"{name}={value}" for name, value in zip(options, values)]
    status, err, caught = run_main(argv, capsys)
    if caught is not None:
        assert isinstance(caught, (ModelFileError, OSError)), repr(caught)
    assert (workdir / "model_run" / "model.npz").is_file()   # never overwritten


@fuzz("search")
@given(st.lists(st.sampled_from(["--hidden", "--lr", "--activation", "--optimizer",
                                 "--batch-size", "--epochs", "--jobs", "--resume",
                                 "--dev-size", "--memory-limit"]), max_size=3, unique=True),
       st.lists(st.sampled_from(["2", "2,4", "0", "-1", "0.1,1", "nan", "tanh,relu", "nope",
                                 "full", "", "1e9", "missing_dir", "1KB", "0.5"]),
                min_size=3, max_size=3))
def test_generated_search_commands(workdir, capsys, monkeypatch, options, values):
    monkeypatch.chdir(workdir)
    argv = ["search", "--samples=40"]
    argv += [f"{name}={value}" for name, value in zip(options, values)]
    if "--epochs" not in options:
        argv.append("--epochs=1")
    if "--hidden" not in options:
        argv.append("--hidden=2")
    status, err, caught = run_main(argv + ["--out", "search_fuzz", "--force"], capsys)
    if caught is not None:
        assert isinstance(caught, (DataError, OSError)), repr(caught)


@fuzz("lab_run")
@given(st.sampled_from([["lab", "nope"], ["lab", ""], ["lab", "list", "--seed=x"],
                        ["lab", "circle", "--frobnicate"], ["lab", "mnist", "--data-dir=typo"],
                        ["run", "missing.py"], ["run", "data.csv"], ["run", "model_run"],
                        ["run", "-m", "no_such_module"], ["run", ""], ["ops", "--x"],
                        ["export"], ["search", "--resume=model_run"]]),
       st.sampled_from([[], ["--quick"], ["--out=."]]))
def test_generated_lab_run_and_other_commands(workdir, capsys, monkeypatch, argv, extra):
    monkeypatch.chdir(workdir)
    if argv[0] in ("lab", "search"):
        argv = argv + extra
    status, err, caught = run_main(argv, capsys)
    if caught is not None:
        assert isinstance(caught, (DataError, ModelFileError, OSError)), repr(caught)


# --------------------------------------------------------------------- as a user sees it
#: the address space a fuzzed subprocess may take: a case that tried to allocate its way
#: past it would fail with MemoryError (a traceback) instead of bringing the machine down
ADDRESS_SPACE = 4 * 2**30


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS as Linux applies it")
@pytest.mark.parametrize("content, argv", [
    (b"a;b;label\n1;2;0\n3;4;1\n", ["--target", "label"]),
    ("a,b,\u00e9\n1,2,0\n".encode("latin-1"), ["--target", "\u00e9"]),
    (b"a,b,label\n1,2,1\n3,4,1\n5,6,1\n7,8,1\n", ["--target", "label"]),
    (b"a,b,label\n1,2,0\n", ["--target", "label", "--hidden", "0"]),
    (None, ["--samples", "1000000000"]),
    (None, ["--hidden", "100000,100000,100000"]),
])
def test_subprocess_output_has_no_traceback(tmp_path, content, argv):
    if content is not None:
        path = tmp_path / "data.csv"
        path.write_bytes(content)
        argv = ["--data", str(path), *argv]
    env = {k: v for k, v in os.environ.items() if k != "RESEAU_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "reseau", "train", *argv, "--epochs", "1",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True,
                          timeout=120, env=env, preexec_fn=_limit_memory)
    assert proc.returncode in (1, 2), proc
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == "" and not (tmp_path / "run").exists()
