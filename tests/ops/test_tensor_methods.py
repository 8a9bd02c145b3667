"""The Tensor methods of section 3 (issue 13) call the same ops as the functions, with
PyTorch's method forms: ``x.flip(0)``, ``x.tile(2)``, ``x.sum(axis=0, keepdims=True)``,
``x.var(1, True)``, ``x.contiguous() is x``..."""

from __future__ import annotations

import numpy as np
import pytest

import reseau

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.ops

X = np.random.default_rng(11).uniform(0.1, 0.9, size=(3, 4))  # in every domain below
IDX = np.array([[0, 3], [1, 1], [2, 0]])
MASK = X > 0.5

METHODS = [
    # (reseau method call, torch method call): the same code for both
    lambda x: x.sin(), lambda x: x.cos(), lambda x: x.tan(), lambda x: x.sinh(),
    lambda x: x.cosh(), lambda x: x.asin(), lambda x: x.acos(), lambda x: x.atan(),
    lambda x: x.atan2(x + 1), lambda x: x.log2(), lambda x: x.log10(), lambda x: x.log1p(),
    lambda x: x.expm1(), lambda x: x.square(), lambda x: x.reciprocal(), lambda x: x.rsqrt(),
    lambda x: x.erf(), lambda x: (x * 10).floor(), lambda x: (x * 10).ceil(),
    lambda x: (x * 10).round(), lambda x: (x * 10).round(decimals=1), lambda x: (x * 10).trunc(),
    lambda x: (x * 10).frac(), lambda x: x.mm(x.T), lambda x: x[0].dot(x[1]),
    lambda x: x[0].outer(x[1]), lambda x: x.unsqueeze(0).bmm(x.T.unsqueeze(0)),
    lambda x: x.mm(x.T).addmm(x, x.T, beta=0.5, alpha=2), lambda x: x.norm(),
    lambda x: x.norm(1, 1), lambda x: x.norm(dim=0, keepdim=True),
    lambda x: x.sort(1).values, lambda x: x.sort(0, descending=True).indices,
    lambda x: x.argsort(1), lambda x: x.topk(2).values, lambda x: x.topk(1, 0, False).indices,
    lambda x: x.cumsum(1), lambda x: x.cumprod(dim=0), lambda x: x.gather(1, x.new_idx),
    lambda x: x.scatter(1, x.new_idx, x[:, :2]), lambda x: x.scatter_add(1, x.new_idx, x),
    lambda x: x.index_select(1, x.new_idx[:, 1]), lambda x: x.masked_fill(x.new_mask, 0.0),
    lambda x: x.repeat(2, 1), lambda x: x.repeat(1, 2, 1), lambda x: x.tile(2),
    lambda x: x.tile((2, 1)), lambda x: x.chunk(2)[1], lambda x: x.split(3, 1)[1],
    lambda x: x.split([1, 3], 1)[0], lambda x: x.narrow(1, 1, 2), lambda x: x.flip(0),
    lambda x: x.flip((0, 1)), lambda x: x.roll(1, 0), lambda x: x.tril(), lambda x: x.triu(1),
    lambda x: x.diag(), lambda x: x[0].diag(-1), lambda x: x.any(1), lambda x: x.all(),
    lambda x: (x > 0.3).all(dim=1, keepdim=True), lambda x: x.isclose(x + 1e-9),
    lambda x: x.histc(4), lambda x: x.sum(axis=0, keepdims=True), lambda x: x.mean(axis=1),
    lambda x: x.var(1, True), lambda x: x.std(0, False, True), lambda x: x.max(axis=1).values,
    lambda x: x.argmax(axis=0), lambda x: x.softmax(dim=0), lambda x: x.log_softmax(axis=1),
    lambda x: x.logsumexp(axis=1), lambda x: x.amax(dim=(0, 1)),
]


class _Tagged(reseau.Tensor):
    """A tensor that can carry the index and mask arguments as attributes."""


@pytest.mark.parametrize("call", METHODS, ids=[str(i) for i in range(len(METHODS))])
def test_method_matches_torch(call):
    t = torch.from_numpy(X)
    t.new_idx, t.new_mask = torch.from_numpy(IDX), torch.from_numpy(MASK)
    x = _Tagged._make(reseau.tensor(X)._array)
    x.new_idx, x.new_mask = reseau.tensor(IDX), reseau.tensor(MASK)
    ours, theirs = call(x), call(t)
    expected = theirs.numpy()
    assert ours.dtype == expected.dtype and tuple(ours.shape) == expected.shape
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_small_methods():
    x = reseau.tensor(X)
    assert x.contiguous() is x
    assert x.nelement() == x.numel() == reseau.numel(x) == 12
    assert x.equal(reseau.tensor(X.copy())) and x.allclose(x + 1e-9)
    assert x.bincount is not None and reseau.tensor([0, 2, 2]).bincount().tolist() == [1, 0, 2]
    assert reseau.tensor([3, 1, 3]).unique().tolist() == [1, 3]
    y = reseau.zeros(2, 2)
    assert y.masked_fill_(reseau.tensor([[True, False], [False, True]]), 1.0) is y
    assert y.scatter_(1, reseau.tensor([[1], [0]]), 2.0) is y
    assert y.scatter_add_(0, reseau.tensor([[0, 0]]), reseau.ones(1, 2)) is y
    assert y.tolist() == [[2.0, 3.0], [2.0, 1.0]]


def test_numpy_style_aliases_of_the_arithmetic():
    x, t = reseau.tensor(X), torch.from_numpy(X)
    for name in ("multiply", "subtract", "divide"):
        np.testing.assert_array_equal(getattr(x, name)(x + 1).numpy(),
                                      getattr(t, name)(t + 1).numpy())
        np.testing.assert_array_equal(getattr(reseau, name)(x, 2.0).numpy(),
                                      getattr(torch, name)(t, 2.0).numpy())
