"""Fault injection (issue 17): ``reseau train``, ``reseau search``, ``reseau lab`` and a
process calling ``reseau.io.save`` are stopped by SIGINT (Ctrl-C) or SIGKILL (``kill -9``,
a crash) at random moments, and afterwards

- every file of the output folders is complete and loadable (``model.npz`` loads, CSV,
  JSON, TOML and PNG files parse) or absent; the only other thing a SIGKILL may leave is
  a hidden temporary file of an atomic write (``.NAME.HEX.tmp``), never under a real name;
- a run folder is complete or absent (its work is in ``NAME.incomplete/``);
- SIGINT gives exit status 130 and one line saying so, no traceback;
- a rerun (``reseau search --resume`` for a search) works, and the resumed search ends
  with the table, choice and model of an uninterrupted one.

The moments are drawn from ``RESEAU_FAULT_SEED`` (default 17), after the process has
imported reseau (it prints ``ready``; a Ctrl-C while Python itself starts is Python's
affair). ``RESEAU_FAULT_ROUNDS`` (default 1) multiplies the number of faults; with
``RESEAU_FAULT_REPORT=FILE`` the counts are written there as JSON. Tiny data and epochs:
the file runs in about a minute and a half on two cores.
"""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from reseau import io, nn

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SEED = int(os.environ.get("RESEAU_FAULT_SEED", "17"))
ROUNDS = int(os.environ.get("RESEAU_FAULT_ROUNDS", "1"))
COUNTS: Counter = Counter()   # what was injected, and how each process ended
LEFTOVERS: set = set()        # temporary files that a SIGKILL left

# the console script's own code (sys.exit(main())), after a line that says reseau is imported
READY = ("import sys; from reseau.cli import main; print('ready', flush=True); "
         "sys.exit(main())")
SAVER = textwrap.dedent("""
    import sys
    from reseau import io, nn
    model = nn.MLP([2, 256, 256, 2])
    print("ready", flush=True)
    k = 0
    try:
        while True:             # each save holds one value k in every parameter
            k += 1
            for p in model.parameters():
                p._array[...] = k
            io.save(model, sys.argv[1], metadata={"k": k})
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
""")
PNG_END = b"IEND\xaeB`\x82"


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    text = json.dumps(dict(sorted(COUNTS.items())), indent=2)
    print(f"\nfaults injected and outcomes: {text}")
    if os.environ.get("RESEAU_FAULT_REPORT"):
        Path(os.environ["RESEAU_FAULT_REPORT"]).write_text(text + "\n")


