"""Values without a gradient, against PyTorch: all, any, isclose, allclose, equal,
histc, histogram, bincount, unique."""

from __future__ import annotations

import numpy as np
import pytest

from reseau import ops, tensor

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.ops

RNG = np.random.default_rng(13)
X = RNG.integers(-2, 3, size=(3, 4)).astype(np.float32)  # zeros and repeats
U = RNG.uniform(-1, 3, size=50).astype(np.float32)


def same(ours, theirs):
    """Same dtype, shape and values as PyTorch's tensor."""
    expected = theirs.numpy()
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    np.testing.assert_array_equal(ours.numpy(), expected)


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_all_any_against_torch(name, dim, keepdim):
    t = torch.from_numpy(X)
    expected = getattr(torch, name)(t) if dim is None else getattr(torch, name)(t, dim, keepdim)
    same(getattr(ops, name)(tensor(X), dim, keepdim), expected)


def test_all_any_numpy_keywords():
    x, t = tensor(X), torch.from_numpy(X)
    same(ops.any(x, axis=1, keepdims=True), torch.any(t, axis=1, keepdims=True))
    same(ops.all(input=x > -3, dim=0), torch.all(input=t > -3, dim=0))
    with pytest.raises(TypeError, match="both dim"):
        ops.all(x, 0, axis=1)


def test_isclose_allclose_equal():
    a = np.array([1.0, 1.0 + 1e-6, 2.0, np.nan], dtype=np.float64)
    b = np.array([1.0, 1.0, 2.1, np.nan])
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    same(ops.isclose(tensor(a), tensor(b)), torch.isclose(ta, tb))
    same(ops.isclose(tensor(a), tensor(b), rtol=0.1, equal_nan=True),
         torch.isclose(ta, tb, rtol=0.1, equal_nan=True))
    assert ops.allclose(tensor(a[:2]), tensor(b[:2])) is True
    assert ops.allclose(tensor(a), tensor(b)) is False
    assert ops.equal(tensor(X), tensor(X.copy())) is True
    assert ops.equal(tensor(X), tensor(X[:2])) is False  # shapes differ
    assert ops.equal(tensor([1, 2]), tensor([1, 3])) is False


@pytest.mark.parametrize("bins, lo, hi", [(4, 0, 0), (10, -1, 2), (7, 0.5, 0.5), (3, 5, 9)])
def test_histc_against_torch(bins, lo, hi):
    same(ops.histc(tensor(U), bins, lo, hi), torch.histc(torch.from_numpy(U), bins, lo, hi))


def test_histc_float64_and_constant_input():
    u64 = U.astype(np.float64)
    same(ops.histc(tensor(u64), 6), torch.histc(torch.from_numpy(u64), 6))
    c = np.full(5, 2.0, np.float32)
    same(ops.histc(tensor(c), 4), torch.histc(torch.from_numpy(c), 4))


@pytest.mark.parametrize("kw", [
    dict(bins=5), dict(bins=4, range=(0.0, 2.0)), dict(bins=6, density=True),
    dict(bins=3, weight="w"), dict(bins="edges"),
])
def test_histogram_against_torch(kw):
    w = RNG.uniform(0, 1, size=U.shape).astype(np.float32)
    edges = np.array([-1.0, 0.0, 0.5, 2.0, 3.0], np.float32)

    def args(lib):
        out = dict(kw)
        if out.get("weight") == "w":
            out["weight"] = lib(w)
        if out.get("bins") == "edges":
            out["bins"] = lib(edges)
        return out

    hist, edges_ = ops.histogram(tensor(U), **args(tensor))
    th = torch.histogram(torch.from_numpy(U), **args(torch.from_numpy))
    np.testing.assert_allclose(hist.numpy(), th.hist.numpy(), rtol=1e-6)
    same(edges_, th.bin_edges)
    assert ops.histogram(tensor(U), 3).hist is not None  # PyTorch's field names


def test_bincount_against_torch():
    a = np.array([0, 3, 3, 1, 0, 3])
    same(ops.bincount(tensor(a)), torch.bincount(torch.from_numpy(a)))
    same(ops.bincount(tensor(a), minlength=7), torch.bincount(torch.from_numpy(a), minlength=7))
    for dtype in (np.float32, np.float64):
        w = np.linspace(0.5, 3, 6).astype(dtype)
        same(ops.bincount(tensor(a), tensor(w)),
             torch.bincount(torch.from_numpy(a), torch.from_numpy(w)))
    with pytest.raises(RuntimeError, match="1-D integer"):
        ops.bincount(tensor([1.0, 2.0]))


@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique_against_torch(inverse, counts):
    ours = ops.unique(tensor(X), return_inverse=inverse, return_counts=counts)
    theirs = torch.unique(torch.from_numpy(X), return_inverse=inverse, return_counts=counts)
    if not (inverse or counts):
        ours, theirs = (ours,), (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        same(o, t)


def test_unique_dim():
    rows = np.array([[1, 2], [0, 5], [1, 2]])
    ours = ops.unique(tensor(rows), dim=0, return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.from_numpy(rows), dim=0, return_inverse=True,
                          return_counts=True)
    for o, t in zip(ours, theirs):
        same(o, t)


def test_logical_and_nonzero_against_torch():
    a = X
    b = np.roll(X, 1, axis=1)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(ops, name)(tensor(a), tensor(b)), getattr(torch, name)(ta, tb))
    same(ops.logical_not(tensor(a)), torch.logical_not(ta))
    same(ops.nonzero(tensor(a)), torch.nonzero(ta))
    same(ops.argwhere(tensor(a)), torch.argwhere(ta))
    for o, t in zip(ops.nonzero(tensor(a), as_tuple=True), torch.nonzero(ta, as_tuple=True)):
        same(o, t)
    same(ops.count_nonzero(tensor(a)), torch.count_nonzero(ta))
    same(ops.count_nonzero(tensor(a), 1), torch.count_nonzero(ta, 1))
    assert ops.is_tensor(tensor(a)) and not ops.is_tensor(a)
