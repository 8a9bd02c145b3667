"""Weight penalties: values, gradients (l sign(W) and 2 l W), weights only, and seed
002's regularised objective in one line."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn
from nn_helpers import gradcheck_float64

pytestmark = pytest.mark.nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


def test_penalty_values_touch_weights_not_biases():
    net = TwoLayer().double()
    w1, w2 = net.fc1.weight._array, net.fc2.weight._array
    assert nn.l1_penalty(net).item() == pytest.approx(np.abs(w1).sum() + np.abs(w2).sum())
    assert nn.l2_penalty(net).item() == pytest.approx((w1**2).sum() + (w2**2).sum())
    assert [p.shape for p in nn.penalized_weights(net)] == [(4, 3), (2, 4)]
    # tensors are penalised as given, biases included if asked for
    b = net.fc1.bias
    assert nn.l1_penalty([b]).item() == pytest.approx(np.abs(b._array).sum())
    assert nn.l2_penalty(b).item() == pytest.approx((b._array**2).sum())


def test_l1_gradient_is_lambda_sign_w():
    # seed 002's report writes the gradient of l * |W|_1 as l alone; it is l * sign(W)
    w = nn.Parameter(reseau.tensor([[0.5, -2.0], [0.0, 3.0]], dtype="float64"))
    (0.1 * nn.l1_penalty(w)).backward()
    np.testing.assert_allclose(w.grad._array, [[0.1, -0.1], [0.0, 0.1]])
    w.grad = None
    (0.1 * nn.l2_penalty(w)).backward()
    np.testing.assert_allclose(w.grad._array, 0.2 * w._array)


def test_penalties_gradcheck():
    w = np.random.default_rng(0).uniform(0.2, 1, (3, 4)) * np.array([1, -1, 1, -1])
    assert gradcheck_float64(lambda t: nn.l1_penalty(t), [w])
    assert gradcheck_float64(lambda t: nn.l2_penalty(t), [w])
    assert gradcheck_float64(lambda a, b: nn.l1_penalty([a, b]) + nn.l2_penalty([a, b]),
                             [w, w[:2] * 3])


def test_seed002_objective_in_one_line():
    # R + l11 |W1|_1 + l12 ||W1||^2 + l21 |W2|_1 + l22 ||W2||^2
    reseau.manual_seed(0)
    net = TwoLayer().double()
    x = reseau.randn(6, 3, dtype="float64")
    y = reseau.tensor([0, 1, 1, 0, 1, 0])
    l11, l12, l21, l22 = 0.01, 0.02, 0.03, 0.04
    objective = F.cross_entropy(net(x), y) + nn.elastic_net(
        net, {net.fc1: (l11, l12), net.fc2: (l21, l22)})
    objective.backward()
    g_w1, g_w2 = net.fc1.weight.grad._array.copy(), net.fc2.weight.grad._array.copy()
    g_b1, g_b2 = net.fc1.bias.grad._array.copy(), net.fc2.bias.grad._array.copy()
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()  # the data term alone
    w1, w2 = net.fc1.weight._array, net.fc2.weight._array
    np.testing.assert_allclose(g_w1 - net.fc1.weight.grad._array,
                               l11 * np.sign(w1) + 2 * l12 * w1, atol=1e-12)
    np.testing.assert_allclose(g_w2 - net.fc2.weight.grad._array,
                               l21 * np.sign(w2) + 2 * l22 * w2, atol=1e-12)
    np.testing.assert_allclose(g_b1, net.fc1.bias.grad._array, atol=1e-15)  # biases untouched
    np.testing.assert_allclose(g_b2, net.fc2.bias.grad._array, atol=1e-15)
    expected = (l11 * np.abs(w1).sum() + l12 * (w1**2).sum() + l21 * np.abs(w2).sum()
                + l22 * (w2**2).sum())
    assert (objective - F.cross_entropy(net(x), y)).item() == pytest.approx(expected, rel=1e-12)


def test_elastic_net_keys_by_name_or_one_pair_for_all():
    net = TwoLayer().double()
    by_module = nn.elastic_net(net, {net.fc1: (0.1, 0.2)}).item()
    assert nn.elastic_net(net, {"fc1": (0.1, 0.2)}).item() == pytest.approx(by_module)
    every = nn.elastic_net(net, (0.1, 0.2)).item()
    assert every == pytest.approx(0.1 * nn.l1_penalty(net).item() + 0.2 * nn.l2_penalty(net).item())
    assert nn.elastic_net(net, {net.fc1: (0.0, 0.0)}).item() == 0.0
    with pytest.raises(ValueError, match=r"expected a pair \(l1, l2\)"):
        nn.elastic_net(net, {net.fc1: 0.1})
    with pytest.raises(AttributeError, match="no sub-module 'fc9'"):
        nn.elastic_net(net, {"fc9": (0.1, 0.1)})
    with pytest.raises(TypeError, match="expected a Module, a Tensor or an iterable"):
        nn.l1_penalty(3.0)
