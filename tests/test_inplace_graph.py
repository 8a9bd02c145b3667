"""In-place operations inside a graph (issue 13, section 4): allowed where PyTorch
allows them, recorded as PyTorch records them, and gradients equal to PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import reseau

torch = pytest.importorskip("torch")


def _both(fn, *arrays):
    """Run ``fn(lib, *leaves)`` with reseau and with torch on float64 leaves; return
    (loss, gradients) of each."""
    out = []
    for lib in (reseau, torch):
        leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        loss = fn(lib, *leaves)
        loss.backward()
        out.append((loss.item(), [t.grad.numpy() for t in leaves]))
    return out


def _assert_same(fn, *arrays):
    (l1, g1), (l2, g2) = _both(fn, *arrays)
    assert l1 == pytest.approx(l2, rel=1e-12)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4))
W = RNG.normal(size=(4, 4))


def test_hand_written_softmax_backward_step():
    # Karpathy's "backprop ninja": dlogits = softmax; dlogits[range(n), Yb] -= 1; dlogits /= n
    def fn(lib, logits):
        dlogits = logits.softmax(1).clone()
        dlogits[range(3), [1, 0, 3]] -= 1
        dlogits /= 3
        return (dlogits * logits).sum()
    _assert_same(fn, X)


def test_in_place_methods_on_intermediate_tensors():
    def fn(lib, x, w):
        h = x @ w
        h.add_(1).mul_(w[0]).sub_(x, alpha=2).div_(3)
        h.clamp_(-1.0, 1.0)
        return (h ** 2).sum()
    _assert_same(fn, X, W)


def test_residual_added_in_place():
    def fn(lib, x, w):
        out = x @ w  # (mm saves its inputs, not its output: PyTorch allows the change)
        out += x  # ResNet's `out += identity`
        return out.sum()
    _assert_same(fn, X, W)


def test_setitem_with_a_value_that_requires_grad():
    def fn(lib, x, w):
        h = x * 1
        h[0] = w[1]
        h[:, 2] = 0.5
        h[[1, 2], [3, 0]] = w[0, :2] * 3
        return (h * h).sum()
    _assert_same(fn, X, W)


def test_a_use_before_the_change_keeps_its_gradient():
    # the sum used h before h changed: its gradient goes to h's old history
    def fn(lib, x):
        h = x * 2
        s = h.sum()
        h[0, 0] = 10.0
        return s + (h * x).sum()
    _assert_same(fn, X)


def test_zero_fill_and_copy_in_a_graph():
    def fn(lib, x, w):
        a, b, c = x * 1, x * 2, x * 3
        a.zero_()
        b.fill_(2.0)
        c.copy_(w[:3])
        return (a + b * x + c * x).sum()
    _assert_same(fn, X, W)


def test_leaf_that_requires_grad_cannot_change_in_place():
    w = reseau.zeros(3, requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.__setitem__(0, 1.0), lambda: w.zero_()):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
            change()
    with reseau.no_grad():
        w.add_(1)
    assert w.tolist() == [1.0, 1.0, 1.0]


def test_overwritten_saved_input_is_refused_at_backward():
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h * h  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_a_tensor_without_grad_becomes_part_of_the_graph_when_assigned_one():
    w = reseau.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = reseau.zeros(3)
    buf[1:] = w[:2] * 2
    assert buf.requires_grad and buf.grad_fn is not None
    buf.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 0.0]