def launch(code: str, argv: list, cwd) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "RESEAU_DEBUG"}
    env["PYTHONUNBUFFERED"] = "1"
    # a shell's background job ignores SIGINT, and so would the child: give it the default
    proc = subprocess.Popen([sys.executable, "-c", code, *map(str, argv)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline() == "ready\n"
    return proc


def inject(what: str, code: str, argv: list, cwd, sig, delay: float):
    """Run ``code argv``, send ``sig`` ``delay`` seconds after it is ready (unless it has
    ended by then); ``(injected, status, stdout, stderr)``."""
    proc = launch(code, argv, cwd)
    try:
        proc.wait(timeout=delay)
        injected = False
    except subprocess.TimeoutExpired:
        proc.send_signal(sig)
        injected = True
    out, err = proc.communicate(timeout=300)
    name = signal.Signals(sig).name
    COUNTS[f"{what} {name} {'injected' if injected else 'too late (process done)'}"] += 1
    if injected:
        COUNTS["total injected"] += 1
    return injected, proc.returncode, out, err


def check_sigint(what: str, status: int, out: str, err: str) -> None:
    """Exit status 130 and one line that says so; or, when Ctrl-C came after the command
    had done its work and said so (the program then ignores it), status 0."""
    assert "Traceback" not in err, err
    said = [line for line in err.splitlines() if "nterrupted" in line]
    if status == 0 and not said and ("Wrote " in out or "Report written" in out):
        COUNTS[f"{what} SIGINT after the work was done: ignored, exit 0"] += 1
        return
    assert status == 130, (status, err)
    assert len(said) == 1, err
    COUNTS[f"{what} SIGINT exit 130, one line"] += 1


def check_file(path: Path) -> str:
    """Load ``path`` as its kind says; the kind, or ``temporary`` for an atomic write's
    leftover (allowed only after SIGKILL)."""
    name = path.name
    if name.startswith(".") and name.endswith(".tmp"):
        return "temporary"
    if name == ".lock":
        assert path.stat().st_size == 0
        return "lock"
    data = path.read_bytes()
    if name.endswith((".npz", ".pt", ".safetensors")):
        io.load(path)
    elif name.endswith(".onnx"):
        pytest.importorskip("onnx")
        import reseau.onnx

        reseau.onnx.load(path)
    elif name.endswith(".csv"):
        rows = list(csv.reader(data.decode("utf-8").splitlines()))
        assert rows and all(len(r) == len(rows[0]) for r in rows), path
    elif name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".toml"):
        tomllib = pytest.importorskip("tomllib")
        tomllib.loads(data.decode("utf-8"))
    elif name.endswith(".png"):
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(PNG_END), path
    elif name.endswith(".md"):
        assert data.decode("utf-8").strip(), path
    else:
        raise AssertionError(f"unexpected file {path}")
    return name.rsplit(".", 1)[-1]


def check_tree(root: Path, killed: bool) -> None:
    """Every file under ``root`` (the output and its siblings) is complete and loadable."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            kind = check_file(path)
            assert kind != "temporary" or killed, f"{path} left by an atomic write"
            COUNTS["files checked"] += 1
            if kind == "temporary":
                LEFTOVERS.add(path)
                COUNTS["temporary files left by SIGKILL"] = len(LEFTOVERS)


def check_run_folder(folder: Path, names=("model.npz", "history.csv", "metrics.json",
                                          "config.toml")) -> None:
    """A run folder is complete or absent."""
    if folder.exists():
        assert {p.name for p in folder.iterdir()} >= set(names), folder


def clean_run(code: str, argv: list, cwd) -> float:
    """Run to the end with no fault (it must succeed); the seconds it took once ready."""
    proc = launch(code, argv, cwd)
    start = time.perf_counter()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return time.perf_counter() - start


def delays(rng: random.Random, n: int, longest: float) -> list:
    """``n`` moments within ``longest`` seconds (a clean run's length), alternately SIGINT
    and SIGKILL (the first drawn at random)."""
    first = rng.randrange(2)
    return [((signal.SIGINT, signal.SIGKILL)[(first + k) % 2], rng.uniform(0.02, longest))
            for k in range(n)]


def fault_rounds(what: str, argv: list, cwd, rng: random.Random, n: int,
                 after_clean_run=None) -> bool:
    """A clean run of ``reseau argv`` (timed), then ``n`` runs each cut by a fault at a
    random moment within that time, checking the files after each; whether a SIGKILL
    landed (it may leave an atomic write's temporary file)."""
    seconds = clean_run(READY, argv, cwd)
    if after_clean_run is not None:
        after_clean_run()
    killed = False
    for sig, delay in delays(rng, n, seconds):
        injected, status, out_text, err = inject(what, READY, argv, cwd, sig, delay)
        killed |= injected and sig == signal.SIGKILL
        if injected and sig == signal.SIGINT:
            check_sigint(what, status, out_text, err)
        elif not injected:
            assert status == 0, err
        check_tree(cwd, killed)
    return killed


def test_train(tmp_path):
    rng = random.Random(SEED)
    out = tmp_path / "run"
    argv = ["train", "--samples", "200", "--epochs", "60", "--log-every", "0", "--out", out,
            "--force"]
    seconds = clean_run(READY, argv, tmp_path)
    killed = False   # once a process was killed, a temporary file of its may stay
    for sig, delay in delays(rng, 4 * ROUNDS, seconds):
        injected, status, out_text, err = inject("train", READY, argv, tmp_path, sig, delay)
        killed |= injected and sig == signal.SIGKILL
        if injected and sig == signal.SIGINT:
            check_sigint("train", status, out_text, err)
        elif not injected:
            assert status == 0, err
        check_tree(tmp_path, killed)
        check_run_folder(out)
        if injected and sig == signal.SIGINT and out.exists():
            stop = json.loads((out / "metrics.json").read_text())["stop_reason"]
            COUNTS[f"train SIGINT folder written ({stop})"] += 1
    clean_run(READY, argv, tmp_path)   # a rerun works, whatever the faults left
    check_tree(tmp_path, killed)
    assert io.load(out / "model.npz").sizes == [2, 4, 2]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["run"]


SEARCH = ["search", "--samples", "120", "--epochs", "15", "--hidden", "2,4,8", "--lr", "0.1,1"]


def _table(folder):
    with open(folder / "table.csv", newline="") as f:
        return [{k: v for k, v in r.items() if k != "fit_time"} for r in csv.DictReader(f)]


def test_search_and_resume(tmp_path):
    rng = random.Random(SEED + 1)
    reference, out = tmp_path / "reference", tmp_path / "s"
    work = tmp_path / "s.incomplete"
    seconds = clean_run(READY, [*SEARCH, "--out", reference], tmp_path)
    killed = False
    for sig, delay in delays(rng, 4 * ROUNDS, seconds):
        # stopped before it wrote its progress file, a search has nothing to resume
        resume = (work / "progress.json").exists()
        argv = ["search", "--resume", out] if resume else [*SEARCH, "--out", out, "--force"]
        injected, status, out_text, err = inject("search", READY, argv, tmp_path, sig, delay)
        COUNTS["search runs resumed"] += resume
        if injected and sig == signal.SIGINT:
            check_sigint("search", status, out_text, err)
            if (work / "progress.json").exists():
                assert f"continue with: reseau search --resume {out}" in err
        elif not injected:
            assert status == 0, err
        killed |= injected and sig == signal.SIGKILL
        check_tree(tmp_path, killed)
        check_run_folder(out, ("table.csv", "model.npz", "search.json"))
        if work.exists():
            progress = json.loads((work / "progress.json").read_text()) \
                if (work / "progress.json").exists() else {"configurations": []}
            COUNTS["search configurations kept at a fault"] += sum(
                c["status"] == "complete" for c in progress["configurations"])
    argv = ["search", "--resume", out] if (work / "progress.json").exists() \
        else [*SEARCH, "--out", out, "--force"]
    clean_run(READY, argv, tmp_path)
    # the same result as the search that nothing stopped
    assert _table(out) == _table(reference)
    mine, theirs = (json.loads((f / "search.json").read_text()) for f in (out, reference))
    assert (mine["chosen"], mine["test_score"]) == (theirs["chosen"], theirs["test_score"])
    for a, b in zip(io.load(out / "model.npz").parameters(),
                    io.load(reference / "model.npz").parameters()):
        np.testing.assert_array_equal(a._array, b._array)


def test_lab(tmp_path):
    rng = random.Random(SEED + 2)
    out = tmp_path / "reports"
    argv = ["lab", "linear-activations", "--quick", "--out", out]
    killed = fault_rounds("lab", argv, tmp_path, rng, 2 * ROUNDS)
    clean_run(READY, argv, tmp_path)
    check_tree(tmp_path, killed)
    assert (out / "linear-activations" / "report.md").exists()


def test_io_save(tmp_path):
    rng = random.Random(SEED + 3)
    path = tmp_path / "model.npz"
    killed = False
    for sig, delay in delays(rng, 4 * ROUNDS, 1.0):
        injected, status, _, err = inject("io.save", SAVER, [path], tmp_path, sig, delay)
        assert injected
        killed |= sig == signal.SIGKILL
        if sig == signal.SIGINT:
            assert status == 130 and "Traceback" not in err, err
        else:
            assert status == -signal.SIGKILL
        check_tree(tmp_path, killed)
        if path.exists():  # one whole save: every value is the k of that save
            k = io.read_info(path)["metadata"]["k"]
            assert all(np.all(p._array == k) for p in io.load(path).parameters())
            COUNTS["io.save files whole after a fault"] += 1


@pytest.mark.parametrize("to", ["pt", "safetensors", "onnx"])
def test_export(tmp_path, to):
    pytest.importorskip({"pt": "numpy", "safetensors": "safetensors", "onnx": "onnx"}[to])
    rng = random.Random(SEED + 4 + len(to))
    model = tmp_path / "model.npz"
    io.save(nn.MLP([2, 1024, 1024, 2]), model)    # 4 MB of weights: a write worth cutting
    argv = ["export", model, "--to", to]
    # the export is whole (it loads) or absent after each fault
    killed = fault_rounds(f"export {to}", argv, tmp_path, rng, 2 * ROUNDS,
                          after_clean_run=(tmp_path / f"model.{to}").unlink)
    clean_run(READY, argv, tmp_path)
    check_tree(tmp_path, killed)
    assert (tmp_path / f"model.{to}").is_file()
