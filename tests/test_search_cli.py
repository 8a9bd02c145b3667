"""``reseau search``: the issue's command line, the printed table and chosen
configuration, the run folder (table.csv, model.npz usable by reseau evaluate,
search.json), parallel = sequential, and errors."""

import csv
import json
import re
import warnings
from contextlib import redirect_stdout
from io import StringIO

import pytest

pytest.importorskip("joblib")

from reseau import io  # noqa: E402
from reseau.cli import main  # noqa: E402


def command(jobs="2"):
    """The issue's command, on fewer points and epochs so that the test stays fast."""
    return ["search", "--data", "circles", "--hidden", "2,4,8,16", "--lr", "0.01,0.1,1",
            "--jobs", jobs, "--samples", "200", "--epochs", "20"]


def _read_table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _without_time(rows):
    return [{k: v for k, v in r.items() if k != "fit_time"} for r in rows]


@pytest.fixture(scope="module")
def issue_run(tmp_path_factory):
    """The issue's command, run once in a fresh folder (runs/ is made there)."""
    folder = tmp_path_factory.mktemp("search")
    buffer = StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(buffer), \
            warnings.catch_warnings():
        mp.chdir(folder)
        warnings.simplefilter("ignore")
        status = main(command())
    runs = list((folder / "runs").iterdir())
    return status, buffer.getvalue(), runs


def test_issue_command_prints_table_and_choice(issue_run):
    status, text, runs = issue_run
    assert status == 0
    lines = text.splitlines()
    assert lines[0].startswith("Searching 12 configuration(s) of hidden, lr on circles: "
                               "110 train, 40 dev, 50 test")
    header = lines[1].split()
    assert header == ["hidden", "lr", "dev_score", "train_score", "fit_time"]
    rows = [line.split() for line in lines[2:14]]
    assert rows[0][0] == "*" and all(r[0] != "*" for r in rows[1:])
    dev = [float(r[3]) for r in rows[:1]] + [float(r[2]) for r in rows[1:]]
    assert dev == sorted(dev, reverse=True)
    chosen = re.match(r"Chosen: hidden=(\d+) lr=([\d.]+) \(dev accuracy ([\d.]+)%\); trained "
                      r"on train, test accuracy ([\d.]+)% \(the only configuration tested\)",
                      lines[14])
    assert chosen, lines[14]
    assert (chosen[1], chosen[2]) == (rows[0][1], rows[0][2])
    assert float(chosen[3]) == pytest.approx(100 * dev[0], abs=0.05)
    assert lines[15] == f"Wrote {runs[0].relative_to(runs[0].parent.parent)}/: table.csv, " \
                        "model.npz, search.json"


def test_run_folder_holds_table_model_and_summary(issue_run, capsys):
    _, _, runs = issue_run
    assert len(runs) == 1
    folder = runs[0]
    table = _read_table(folder / "table.csv")
    assert len(table) == 12 and list(table[0]) == ["hidden", "lr", "dev_score", "train_score",
                                                   "fit_time"]
    summary = json.loads((folder / "search.json").read_text())
    assert summary["chosen"] == {"hidden": table[0]["hidden"], "lr": table[0]["lr"]}
    assert summary["grid"] == {"hidden": ["2", "4", "8", "16"], "lr": ["0.01", "0.1", "1"]}
    assert summary["dev_score"] == pytest.approx(float(table[0]["dev_score"]))
    # the saved model is the chosen one: reseau evaluate finds its test accuracy again
    info = io.read_info(folder / "model.npz")
    assert info["config"]["hidden"] == [int(table[0]["hidden"])]
    assert info["config"]["lr"] == float(table[0]["lr"])
    # the dev split is asked for as such; the search does not stop early
    assert info["config"]["dev_split"] is True and info["config"]["early_stopping"] == 0
    assert main(["evaluate", str(folder / "model.npz"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(summary["test_score"])
    assert scores["samples"] == 50


def test_one_job_gives_the_same_table(issue_run, tmp_path, capsys):
    _, _, runs = issue_run
    assert main(command(jobs="1") + ["--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert _without_time(_read_table(tmp_path / "table.csv")) == _without_time(
        _read_table(runs[0] / "table.csv"))


def test_deeper_networks_refit_and_other_grids(tmp_path, capsys):
    status = main(["search", "--data", "moons", "--samples", "120", "--epochs", "10",
                   "--hidden", "none,4x4", "--activation", "tanh,relu", "--refit",
                   "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert status == 0
    table = _read_table(tmp_path / "table.csv")
    assert {(r["hidden"], r["activation"]) for r in table} == {
        ("none", "tanh"), ("none", "relu"), ("4x4", "tanh"), ("4x4", "relu")}
    assert "trained on train + dev" in text
    info = io.read_info(tmp_path / "model.npz")
    assert info["config"]["hidden"] in ([], [4, 4])
    assert info["metadata"]["search"]["refit"] is True


@pytest.mark.parametrize("args, message", [
    (["--hidden", "2,,4"], "--hidden has an empty value in '2,,4'"),
    (["--lr", "0.1,fast"], "lr must be a number, got 'fast'"),
    (["--jobs", "0"], "--jobs must be >= 1, or -1 for one per core; got 0"),
    (["--jobs", "two"], "--jobs must be a whole number"),
    (["--activation", "tanh,rellu"], "did you mean 'relu'"),
])
def test_bad_options_are_one_line_errors(args, message, tmp_path, capsys):
    status = main(["search", "--samples", "40", "--epochs", "1", "--out", str(tmp_path)]
                  + args)
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("reseau search: error: ") and message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "table.csv").exists()


def test_guide_documents_every_search_option():
    from pathlib import Path

    from reseau.cli import build_parser

    text = (Path(__file__).resolve().parents[1] / "docs" / "grid_search.md").read_text()
    search = build_parser()._subparsers._group_actions[0].choices["search"]
    options = {s for a in search._actions for s in a.option_strings if s.startswith("--")}
    missing = sorted(o for o in options - {"--help"} if f"`{o}" not in text)
    assert not missing, f"docs/grid_search.md does not describe {missing}"
