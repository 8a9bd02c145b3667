"""Gradient clipping against PyTorch: clip_grad_norm_ for several norms (returning the
total norm before clipping) and clip_grad_value_."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
import reseau.nn.utils
from reseau.nn.utils import clip_grad_norm_, clip_grad_value_

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.optim

SHAPES = [(3, 4), (4,), (), (2, 2, 2)]


def _params(dtype, scale=1.0, seed=0, with_none=True):
    """Parameters with gradients (and one without) in reseau and in PyTorch."""
    rng = np.random.default_rng(seed)
    grads = [np.asarray(scale * rng.normal(size=s), dtype=dtype) for s in SHAPES]
    ours, theirs = [], []
    for g in grads:
        p = reseau.tensor(np.zeros(g.shape, dtype), requires_grad=True)
        p.grad = reseau.tensor(g.copy())
        tp = torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        tp.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(tp)
    if with_none:
        ours.append(reseau.tensor(np.ones(2, dtype), requires_grad=True))
        theirs.append(torch.ones(2, dtype=theirs[0].dtype, requires_grad=True))
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf", -math.inf, 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm, dtype):
    ours, theirs = _params(dtype, scale=2.0)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert isinstance(total, reseau.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), t_total.item(), rtol=rtol)
    for p, tp in zip(ours, theirs):
        if tp.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._array, tp.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_norm_by_hand():
    a = reseau.tensor([0.0, 0.0], requires_grad=True)
    b = reseau.tensor([0.0], requires_grad=True)
    a.grad, b.grad = reseau.tensor([3.0, 0.0]), reseau.tensor([4.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)  # sqrt(9 + 16)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad._array, [3.0 * coef, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad._array, [4.0 * coef], rtol=1e-6)
    # infinity norm: the largest entry
    a.grad, b.grad = reseau.tensor([3.0, -7.0]), reseau.tensor([4.0])
    assert clip_grad_norm_([a, b], 100.0, norm_type="inf").item() == 7.0
    assert a.grad.tolist() == [3.0, -7.0]  # below max_norm: unchanged


def test_clip_grad_norm_single_tensor_empty_and_nonfinite():
    w = reseau.tensor([1.0, 1.0], requires_grad=True)
    w.grad = reseau.tensor([6.0, 8.0])
    assert reseau.nn.utils.clip_grad_norm_(w, 5.0).item() == pytest.approx(10.0)
    np.testing.assert_allclose(w.grad._array, [3.0, 4.0], rtol=1e-5)
    assert clip_grad_norm_([reseau.tensor([1.0], requires_grad=True)], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)
    w.grad = reseau.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="norm_type must be a number or 'inf', got 'two'"):
        clip_grad_norm_([w], 1.0, norm_type="two")
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        clip_grad_norm_([np.ones(2)], 1.0)


@pytest.mark.parametrize("clip_value", [0.1, 1.0, 10.0])
def test_clip_grad_value_matches_pytorch(clip_value):
    ours, theirs = _params(np.float32, scale=1.5, seed=1)
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, tp in zip(ours, theirs):
        if tp.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(p.grad._array, tp.grad.numpy())
            assert np.abs(p.grad._array).max() <= clip_value


def test_clipping_between_backward_and_step():
    w = reseau.tensor([1.0, -1.0], requires_grad=True)
    opt = reseau.optim.SGD([w], lr=1.0)
    (10.0 * w).sum().backward()  # grad [10, 10], norm 14.14
    clip_grad_norm_([w], max_norm=math.sqrt(2))
    opt.step()
    np.testing.assert_allclose(w._array, [0.0, -2.0], atol=1e-5)
