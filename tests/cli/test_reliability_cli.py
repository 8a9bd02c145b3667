"""Issue 17, items 1, 3, 4, 9 and 10 (``--hidden``): sizes checked against the memory they
need before anything is allocated; run folders never replaced without ``--force`` and
never a mix of two runs; ``reseau search`` interrupted and resumed to the same result;
run folders usable from any working directory; one rule for a layer of 0 units."""

import csv
import json
import os
import tracemalloc

import numpy as np
import pytest

from reseau import io
from reseau.cli import main
from reseau.cli import search as search_cli
from reseau.cli.limits import estimate
from reseau.cli.settings import ConfigError, TrainSettings, check_value, parse_size


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(err: str, command: str = "train") -> str:
    assert err.startswith(f"reseau {command}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# ----------------------------------------------------------------- 1. memory
@pytest.mark.parametrize("args, named", [
    (["--hidden", "1000000000", "--epochs", "1"], "3,000,000,001 parameters"),
    (["--hidden", "100000,100000", "--epochs", "1"], "10,000,"),
    (["--samples", "1000000000000", "--epochs", "1"], "data"),
    (["--batch-size", "full", "--samples", "10000000", "--hidden", "512"], "activations"),
    (["--epochs", str(10 ** 12)], "history"),
])
def test_sizes_beyond_the_memory_are_refused_before_allocating(args, named, tmp_path, capsys):
    tracemalloc.start()
    try:
        status, out, err = run(capsys, "train", *args, "--out", str(tmp_path / "r"),
                               "--memory-limit", "8GB")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 2 and out == ""
    one_line_error(err)
    assert "needs about" in err and "more than the limit of 8 GB (--memory-limit)" in err
    assert named in err and "raise the limit on purpose with --memory-limit " in err
    assert peak < 200e6                       # nothing of the run's size was allocated
    assert not (tmp_path / "r").exists() and not (tmp_path / "r.incomplete").exists()


def test_the_default_limit_comes_from_the_machine(tmp_path, capsys):
    status, _, err = run(capsys, "train", "--hidden", "1000000000", "--epochs", "1", "--out",
                         str(tmp_path / "r"))
    assert status == 2 and "% of the " in one_line_error(err)
    assert "--memory-limit" in err


def test_the_limit_can_be_raised_on_purpose(tmp_path, capsys):
    args = ("train", "--hidden", "2000", "--epochs", "1", "--samples", "100", "--log-every", "0")
    status, _, err = run(capsys, *args, "--memory-limit", "1MB", "--out", str(tmp_path / "a"))
    assert status == 2 and "more than the limit of 1 MB" in one_line_error(err)
    status, _, err = run(capsys, *args, "--memory-limit", "1GB", "--out", str(tmp_path / "b"))
    assert status == 0, err
    # the limit belongs to the machine: the run's config.toml does not keep it
    assert "# memory-limit = (not set)" in (tmp_path / "b" / "config.toml").read_text()


def test_absurd_step_counts_are_refused(tmp_path, capsys):
    status, _, err = run(capsys, "train", "--epochs", "1000000000", "--batch-size", "1",
                         "--memory-limit", "10TB", "--out", str(tmp_path / "r"))
    assert status == 2
    assert "optimizer steps, more than the 1,000,000,000 a run may take" in one_line_error(err)


def test_search_checks_each_configuration_times_the_jobs(tmp_path, capsys):
    status, _, err = run(capsys, "search", "--hidden", "4,1000000000", "--samples", "40",
                         "--out", str(tmp_path / "s"))
    assert status == 2
    assert "the configuration hidden=1000000000 needs about" in one_line_error(err, "search")
    # one such configuration needs about 1.4 MB: two at once do not fit in 2 MB
    status, _, err = run(capsys, "search", "--hidden", "2000,2001", "--jobs", "2", "--samples",
                         "40", "--memory-limit", "2MB", "--out", str(tmp_path / "s"))
    assert status == 2 and ", times 2 at once)" in one_line_error(err, "search")


@pytest.mark.parametrize("text, size", [("64GB", 64 * 10 ** 9), ("512mb", 512 * 10 ** 6),
                                        ("1.5GiB", int(1.5 * 2 ** 30)), ("2e9", 2 * 10 ** 9),
                                        ("1000", 1000), (4096, 4096)])
def test_memory_sizes(text, size):
    assert parse_size(text) == size
    assert TrainSettings(memory_limit=text).memory_limit == size


@pytest.mark.parametrize("text", ["lots", "-1GB", "0", "12 parsecs", "nan", True])
def test_bad_memory_sizes(text):
    with pytest.raises(ConfigError, match="memory-limit must be"):
        check_value("memory_limit", text)


def test_the_estimate_bounds_what_a_run_allocates(tmp_path):
    """The estimate errs on the large side, but not absurdly: measured with tracemalloc
    (which sees NumPy's allocations) on a run whose model and activations dominate."""
    from reseau.cli import experiment, run_folder

    settings = TrainSettings(hidden=(512, 512), samples=2000, epochs=2, batch_size=256,
                             log_every=0, out=str(tmp_path / "m"), optimizer="adam")
    parts = estimate(settings, 2, 2, n_train=1500, n_eval=500)
    total = parts["model"] + parts["activations"] + parts["data"] + parts["history"]
    tracemalloc.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(run_folder, "write_plots", lambda *args: [])
            status, _ = experiment.run(settings, out=open(os.devnull, "w"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 0
    assert peak <= total <= 4 * peak, (peak, total)   # measured: 1.75 x


# ----------------------------------------------------------------- 10. --hidden
@pytest.mark.parametrize("value", ["0", "4,0", "0,4", 0, [4, 0], [0]])
def test_a_layer_of_zero_units_is_one_error(value):
    with pytest.raises(ConfigError) as err:
        check_value("hidden", value)
    assert "hidden: a layer needs at least 1 unit" in str(err.value)
    assert "write 'none' for no hidden layer" in str(err.value)


@pytest.mark.parametrize("value", ["none", "None", "", [], ()])
def test_none_is_no_hidden_layer(value):
    assert check_value("hidden", value) == ()


def test_zero_units_on_the_command_line_and_in_search(tmp_path, capsys):
    for hidden in ("0", "4,0"):
        status, _, err = run(capsys, "train", "--hidden", hidden, "--out", str(tmp_path / "r"))
        assert status == 2 and "a layer needs at least 1 unit" in one_line_error(err)
    status, _, err = run(capsys, "search", "--hidden", "4,0", "--out", str(tmp_path / "s"))
    assert status == 2 and "a layer needs at least 1 unit" in one_line_error(err, "search")


# ----------------------------------------------------------------- 3. run folders
TRAIN = ("train", "--epochs", "2", "--samples", "80", "--log-every", "0")


def test_an_existing_run_folder_is_replaced_only_with_force(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(capsys, *TRAIN, "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    status, _, err = run(capsys, *TRAIN, "--seed", "1", "--out", str(out))
    assert status == 2 and "already holds a run; add --force" in one_line_error(err)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    (out / "notes.txt").write_text("mine")            # the old run goes as a whole
    status, _, err = run(capsys, *TRAIN, "--seed", "1", "--out", str(out), "--force")
    assert status == 0, err
    assert not (out / "notes.txt").exists()
    assert io.read_info(out / "model.npz")["config"]["seed"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]   # nothing left beside


def test_an_empty_folder_may_be_the_run_folder_and_a_file_may_not(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert run(capsys, *TRAIN, "--out", str(tmp_path / "empty"))[0] == 0
    assert (tmp_path / "empty" / "model.npz").exists()
    (tmp_path / "file").write_text("x")
    status, _, err = run(capsys, *TRAIN, "--out", str(tmp_path / "file"))
    assert status == 2 and "is a file, not a folder" in one_line_error(err)


def test_an_unfinished_run_is_replaced_with_a_note(tmp_path, capsys):
    left = tmp_path / "run.incomplete"
    left.mkdir()
    (left / "model.npz").write_bytes(b"half")
    status, _, err = run(capsys, *TRAIN, "--out", str(tmp_path / "run"))
    assert status == 0
    assert err.startswith(f"note: deleting {left}, the unfinished run")
    assert not left.exists() and io.load(tmp_path / "run" / "model.npz").sizes == [2, 4, 2]


def test_a_folder_being_written_by_another_process_is_refused(tmp_path, capsys):
    fcntl = pytest.importorskip("fcntl")
    left = tmp_path / "run.incomplete"
    left.mkdir()
    with open(left / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        status, _, err = run(capsys, *TRAIN, "--out", str(tmp_path / "run"))
    assert status == 2 and "another reseau process is writing" in one_line_error(err)
    assert not (tmp_path / "run").exists()


def test_a_failed_run_leaves_the_old_run_whole(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert run(capsys, *TRAIN, "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    from reseau.cli import experiment

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(experiment, "write_run", broken)
    status, _, err = run(capsys, *TRAIN, "--seed", "3", "--out", str(out), "--force")
    assert status == 1 and "disk full" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ----------------------------------------------------------------- 9. paths
def test_a_run_folder_works_from_any_working_directory(tmp_path, capsys, monkeypatch):
    from reseau.data import moons

    X, y = moons(120, seed=0, as_tensor=False)
    (tmp_path / "a").mkdir()
    with open(tmp_path / "a" / "points.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x1", "x2", "label"])
        writer.writerows([[*row, label] for row, label in zip(X.tolist(), y.tolist())])
    monkeypatch.chdir(tmp_path / "a")
    status, _, err = run(capsys, "train", "--data", "points.csv", "--target", "label",
                         "--epochs", "3", "--log-every", "0", "--out", "run")
    assert status == 0, err
    accuracy = json.loads((tmp_path / "a" / "run" / "metrics.json").read_text())["test"]
    assert f'data = "{tmp_path / "a" / "points.csv"}"' in \
        (tmp_path / "a" / "run" / "config.toml").read_text()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "b")
    status, out, err = run(capsys, "evaluate", "../a/run/model.npz", "--json")
    assert status == 0, err
    assert json.loads(out)["accuracy"] == accuracy["accuracy"]   # the same test split
    status, _, err = run(capsys, "train", "--config", "../a/run/config.toml", "--out", "again")
    assert status == 0, err
    assert json.loads((tmp_path / "b" / "again" / "metrics.json").read_text())["test"] == \
        accuracy


# ----------------------------------------------------------------- 4. search, Ctrl-C
SEARCH = ["search", "--samples", "120", "--epochs", "15", "--hidden", "2,4,8", "--lr",
          "0.1,1"]


def _table(folder):
    with open(folder / "table.csv", newline="") as f:
        return [{k: v for k, v in r.items() if k != "fit_time"} for r in csv.DictReader(f)]


def _weights(path):
    return [p._array.copy() for p in io.load(path).parameters()]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ref") / "s"
    assert main(SEARCH + ["--out", str(folder)]) == 0
    return folder


@pytest.mark.parametrize("stop_at", [1, 4])
def test_ctrl_c_keeps_the_completed_configurations_and_resume_ends_alike(
        stop_at, uninterrupted, tmp_path, capsys, monkeypatch):
    fit, calls = search_cli.Candidate.fit, []

    def interrupted_fit(self, X, y):
        calls.append(self.config)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return fit(self, X, y)
    monkeypatch.setattr(search_cli.Candidate, "fit", interrupted_fit)
    folder = tmp_path / "s"
    status, _, err = run(capsys, *SEARCH, "--out", str(folder))
    assert status == 130
    assert err == (f"reseau search: interrupted; {stop_at - 1} of 6 configuration(s) completed "
                   f"and kept in {folder}.incomplete/progress.json; continue with: reseau "
                   f"search --resume {folder}\n")
    assert not folder.exists()
    progress = json.loads((tmp_path / "s.incomplete" / "progress.json").read_text())
    states = [c["status"] for c in progress["configurations"]]
    assert states == ["complete"] * (stop_at - 1) + ["pending"] * (7 - stop_at)
    # the completed ones have the scores of the uninterrupted search
    reference = {(r["hidden"], r["lr"]): r for r in _table(uninterrupted)}
    for c in progress["configurations"][:stop_at - 1]:
        row = reference[(c["params"]["hidden"], c["params"]["lr"])]
        assert c["dev_score"] == float(row["dev_score"])
    # a resume interrupted before it trains anything (loading the data) still says how
    def interrupted_prepare(*args, **kwargs):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(search_cli, "prepare", interrupted_prepare)
        status, _, again = run(capsys, "search", "--resume", str(folder))
    assert status == 130 and again == err
    # a rerun without --resume does not lose them
    monkeypatch.setattr(search_cli.Candidate, "fit", fit)
    status, _, err = run(capsys, *SEARCH, "--out", str(folder))
    assert status == 2 and "--resume" in one_line_error(err, "search")
    status, out, err = run(capsys, "search", "--resume", str(folder))
    assert status == 0, err
    assert out.startswith(f"Resuming the search in {folder}: {stop_at - 1} of 6 "
                          "configuration(s) already trained\n")
    assert _table(folder) == _table(uninterrupted)
    mine, theirs = (json.loads((f / "search.json").read_text()) for f in (folder, uninterrupted))
    assert (mine["chosen"], mine["test_score"]) == (theirs["chosen"], theirs["test_score"])
    for a, b in zip(_weights(folder / "model.npz"), _weights(uninterrupted / "model.npz")):
        np.testing.assert_array_equal(a, b)
    assert not (tmp_path / "s.incomplete").exists()
    status, out, _ = run(capsys, "search", "--resume", str(folder))
    assert status == 0 and "is complete; nothing to resume" in out


def test_an_interrupted_fit_is_not_scored_as_finished(monkeypatch):
    """``fit`` catches Ctrl-C and returns what it trained; the search must stop, not
    score that configuration."""
    from reseau.train import History

    def fit(*args, **kwargs):
        history = History()
        history.stop_reason = "interrupted"
        return history
    monkeypatch.setattr("reseau.train.fit", fit)
    candidate = search_cli.Candidate(TrainSettings(loss="cross-entropy"), 2, 2, "classification",
                                   hidden="4")
    with pytest.raises(KeyboardInterrupt):
        candidate.fit(np.zeros((4, 2), np.float32), np.zeros(4, np.int64))


@pytest.mark.parametrize("args, message", [
    (["--hidden", "4"], "leave out --hidden"),
    (["--refit"], "leave out --refit"),
    (["--out", "x"], "leave out --out"),
])
def test_resume_keeps_the_search_settings(args, message, tmp_path, capsys):
    status, _, err = run(capsys, "search", "--resume", str(tmp_path / "s"), *args)
    assert status == 2 and message in one_line_error(err, "search")


def test_resume_of_nothing_and_of_a_damaged_progress_file(tmp_path, capsys):
    status, _, err = run(capsys, "search", "--resume", str(tmp_path / "s"))
    assert status == 2 and "no interrupted search there" in one_line_error(err, "search")
    (tmp_path / "s.incomplete").mkdir()     # stopped before its progress file was written
    (tmp_path / "s.incomplete" / ".lock").write_text("")
    (tmp_path / "s.incomplete" / ".progress.json.0123456789ab.tmp").write_text("{")
    status, _, err = run(capsys, "search", "--resume", str(tmp_path / "s"))
    assert status == 2 and "nothing to resume; run the search again" in one_line_error(
        err, "search")
    status, _, err = run(capsys, "search", "--hidden", "2", "--epochs", "1", "--samples", "40",
                         "--out", str(tmp_path / "s"))
    assert status == 0 and err == "", err          # taken over, no note: no run's files
    (tmp_path / "s.incomplete").mkdir()
    (tmp_path / "s.incomplete" / "progress.json").write_text("{" * 100_000)
    status, _, err = run(capsys, "search", "--resume", str(tmp_path / "s"))
    assert status == 2 and "is not a progress file" in one_line_error(err, "search")


def test_force_starts_an_unfinished_search_again(tmp_path, capsys):
    left = tmp_path / "s.incomplete"
    left.mkdir()
    (left / "progress.json").write_text("{}")
    tiny = ["search", "--hidden", "2", "--epochs", "2", "--samples", "40", "--out",
            str(tmp_path / "s")]
    status, _, err = run(capsys, *tiny)
    assert status == 2 and "holds an unfinished run" in one_line_error(err, "search")
    status, _, err = run(capsys, *tiny, "--force")
    assert status == 0, err
    assert not left.exists() and (tmp_path / "s" / "search.json").exists()


def test_ctrl_c_stops_a_lab_even_inside_fit():
    """``fit`` turns KeyboardInterrupt into an early stop; during a lab, Ctrl-C raises
    what fit does not catch, so that the lab stops instead of reporting a half run."""
    import signal
    import time

    from reseau.cli import lab

    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(lab._Interrupted):
        with lab._ctrl_c_stops():
            try:
                signal.raise_signal(signal.SIGINT)
                time.sleep(0.1)
            except KeyboardInterrupt:  # pragma: no cover  (what fit does)
                pass
    assert signal.getsignal(signal.SIGINT) is previous


@pytest.mark.parametrize("text", ['[]', '{"configurations": 3}', '{"configurations": [3]}',
                                  '{"configurations": [{"params": {}, "status": "complete"}]}',
                                  '{"configurations": []}'])
def test_resume_refuses_progress_files_of_the_wrong_shape(text, tmp_path, capsys):
    (tmp_path / "s.incomplete").mkdir()
    (tmp_path / "s.incomplete" / "progress.json").write_text(text)
    status, _, err = run(capsys, "search", "--resume", str(tmp_path / "s"))
    assert status == 2 and "--resume: " in one_line_error(err, "search")
