"""Issue 17, items 5 and 10: data the command cannot use is one line naming the file (or
the option) and the fix, exit status 1, before any run folder is made; the library raises
reseau.data's own errors (DataError, CSVError: both ValueError). And the smaller promises:
history.csv names each column by the split it measures, ``evaluate --help`` states the
defaults ``evaluate`` uses, a lab's rerun command keeps ``--data-dir``, and a
``--data-dir`` that does not exist is an error rather than a new folder to download into.
"""

import csv
import json
import shlex
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from reseau.cli import build_parser, main
from reseau.data import CSVError, DataError, load_csv

HEADER = "a,b,label\n"
ROWS = "".join(f"{i % 5},{(i * 7) % 3},{i % 2}\n" for i in range(12))


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(capsys, argv, *needles):
    """Run ``reseau ...argv``: exit 1, one line on stderr holding every needle."""
    status, out, err = run(capsys, *argv)
    assert status == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"reseau {argv[0]}: error: ")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# (file name, bytes, what the message must say) for item 5's files
BAD_FILES = [
    ("one_class.csv", (HEADER + "".join(f"{i},{i + 1},1\n" for i in range(10))).encode(),
     ["single class (1)", "all 10 rows", "--target"]),
    ("one_row.csv", (HEADER + "1,2,0\n").encode(), ["its only row"]),
    ("two_rows.csv", (HEADER + "1,2,0\n3,4,1\n").encode(),
     ["2 rows, too few to split", "at least 3", "--test-size"]),
    ("semicolons.csv", (HEADER + ROWS).replace(",", ";").encode(),
     ["looks ';'-separated", "--delimiter ';'"]),
    ("tabs.csv", (HEADER + ROWS).replace(",", "\t").encode(),
     ["looks tab-separated", "--delimiter tab"]),
    ("latin1.csv", ("a,b,étiquette\n" + ROWS).encode("latin-1"),
     ["is not UTF-8 text", "byte 0xe9 on line 1", "save it as UTF-8"]),
    ("utf16.csv", (HEADER + ROWS).encode("utf-16"), ["is not UTF-8 text"]),
    ("empty.csv", b"", ["is empty"]),
    ("header_only.csv", HEADER.encode(), ["no data rows"]),
    ("ragged.csv", (HEADER + "1,2,0\n3,4\n").encode(), ["row 2 (line 3) has 2 fields"]),
    ("nul.csv", (HEADER + "1,2\x00,0\n").encode(), ["row 1 (line 2)", "is not a number"]),
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["is not UTF-8 text", "byte 0x89"]),
    ("huge.csv", (HEADER + "1e300,1,0\n2,3,1\n4,5,0\n1,1,1\n").encode(),
     ["too large for a float32 feature", "rescale"]),
]


