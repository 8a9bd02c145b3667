"""dataset-size: the train/test gap closes as N grows."""

import pytest

from reseau.labs.report import pct


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("dataset-size")


def test_gap_closes_as_n_grows(lab):
    sizes = lab.results["sizes"]
    rows = [lab.results["by_size"][str(n)] for n in sizes]
    for r in rows:
        assert r["gap"] == pytest.approx(r["train_acc"] - r["test_acc"])
    assert rows[0]["train_acc"] == 1.0  # ten points are learnt by heart
    assert rows[0]["gap"] > rows[-1]["gap"] + 0.1
    assert rows[-1]["gap"] < 0.06
    assert rows[-1]["test_acc"] > rows[0]["test_acc"] + 0.1


def test_report_states_the_numbers(lab):
    md = lab.markdown
    for n in lab.results["sizes"]:
        r = lab.results["by_size"][str(n)]
        assert f"| {n} | {pct(r['train_acc'])} | {pct(r['test_acc'])} | {pct(r['gap'])} |" in md
    lab.check_images()
