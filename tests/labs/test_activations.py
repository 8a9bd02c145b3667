"""activations: sigmoid' <= 0.25 makes the gradient vanish layer by layer."""

import numpy as np
import pytest

from reseau.labs.activations import derivative
from reseau.labs.report import sci


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("activations")


def test_derivatives_match_finite_differences():
    a = np.linspace(-5, 5, 101) + 0.013  # avoid relu's kink at 0
    f = {"sigmoid": lambda t: 1 / (1 + np.exp(-t)), "tanh": np.tanh,
         "relu": lambda t: np.maximum(t, 0)}
    for name, fn in f.items():
        numeric = (fn(a + 1e-6) - fn(a - 1e-6)) / 2e-6
        np.testing.assert_allclose(derivative(name, a), numeric, atol=1e-6)
    assert derivative("sigmoid", np.linspace(-10, 10, 1001)).max() == pytest.approx(0.25)


def test_gradient_vanishes_through_sigmoid_layers(lab):
    acts = lab.results["activations"]
    s, t, r = acts["sigmoid"], acts["tanh"], acts["relu"]
    # every sigmoid layer lets through at most a quarter of the gradient
    assert max(s["start"]["mean_derivative"]) <= 0.25
    assert np.prod(s["start"]["mean_derivative"]) < 0.25 ** 4
    # the gradient shrinks from the last layer to the first, steadily, with sigmoid
    norms = s["start"]["grad_norm"]
    assert all(a < b for a, b in zip(norms, norms[1:]))
    assert s["first_over_last"] < 1e-3
    assert t["first_over_last"] > 100 * s["first_over_last"]
    assert r["first_over_last"] > 100 * s["first_over_last"]
    # relu' is 0 or 1: its mean is the share of active units
    assert all(0 < d < 1 for d in r["start"]["mean_derivative"])


def test_tanh_and_relu_learn_where_sigmoid_does_not(lab):
    acts = lab.results["activations"]
    assert acts["sigmoid"]["test_acc"] < 0.5
    assert acts["tanh"]["test_acc"] > 0.8 and acts["relu"]["test_acc"] > 0.8


def test_report_states_the_numbers(lab):
    md = lab.markdown
    for name, r in lab.results["activations"].items():
        assert f"| {name} | " + " | ".join(sci(v) for v in r["start"]["grad_norm"]) in md
    lab.check_images()