@pytest.mark.parametrize("name, content, needles", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_unusable_csv_is_one_line_naming_the_file_and_the_fix(tmp_path, capsys, name,
                                                               content, needles):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "run"
    line = one_line_error(capsys, ["train", "--data", path, "--target", "label",
                                   "--epochs", "1", "--out", out], str(path), *needles)
    assert not out.exists() and not list(tmp_path.glob("run*")), line  # no folder made
    if "rows" in line and "split" in line or "single class" in line:
        return  # the file is readable: the command refuses what it holds
    with pytest.raises(CSVError) as caught:  # the library: its own error, the same words
        load_csv(path, target="label")
    assert str(caught.value) in line and isinstance(caught.value, ValueError)


def test_constant_regression_target_and_small_named_set(tmp_path, capsys):
    path = tmp_path / "flat.csv"
    path.write_text("a,price\n" + "".join(f"{i},2.5\n" for i in range(10)))
    one_line_error(capsys, ["train", "--data", path, "--target", "price", "--out",
                            tmp_path / "r"], "same value (2.5) in all 10 rows")
    one_line_error(capsys, ["train", "--samples", "4", "--early-stopping", "2",
                            "--test-size", "0.1", "--out", tmp_path / "r"],
                   "--data circles has 4 rows, too few to split", "validation (1)", "test (0)")


def test_the_data_errors_are_value_errors_of_the_data_module():
    assert issubclass(CSVError, DataError) and issubclass(DataError, ValueError)
    assert CSVError.__module__ == DataError.__module__ == "reseau.data.errors"


def test_delimiter_option_trains_evaluates_and_predicts(tmp_path, capsys):
    path = tmp_path / "euro.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    path.write_text("a;b;label\n" + "".join(f"{p:.4f};{q:.4f};{t}\n" for (p, q), t in zip(X, y)))
    out = tmp_path / "run"
    status, _, err = run(capsys, "train", "--data", path, "--target", "label",
                         "--delimiter", ";", "--epochs", "3", "--out", out)
    assert status == 0, err
    assert 'delimiter = ";"' in (out / "config.toml").read_text()
    status, text, err = run(capsys, "evaluate", out / "model.npz")
    assert status == 0 and "the test split of" in text and "euro.csv" in text, err
    status, text, err = run(capsys, "predict", out / "model.npz", path)  # the run's ';'
    assert status == 0 and len(text.strip().splitlines()) == 61, err
    tabs = tmp_path / "tabs.csv"
    tabs.write_text(path.read_text().replace(";", "\t"))
    status, text, err = run(capsys, "predict", out / "model.npz", tabs, "--delimiter", "tab")
    assert status == 0 and len(text.strip().splitlines()) == 61, err
    one_line_error(capsys, ["predict", out / "model.npz", tabs], "looks tab-separated")
    status, _, err = run(capsys, "train", "--delimiter", "ab")
    assert status == 2 and "delimiter must be one character" in err


# ---------------------------------------------------------------------------- item 10
def test_history_columns_are_named_by_the_split_they_measure(tmp_path, capsys):
    status, _, err = run(capsys, "train", "--samples", "80", "--epochs", "3", "--out",
                         tmp_path / "a")
    assert status == 0, err
    with open(tmp_path / "a" / "history.csv") as f:
        header = next(csv.reader(f))
    assert header == ["epoch", "loss", "accuracy", "test_loss", "test_accuracy", "lr", "time"]
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    with open(tmp_path / "a" / "history.csv") as f:
        last = list(csv.DictReader(f))[-1]
    assert float(last["test_accuracy"]) == metrics["test"]["accuracy"]
    status, _, err = run(capsys, "train", "--samples", "80", "--epochs", "3",
                         "--early-stopping", "5", "--out", tmp_path / "b")
    assert status == 0, err
    with open(tmp_path / "b" / "history.csv") as f:
        header = next(csv.reader(f))
    assert "val_loss" in header and not any(h.startswith("test_") for h in header)


def _help_of(parser, option):
    for action in parser._actions:
        if option in action.option_strings:
            return action.help
    raise AssertionError(option)


def test_evaluate_help_states_the_defaults_it_uses(tmp_path, capsys):
    evaluate = build_parser()._subparsers._group_actions[0].choices["evaluate"]
    for option in ("--data", "--target", "--delimiter", "--samples", "--noise", "--data-dir",
                   "--seed"):
        text = _help_of(evaluate, option)
        assert text.endswith("(default: the training run's)") and text.count("default") == 1
    # ... and that is what it does: no option scores the training run's own test split
    status, _, err = run(capsys, "train", "--data", "moons", "--samples", "120", "--seed", "3",
                         "--noise", "0.3", "--epochs", "2", "--out", tmp_path / "m")
    assert status == 0, err
    status, text, err = run(capsys, "evaluate", tmp_path / "m" / "model.npz", "--json")
    assert status == 0, err
    assert json.loads(text)["samples"] == 30  # 25% of the run's 120 moons, not 1000 circles
    status, text, _ = run(capsys, "evaluate", tmp_path / "m" / "model.npz", "--seed", "4")
    assert status == 0 and "moons (120 samples)" in text


def test_data_dir_that_does_not_exist_is_an_error_not_a_download(tmp_path, capsys,
                                                                 monkeypatch):
    import reseau.data.download as download

    def no_network(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(download, "download_file", no_network)
    typo = tmp_path / "mnsit"
    for argv in (["train", "--data", "mnist", "--data-dir", typo, "--epochs", "1"],
                 ["lab", "mnist", "--quick", "--data-dir", typo, "--out", tmp_path / "labs"]):
        one_line_error(capsys, argv, f"--data-dir {typo} does not exist",
                       f"mkdir -p {typo}", "leave --data-dir out")
        assert not typo.exists() and not (tmp_path / "labs").exists()


def test_lab_rerun_command_keeps_data_dir(tmp_path):
    from reseau.labs.registry import LabConfig, _command, get_lab

    folder = tmp_path / "my data" / "mnist"
    command = _command(get_lab("mnist"), LabConfig(quick=True, seed=3, data_dir=folder))
    argv = shlex.split(command)
    assert argv[:2] == ["reseau", "lab"]
    args = build_parser().parse_args(argv[1:])
    assert (args.name, args.quick, args.seed) == ("mnist", True, 3)
    assert Path(args.data_dir) == folder.resolve()
    assert "--data-dir" not in _command(get_lab("mnist"), LabConfig())


def test_huge_noise_trains_or_is_one_line_found_by_fuzzing(tmp_path, capsys):
    # the fuzzer's find: --noise 1e23 overflowed the standardisation (float32 squares),
    # NaN inputs then crashed the plot after training; 1e39 is beyond float32 itself
    status, _, err = run(capsys, "train", "--noise", "1e23", "--samples", "40", "--epochs", "1",
                         "--out", tmp_path / "a")
    assert status == 0, err
    prep = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert np.isfinite(prep["test"]["loss"])
    one_line_error(capsys, ["train", "--noise", "1e39", "--samples", "40", "--out",
                            tmp_path / "b"], "noise 1e+39 puts the points beyond float32's",
                   "use a smaller noise")
    from reseau.data import circles

    with _no_warning():
        with pytest.raises(DataError, match="beyond float32's range"):
            circles(10, noise=1e39)


@contextmanager
def _no_warning():
    """Fail on any warning inside: a message is one line, not a line and a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
