"""Stable formulas: sigmoid, softplus, log_sigmoid, log_softmax, logsumexp, softmax,
cross_entropy and BCE-with-logits stay finite and exact for logits up to |x| = 1e4,
without a NumPy overflow or invalid-value warning (the naive formulas give inf, nan or
0 there)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import reseau
from reseau.ops.nn import binary_cross_entropy_with_logits, cross_entropy

pytestmark = pytest.mark.ops

BIG = [-1e4, -800.0, -50.0, -1.0, 0.0, 1.0, 50.0, 800.0, 1e4]


def strict():
    """Turn NumPy overflow / invalid / divide-by-zero into errors (underflow to 0 is
    fine: it is the exact answer in floating point)."""
    return np.errstate(over="raise", invalid="raise", divide="raise")


def forward_backward(fn, values, dtype="float64"):
    x = reseau.tensor(np.array(values), dtype=dtype, requires_grad=True)
    with strict(), warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)
        y.backward(reseau.ones_like(y))
    assert np.all(np.isfinite(y._array)) and np.all(np.isfinite(x.grad._array))
    return y._array, x.grad._array


def test_sigmoid_is_exact_for_large_logits():
    y, g = forward_backward(reseau.sigmoid, BIG)
    expected = [1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in BIG]
    np.testing.assert_allclose(y, expected, rtol=1e-15, atol=0)
    assert y[0] == 0.0 and y[-1] == 1.0
    assert y[2] == pytest.approx(math.exp(-50), rel=1e-14)  # not rounded to 0
    np.testing.assert_allclose(g, np.array(expected) * (1 - np.array(expected)), rtol=1e-14)
    assert g[0] == 0.0 and g[-1] == 0.0


def test_softplus_is_exact_for_large_logits():
    # threshold=inf: the stable formula itself, not the linear shortcut above 20
    y, g = forward_backward(lambda x: reseau.softplus(x, threshold=math.inf), BIG)
    expected = [max(v, 0) + math.log1p(math.exp(-abs(v))) for v in BIG]
    np.testing.assert_allclose(y, expected, rtol=1e-15, atol=0)
    assert y[-1] == 1e4 and y[0] == 0.0
    assert y[2] == pytest.approx(math.exp(-50), rel=1e-14)  # log(1 + e^-50), not 0
    assert g[0] == 0.0 and g[-1] == 1.0
    y2, _ = forward_backward(reseau.softplus, BIG)  # default threshold 20
    np.testing.assert_allclose(y2, expected, rtol=1e-15, atol=0)


def test_log_sigmoid_is_exact_for_large_logits():
    y, g = forward_backward(reseau.log_sigmoid, BIG)
    expected = [min(v, 0) - math.log1p(math.exp(-abs(v))) for v in BIG]
    np.testing.assert_allclose(y, expected, rtol=1e-15, atol=0)
    assert y[0] == -1e4 and y[-1] == 0.0
    assert y[6] == pytest.approx(-math.exp(-50), rel=1e-14)  # log(sigmoid(50)), not 0
    assert g[0] == 1.0 and g[-1] == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activations_match_torch_for_large_logits(dtype):
    torch = pytest.importorskip("torch")
    tol = dict(rtol=1e-6, atol=0) if dtype == "float32" else dict(rtol=1e-14, atol=0)
    for ours, theirs in [
        (reseau.sigmoid, torch.sigmoid),
        (reseau.tanh, torch.tanh),
        (reseau.softplus, torch.nn.functional.softplus),
        (reseau.log_sigmoid, torch.nn.functional.logsigmoid),
        (reseau.gelu, torch.nn.functional.gelu),
        (lambda x: reseau.gelu(x, "tanh"),
         lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
    ]:
        y, g = forward_backward(ours, BIG, dtype)
        tx = torch.tensor(BIG, dtype=getattr(torch, dtype), requires_grad=True)
        ty = theirs(tx)
        ty.backward(torch.ones_like(ty))
        assert y.dtype == g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
        np.testing.assert_allclose(g, tx.grad.numpy(), **tol)


def test_logsumexp_and_log_softmax_with_huge_logits():
    x = [[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]]
    y, g = forward_backward(lambda t: t.logsumexp(1), x)
    # log(e^1e4 + 1 + e^-1e4) = 1e4 + log(1 + e^-1e4 + e^-2e4) = 1e4 exactly in float64
    np.testing.assert_allclose(y, [1e4, 1e4 + math.log(3)], rtol=1e-15)
    np.testing.assert_allclose(g, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    y, g = forward_backward(lambda t: t.log_softmax(1), x)
    np.testing.assert_allclose(y, [[0, -1e4, -2e4], [-math.log(3)] * 3], rtol=1e-15)
    # d sum(log_softmax) = 1 - C * softmax
    np.testing.assert_allclose(g, [[-2, 1, 1], [0, 0, 0]], atol=1e-15)
    y, _ = forward_backward(lambda t: t.softmax(1), x)
    np.testing.assert_allclose(y, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)


def test_logsumexp_of_minus_infinity_rows():
    x = reseau.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x.logsumexp(1)
    np.testing.assert_array_equal(y._array, [-np.inf, 0.0])  # no nan from inf - inf


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_with_logits_of_1e4(dtype):
    z = [[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]]
    target = reseau.tensor([0, 0])
    y, g = forward_backward(lambda t: cross_entropy(t, target, reduction="none"), z, dtype)
    # row 0: the target wins by 1e4: loss 0; row 1: loses by 2e4: loss 2e4
    np.testing.assert_allclose(y, [0.0, 2e4], rtol=1e-7)
    # gradient softmax - onehot: row 0 [1,0,0] - [1,0,0]; row 1 [0,1,0] - [1,0,0]
    np.testing.assert_allclose(g, [[0, 0, 0], [-1, 1, 0]], atol=1e-7)
    m, gm = forward_backward(lambda t: cross_entropy(t, target), z, dtype)
    assert m.item() == pytest.approx(1e4)
    np.testing.assert_allclose(gm, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-7)


def test_cross_entropy_with_huge_logits_matches_torch():
    torch = pytest.importorskip("torch")
    z = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, 1e4, 0.0, -5.0], [3.0, 1e4, 1e4, -1e4]])
    target = np.array([0, 0, 2])
    for kw in ({}, dict(label_smoothing=0.1), dict(reduction="sum")):
        y, g = forward_backward(lambda t: cross_entropy(t, reseau.tensor(target), **kw), z)
        tz = torch.tensor(z, requires_grad=True)
        ty = torch.nn.functional.cross_entropy(tz, torch.from_numpy(target), **kw)
        ty.backward()
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(g, tz.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_bce_with_logits_of_1e4():
    z = [1e4, -1e4, 1e4, -1e4]
    target = reseau.tensor([0.0, 1.0, 1.0, 0.0], dtype="float64")
    y, g = forward_backward(
        lambda t: binary_cross_entropy_with_logits(t, target, reduction="none"), z)
    np.testing.assert_array_equal(y, [1e4, 1e4, 0.0, 0.0])
    np.testing.assert_array_equal(g, [1.0, -1.0, 0.0, 0.0])  # sigmoid(z) - y
