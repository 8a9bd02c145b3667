"""gradient-descent-variants: batch, mini-batch and online SGD from one start."""

import math

import pytest

from reseau.labs.report import fmt


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("gradient-descent-variants")


def test_updates_per_epoch(lab):
    v = lab.results["variants"]
    n = v["batch"]["batch_size"]
    assert v["batch"]["updates_per_epoch"] == 1
    assert v["mini-batch (10)"]["updates_per_epoch"] == math.ceil(n / 10)
    assert v["online (1)"]["updates_per_epoch"] == n


def test_same_start_different_paths(lab):
    v = lab.results["variants"]
    starts = {r["initial_loss"] for r in v.values()}
    assert len(starts) == 1  # same initial weights
    # one update per epoch: after the same number of epochs batch descent lags behind
    assert v["batch"]["final_loss"] > v["mini-batch (10)"]["final_loss"]
    assert v["batch"]["final_loss"] > v["online (1)"]["final_loss"]
    # online follows single examples: its loss goes up in some epochs, batch GD never
    assert v["online (1)"]["rises"] > 0 and v["batch"]["rises"] == 0
    # the time axis has one point per epoch (the times are measurements the report
    # shows, not asserted: speed belongs to benchmarks/)
    assert len(v["online (1)"]["time"]) == lab.results["epochs"] + 1
    assert all(r["seconds_per_epoch"] > 0 for r in v.values())


def test_report_states_the_numbers(lab):
    md = lab.markdown
    for name, r in lab.results["variants"].items():
        assert f"| {name} | {r['updates_per_epoch']} |" in md
        assert fmt(r["final_loss"]) in md
    lab.check_images()
