"""gradient-check: finite differences against backprop, float32 against float64."""

import numpy as np
import pytest

from reseau.labs.gradient_check import relative_error
from reseau.labs.report import fmt, sci


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("gradient-check")


def test_relative_error():
    a = np.array([3.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, np.zeros(2)) == 1.0
    assert relative_error(a, a * 1.01) == pytest.approx(0.01 / 1.01)


def test_backprop_matches_finite_differences_in_float64(lab):
    per_tensor = lab.results["per_tensor"]
    assert len(per_tensor) == 6  # three Linear layers, weight and bias each
    assert max(per_tensor.values()) < 1e-6
    assert lab.results["n_params"] == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3


def test_error_against_eps(lab):
    eps = lab.results["eps"]
    f32, f64 = (np.array(lab.results["sweep"][d]) for d in ("float32", "float64"))
    assert f64.min() < 1e-8
    assert f32.min() > 1e-5  # float32 cannot do better than its rounding
    assert f32.min() > 100 * f64.min()
    # the bottom of the V: smaller eps is better in float64 than in float32
    assert lab.results["best_eps"]["float64"] < lab.results["best_eps"]["float32"]
    assert 1e-8 <= lab.results["best_eps"]["float64"] <= 1e-4
    # too small an eps is dominated by rounding: the error climbs again
    assert f64[-1] > 100 * f64.min() and f32[-1] > 100 * f32.min()
    assert len(eps) == len(f32) == len(f64)
    for e, a, b in zip(eps, f32, f64):  # the table of the report, row by row
        assert f"| {fmt(e)} | {sci(a)} | {sci(b)} |" in lab.markdown


def test_planted_bug_is_found_and_located(lab):
    bug = lab.results["planted_bug"]
    for k in ("W1", "b1", "W2", "b2"):
        assert bug["correct"][k] < 1e-6
    assert bug["buggy"]["W1"] > 1e-2 and bug["buggy"]["b1"] > 1e-2
    assert bug["buggy"]["W2"] < 1e-6 and bug["buggy"]["b2"] < 1e-6


def test_report_states_the_numbers(lab):
    md = lab.markdown
    for name, err in lab.results["per_tensor"].items():
        assert f"| {name} | {sci(err)} |" in md
    best = lab.results["best_eps"]["float64"]
    assert f"at ε = {fmt(best)} in float64" in md
    assert sci(lab.results["planted_bug"]["buggy"]["W1"]) in md
    lab.check_images()
