"""linear-activations: identity activations collapse to one layer, U = V W."""

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.labs.linear_activations import collapse
from reseau.labs.report import pct, sci


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("linear-activations")


def test_collapse_is_v_times_w():
    reseau.manual_seed(3)
    W = nn.Linear(3, 5, dtype="float64")
    V = nn.Linear(5, 2, dtype="float64")
    net = nn.Sequential(W, nn.Identity(), V)
    U, c = collapse(net)
    np.testing.assert_allclose(U, V.weight._array @ W.weight._array, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c, V.weight._array @ W.bias._array + V.bias._array, atol=1e-14)
    x = np.random.default_rng(0).normal(size=(7, 3))
    with reseau.no_grad():
        out = net(reseau.tensor(x))._array
    np.testing.assert_allclose(out, x @ U.T + c, atol=1e-13)


def test_trained_identity_networks_equal_their_single_layer(lab):
    nets = lab.results["networks"]
    for key in ("identity, 1 hidden layer", "identity, 3 hidden layers"):
        assert nets[key]["max_gap"] < 1e-12
        assert nets[key]["same_predictions"] == 1.0
        assert np.asarray(nets[key]["U"]).shape == (2, 2)
    assert lab.results["worst_gap"] < 1e-12


def test_linear_cannot_separate_circle_but_tanh_can(lab):
    assert lab.results["best_linear_acc"] < 0.7
    assert lab.results["tanh_acc"] > 0.9


def test_report_states_the_numbers(lab):
    md = lab.markdown
    assert sci(lab.results["worst_gap"]) in md
    assert pct(lab.results["tanh_acc"]) in md
    assert "U = V W" in md
    lab.check_images()
