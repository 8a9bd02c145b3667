"""The registry, the report writer and the command line of the labs."""

import json

import pytest

from reseau.labs import LABS, get_lab, run_all, run_lab
from reseau.cli.lab import main
from reseau.labs.registry import register
from reseau.labs.report import Report, fmt, pct, sci

ISSUE_ORDER = ["circle-automation", "svm-comparison", "mnist", "mnist-cnn", "zero-init",
               "linear-activations", "learning-rate", "gradient-descent-variants",
               "dataset-size", "early-stopping", "activations", "backprop-complexity",
               "gradient-check"]


def test_the_labs_in_the_course_order():  # twelve, and mnist-cnn (issue 15)
    assert list(LABS) == ISSUE_ORDER
    for lab in LABS.values():
        assert lab.summary and lab.source.startswith("seed")


def test_unknown_lab_suggests_names():
    with pytest.raises(KeyError, match="Did you mean zero-init"):
        get_lab("zero-inti")
    with pytest.raises(ValueError, match="seed"):
        run_lab("gradient-check", seed=-1)


def _strip_timing(results):
    return {k: v for k, v in results.items() if k != "seconds"}


def test_same_seed_same_report(tmp_path):
    a = run_lab("linear-activations", tmp_path / "a", quick=True, seed=0)
    b = run_lab("linear-activations", tmp_path / "b", quick=True, seed=0)
    c = run_lab("linear-activations", tmp_path / "c", quick=True, seed=1)
    load = lambda p: _strip_timing(json.loads((p.parent / "results.json").read_text()))
    assert load(a) == load(b)
    assert load(a) != load(c)
    assert load(c)["seed"] == 1
    strip = lambda p: p.read_text().rsplit("---", 1)[0]  # the footer holds the run time
    assert strip(a) == strip(b)
    assert not list(a.parent.glob("*.tmp")) and not list(a.parent.glob(".*"))


def test_run_all_writes_an_index_and_survives_a_failing_lab(tmp_path, capsys):
    @register("broken-for-test", "Broken", "A lab that fails.", "seed 000")
    def broken(report, config):
        raise RuntimeError("planned failure")

    try:
        index, failed = run_all(tmp_path, quick=True,
                                names=["broken-for-test", "gradient-check"])
    finally:
        del LABS["broken-for-test"]
    assert failed == ["broken-for-test"]
    text = index.read_text()
    assert "**failed**: RuntimeError: planned failure" in text
    assert "[gradient-check](gradient-check/report.md)" in text
    headline = json.loads((tmp_path / "gradient-check" / "results.json").read_text())["headline"]
    assert headline and headline in text
    assert "gradient-check:" in capsys.readouterr().out


def test_cli(tmp_path, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in LABS)
    assert main(["no-such-lab"]) == 2
    assert "no lab named 'no-such-lab'" in capsys.readouterr().err
    assert main(["gradient-check", "--quick", "--out", str(tmp_path), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"Report written to {tmp_path / 'gradient-check' / 'report.md'}"
    assert json.loads((tmp_path / "gradient-check" / "results.json").read_text())["seed"] == 3
    assert main(["gradient-check", "--seed", "-2"]) == 2


def test_reseau_command_has_the_lab_subcommand(capsys):
    cli = pytest.importorskip("reseau.cli")
    assert cli.main(["lab", "list"]) == 0
    assert "backprop-complexity" in capsys.readouterr().out


def test_report_writer(tmp_path):
    r = Report(tmp_path / "x", "Title")
    r.table(["name", "value"], [["a", 0.5], ["b", 12]])
    r.results["value"] = float("nan")
    path = r.write()
    md = path.read_text()
    assert "| name | value |\n|:--|--:|\n| a | 0.5 |\n| b | 12 |" in md
    assert json.loads((path.parent / "results.json").read_text())["value"] == "nan"
    with pytest.raises(ValueError, match="2 headers"):
        r.table(["a", "b"], [[1]])
    assert (fmt(0.000123), fmt(3), fmt(True), pct(0.9512), sci(1.26e-10)) == \
        ("0.000123", "3", "yes", "95.1%", "1.3e-10")


def test_the_docs_example_of_a_new_lab_runs(tmp_path):
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "labs.md").read_text()
    example = next(b for b in re.findall(r"```python\n(.*?)```", doc, re.S)
                   if "@register" in b)
    try:
        exec(compile(example, "docs/labs.md", "exec"), {})
        path = run_lab("my-lab", tmp_path, quick=True)
    finally:
        LABS.pop("my-lab", None)
    assert "| mine | 90.0% |" in path.read_text()
    assert json.loads((path.parent / "results.json").read_text())["test_acc"] == 0.9
