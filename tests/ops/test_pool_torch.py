"""Pooling against PyTorch over random geometries (kernels, strides, paddings,
dilations, ceil_mode, odd sizes), float32 and float64: values, indices and gradients.
Inputs with many ties (small integers) check that the gradient goes to the same single
index as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = pytest.mark.ops

TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}
DTYPES = [np.float64, np.float32]


def geometry(rng, dilation=True):
    k = tuple(int(v) for v in rng.integers(1, 5, 2))
    kw = dict(kernel_size=k,
              stride=None if rng.random() < 0.2 else tuple(int(v) for v in rng.integers(1, 4, 2)),
              padding=tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k),
              ceil_mode=bool(rng.integers(0, 2)))
    if dilation:
        kw["dilation"] = tuple(int(v) for v in rng.integers(1, 3, 2))
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4))) + tuple(
        int(v) for v in rng.integers(4, 12, 2))
    return shape, kw


def inputs(rng, shape, dtype, ties):
    x = rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)
    return x.astype(dtype)


def compare(fn, tfn, x, dtype, n_out=1):
    """Run both on x; compare outputs (and indices), then gradients of a random upstream."""
    ours = reseau.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    try:
        expected = tfn(theirs)
    except RuntimeError:
        with pytest.raises(ValueError):
            fn(ours)
        return False
    got = fn(ours)
    if n_out == 2:
        (got, idx), (expected, tidx) = got, expected
        np.testing.assert_array_equal(idx._array, tidx.numpy())
    assert got.shape == tuple(expected.shape) and got.dtype == dtype
    np.testing.assert_allclose(got._array, expected.detach().numpy(), **TOL[dtype])
    g = np.random.default_rng(1).standard_normal(got.shape).astype(dtype)
    got.backward(reseau.tensor(g))
    expected.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ours.grad._array, theirs.grad.numpy(), **TOL[dtype])
    return True


def _windows_have_input(shape, kw):
    # PyTorch returns -inf and an out-of-range index for a max window holding only padding
    # (possible with dilation); reseau refuses such a geometry, so skip it here
    try:
        F.max_pool2d(reseau.zeros(shape), **kw)
    except ValueError as e:
        return "holds only padding" not in str(e)
    return True


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("seed", range(25))
def test_max_pool2d_matches_torch(seed, ties, dtype):
    rng = np.random.default_rng(seed)
    shape, kw = geometry(rng)
    if not _windows_have_input(shape, kw):
        pytest.skip("a window holds only padding")
    x = inputs(rng, shape, dtype, ties)
    compare(lambda a: F.max_pool2d(a, return_indices=True, **kw),
            lambda a: TF.max_pool2d(a, return_indices=True, **kw), x, dtype, n_out=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("seed", range(12))
def test_tiling_max_pool2d_matches_torch(seed, ties, dtype):
    # kernel = stride, no padding, no indices asked: the tap-view path of ops/pool.py,
    # odd sizes (a last row or column outside every window) and ceil_mode included
    rng = np.random.default_rng(500 + seed)
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4))) + tuple(
        int(v) for v in rng.integers(3, 11, 2))
    kw = dict(kernel_size=k, ceil_mode=bool(seed % 2))
    x = inputs(rng, shape, dtype, ties)
    compare(lambda a: F.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw), x, dtype)


@pytest.mark.parametrize("case", ["nan", "inf_input", "inf_grad"])
def test_tiling_max_pool2d_nan_and_inf_match_torch(case):
    # NaN windows (the last NaN takes the gradient) and an infinite upstream gradient
    # (inf * 0 would smear NaN over the window) go through the indices, as PyTorch
    x = np.random.default_rng(3).integers(0, 3, (2, 3, 6, 6)).astype(np.float64)
    g = np.random.default_rng(4).standard_normal((2, 3, 3, 3))
    if case == "nan":
        x[0, 1, 0, 1] = x[0, 1, 1, 0] = x[1, 2, 5, 5] = np.nan
    elif case == "inf_input":
        x[0, 0, 2, 2] = np.inf
        x[1, 1, 3, 3] = -np.inf
    else:
        g[0, 0, 1, 1], g[1, 2, 0, 0] = np.inf, -np.inf
    ours, theirs = reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got, expected = F.max_pool2d(ours, 2), TF.max_pool2d(theirs, 2)
    np.testing.assert_array_equal(got._array, expected.detach().numpy())
    got.backward(reseau.tensor(g))
    expected.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(ours.grad._array, theirs.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("seed", range(25))
def test_avg_pool2d_matches_torch(seed, dtype):
    rng = np.random.default_rng(100 + seed)
    shape, kw = geometry(rng, dilation=False)
    kw["count_include_pad"] = bool(seed % 2)
    if seed % 5 == 0:
        kw["divisor_override"] = int(rng.integers(1, 7))
    compare(lambda a: F.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw),
            inputs(rng, shape, dtype, False), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("seed", range(15))
def test_adaptive_pools_match_torch(seed, dtype):
    rng = np.random.default_rng(200 + seed)
    shape = (2, 3) + tuple(int(v) for v in rng.integers(1, 12, 2))
    out = tuple(int(v) for v in rng.integers(1, 9, 2))
    if seed % 4 == 0:
        out = (out[0], None)
    compare(lambda a: F.adaptive_avg_pool2d(a, out), lambda a: TF.adaptive_avg_pool2d(a, out),
            inputs(rng, shape, dtype, False), dtype)
    for ties in (False, True):
        compare(lambda a: F.adaptive_max_pool2d(a, out, return_indices=True),
                lambda a: TF.adaptive_max_pool2d(a, out, return_indices=True),
                inputs(rng, shape, dtype, ties), dtype, n_out=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("seed", range(10))
def test_1d_pools_match_torch(seed, dtype):
    rng = np.random.default_rng(300 + seed)
    k = int(rng.integers(1, 5))
    kw = dict(kernel_size=k, stride=int(rng.integers(1, 4)),
              padding=int(rng.integers(0, k // 2 + 1)), ceil_mode=bool(rng.integers(0, 2)))
    shape = (2, 3, int(rng.integers(5, 14))) if seed % 3 else (3, int(rng.integers(5, 14)))
    x = inputs(rng, shape, dtype, bool(seed % 2))
    compare(lambda a: F.max_pool1d(a, return_indices=True, dilation=1 + seed % 2, **kw),
            lambda a: TF.max_pool1d(a, return_indices=True, dilation=1 + seed % 2, **kw),
            x, dtype, n_out=2)
    compare(lambda a: F.avg_pool1d(a, count_include_pad=bool(seed % 2), **kw),
            lambda a: TF.avg_pool1d(a, count_include_pad=bool(seed % 2), **kw), x, dtype)


@pytest.mark.parametrize("shape, kw", [
    ((2, 3, 5, 7), dict(scale_factor=2)), ((2, 3, 5, 7), dict(size=(3, 11))),
    ((1, 2, 6), dict(scale_factor=1.7)), ((1, 2, 10), dict(size=4)),
    ((1, 2, 3, 4, 5), dict(scale_factor=(2, 0.5, 1.5))),
    ((2, 2, 7, 3), dict(scale_factor=0.6, recompute_scale_factor=True)),
])
def test_interpolate_nearest_matches_torch(shape, kw):
    x = np.random.default_rng(0).standard_normal(shape)
    compare(lambda a: F.interpolate(a, **kw), lambda a: TF.interpolate(a, **kw), x, np.float64)


def test_unbatched_inputs_match_torch():
    x = np.random.default_rng(0).standard_normal((3, 7, 6))
    compare(lambda a: F.max_pool2d(a, 3, 2, 1, return_indices=True),
            lambda a: TF.max_pool2d(a, 3, 2, 1, return_indices=True), x, np.float64, n_out=2)
    compare(lambda a: F.avg_pool2d(a, 2, ceil_mode=True),
            lambda a: TF.avg_pool2d(a, 2, ceil_mode=True), x, np.float64)
    compare(lambda a: F.adaptive_avg_pool2d(a, 4), lambda a: TF.adaptive_avg_pool2d(a, 4), x,
            np.float64)


def test_pytorch_refuses_what_reseau_refuses():
    # padding above half the kernel, an input smaller than the kernel
    for call, tcall in [
        (lambda: F.max_pool2d(reseau.randn(1, 1, 5, 5), 3, padding=2),
         lambda: TF.max_pool2d(torch.randn(1, 1, 5, 5), 3, padding=2)),
        (lambda: F.max_pool2d(reseau.randn(1, 1, 2, 2), 3),
         lambda: TF.max_pool2d(torch.randn(1, 1, 2, 2), 3)),
        (lambda: F.avg_pool2d(reseau.randn(1, 1, 2, 6), 3),
         lambda: TF.avg_pool2d(torch.randn(1, 1, 2, 6), 3)),
    ]:
        with pytest.raises(RuntimeError):
            tcall()
        with pytest.raises(ValueError):
            call()
