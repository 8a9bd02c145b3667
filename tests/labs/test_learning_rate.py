"""learning-rate: too small is slow, too large diverges; schedules follow their formulas."""

import pytest

from reseau.labs.report import fmt


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("learning-rate")


def test_sweep_outcomes(lab):
    sweep = {float(k): v for k, v in lab.results["sweep"].items()}
    assert sweep[100.0]["status"] == "diverged"
    assert sweep[100.0]["epochs_run"] < 30  # fit stopped it early
    assert "diverged" in sweep[100.0]["message"]
    assert sweep[1e-4]["status"] == "too slow"
    # the smallest step barely moves the loss
    assert sweep[1e-4]["final_loss"] > 0.95 * lab.results["initial_loss"]
    assert lab.results["best_lr"] in (0.1, 1.0)
    best = sweep[lab.results["best_lr"]]
    assert best["final_loss"] < 0.5 * lab.results["initial_loss"]
    assert best["test_acc"] > 0.75


def test_diverged_runs_are_marked_in_the_report(lab):
    md = lab.markdown
    for lr in lab.results["diverged"]:
        assert f"| {fmt(lr)} | **diverged** |" in md
    assert "| 0.0001 | too slow |" in md
    lab.check_images()


def test_schedules_follow_their_closed_forms(lab):
    schedules = lab.results["schedules"]
    step = next(v for k, v in schedules.items() if k.startswith("StepLR"))
    poly = schedules["PolynomialLR (power 2)"]
    epochs = len(step["lr"])
    step_size = epochs // 3
    for e in range(epochs):
        assert step["lr"][e] == pytest.approx(1.0 * 0.1 ** (e // step_size), rel=1e-9)
        assert poly["lr"][e] == pytest.approx((1 - e / epochs) ** 2, rel=1e-9)
    assert schedules["constant"]["lr"] == [1.0] * epochs
    # decaying the step calms the end of training
    assert step["tail_std"] < schedules["constant"]["tail_std"]
