"""Pooling primitives without PyTorch: the index chosen on ties, NaN and -inf windows,
hand-computed values, finite differences over random geometries, unbatched inputs and
the errors. (The comparison with PyTorch is in test_pool_torch.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F

pytestmark = pytest.mark.ops


def t(values, grad=True):
    return reseau.tensor(np.asarray(values, dtype=np.float64), requires_grad=grad)


# ------------------------------------------------------------------ ties: one index per window
def test_tie_in_one_window_sends_the_gradient_to_the_first_maximum():
    # window order is row-major: in [[0, 1], [1, 1]] the first 1 is at (0, 1), index 1
    x = t([[[[0.0, 1.0], [1.0, 1.0]]]])
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    assert idx.tolist() == [[[[1]]]]
    np.testing.assert_array_equal(x.grad._array[0, 0], [[0, 1], [0, 0]])


def test_all_equal_overlapping_windows_each_pick_their_top_left():
    # a 3x3 plane of ones, 2x2 windows with stride 1: window (i, j) picks (i, j); a mask
    # of every tied entry would give each window 4 gradient entries instead of 1
    x = reseau.ones(1, 1, 3, 3, dtype=reseau.float64, requires_grad=True)
    out, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    out.sum().backward()
    assert idx.tolist() == [[[[0, 1], [3, 4]]]]
    np.testing.assert_array_equal(x.grad._array[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    assert x.grad._array.sum() == out.numel()  # exactly one entry per window


def test_adaptive_max_tie_picks_the_first_maximum():
    x = t([[[[2.0, 2.0, 1.0], [2.0, 0.0, 2.0]]]])
    out, idx = F.adaptive_max_pool2d(x, (1, 2), return_indices=True)
    out.sum().backward()
    # windows: columns [0, 2) and [1, 3) over both rows; both find a 2 first at (0, 0), (0, 1)
    assert idx.tolist() == [[[[0, 1]]]]
    np.testing.assert_array_equal(x.grad._array[0, 0], [[1, 1, 0], [0, 0, 0]])


def test_nan_wins_the_window_and_the_last_nan_is_chosen():
    x = t([[[[1.0, np.nan, 5.0, np.nan]]]])
    out, idx = F.max_pool2d(x, (1, 4), return_indices=True)
    assert np.isnan(out.item()) and idx.item() == 3  # PyTorch: val > max or isnan(val)


def test_window_of_minus_inf_points_at_its_first_entry_inside_the_input():
    x = t(np.full((1, 1, 3, 3), -np.inf))
    out, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    assert out.tolist() == [[[[-np.inf, -np.inf], [-np.inf, -np.inf]]]]
    assert idx.tolist() == [[[[0, 1], [3, 4]]]]  # never a padded position


# ------------------------------------------------------------------ values by hand
def test_avg_pool_counts_the_padding_or_not():
    x = t(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
    # window at the top-left corner with padding 1: entries 1, 2, 4, 5 among 4 real + 5 pad
    incl = F.avg_pool2d(x, 3, stride=2, padding=1)
    excl = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
    assert incl._array[0, 0, 0, 0] == pytest.approx(12 / 9)
    assert excl._array[0, 0, 0, 0] == pytest.approx(12 / 4)
    over = F.avg_pool2d(x, 3, stride=2, padding=1, divisor_override=2)
    assert over._array[0, 0, 0, 0] == pytest.approx(6.0)


def test_ceil_mode_adds_a_last_window_only_if_it_starts_inside():
    x = reseau.randn(1, 1, 5, 5)
    assert F.max_pool2d(x, 2).shape == (1, 1, 2, 2)
    assert F.max_pool2d(x, 2, ceil_mode=True).shape == (1, 1, 3, 3)
    # length 4, k 2, padding 1: stride 2 gives 3 windows (the third starts at 3, inside);
    # with stride 3, ceil gives a third window starting at 2 * 3 - 1 = 5 >= 4 + 1, in the
    # right padding: PyTorch drops it
    y = reseau.randn(1, 1, 4, 4)
    assert F.max_pool2d(y, 2, padding=1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert F.max_pool2d(y, 2, stride=3, padding=1, ceil_mode=True).shape == (1, 1, 2, 2)


def test_adaptive_windows_overlap_as_pytorch_defines_them():
    # H = 5 to 3: windows [0, 2), [1, 4), [3, 5) (floor(i 5/3) .. ceil((i+1) 5/3))
    x = t(np.arange(5.0).reshape(1, 1, 5, 1))
    assert F.adaptive_avg_pool2d(x, (3, 1))._array.ravel().tolist() == [0.5, 2.0, 3.5]
    assert F.adaptive_max_pool2d(x, (3, 1))._array.ravel().tolist() == [1.0, 3.0, 4.0]


def test_interpolate_nearest_repeats_entries():
    x = t(np.array([[[1.0, 2.0, 3.0]]]))
    assert F.interpolate(x, scale_factor=2)._array.ravel().tolist() == [1, 1, 2, 2, 3, 3]
    assert F.interpolate(x, size=2)._array.ravel().tolist() == [1, 2]
    y = F.interpolate(x, size=5)
    y.sum().backward()
    assert x.grad._array.ravel().tolist() == [2, 2, 1]  # copies of 1, 2, 3: 0,0,1,1,2 -> 2,2,1


# ------------------------------------------------------------------ finite differences
def _random_geometry(rng):
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    s = tuple(int(v) for v in rng.integers(1, 4, 2))
    p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
    d = tuple(int(v) for v in rng.integers(1, 3, 2))
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) + tuple(
        int(v) for v in rng.integers(5, 9, 2))
    return shape, dict(kernel_size=k, stride=s, padding=p, ceil_mode=bool(rng.integers(0, 2))), d


@pytest.mark.parametrize("seed", range(12))
def test_gradcheck_random_geometries(seed):
    rng = np.random.default_rng(seed)
    shape, kw, d = _random_geometry(rng)
    x = reseau.tensor(rng.permutation(np.prod(shape)).reshape(shape) / 7.0, requires_grad=True)
    # distinct values 1/7 apart: no ties, and finite differences never cross a kink
    assert reseau.gradcheck(lambda a: F.max_pool2d(a, dilation=d, **kw), [x])
    assert reseau.gradcheck(lambda a: F.avg_pool2d(a, count_include_pad=bool(seed % 2), **kw),
                            [x])
    out = tuple(int(v) for v in rng.integers(1, 7, 2))
    assert reseau.gradcheck(lambda a: F.adaptive_avg_pool2d(a, out), [x])
    assert reseau.gradcheck(lambda a: F.adaptive_max_pool2d(a, out), [x])


def test_gradcheck_1d_pools():
    x = reseau.tensor(np.random.default_rng(0).permutation(30).reshape(2, 3, 5) / 3.0,
                      requires_grad=True)
    assert reseau.gradcheck(lambda a: F.max_pool1d(a, 3, 2, 1, ceil_mode=True), [x])
    assert reseau.gradcheck(lambda a: F.avg_pool1d(a, 2, 1, 1, count_include_pad=False), [x])


# ------------------------------------------------------------------ unbatched, float32
@pytest.mark.parametrize("fn", [
    lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 2, ceil_mode=True),
    lambda a: F.adaptive_avg_pool2d(a, (2, 3)), lambda a: F.adaptive_max_pool2d(a, 3),
])
def test_unbatched_input_is_the_batched_result_of_one_sample(fn):
    x = reseau.randn(3, 7, 6)
    np.testing.assert_array_equal(fn(x)._array, fn(x.unsqueeze(0))._array[0])


def test_unbatched_indices_and_1d_indices_have_the_output_shape():
    out, idx = F.max_pool2d(reseau.randn(2, 5, 5), 2, return_indices=True)
    assert out.shape == idx.shape == (2, 2, 2) and idx.dtype == np.int64
    out, idx = F.max_pool1d(reseau.randn(2, 3, 9), 3, return_indices=True)
    assert idx.shape == (2, 3, 3) and int(idx._array.max()) < 9


def test_float32_stays_float32_in_values_and_gradients():
    for fn in (lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 2),
               lambda a: F.adaptive_avg_pool2d(a, 3), lambda a: F.adaptive_max_pool2d(a, 3)):
        x = reseau.randn(2, 2, 6, 6, requires_grad=True)
        y = fn(x)
        y.sum().backward()
        assert y.dtype == x.grad.dtype == np.float32


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call, words", [
    (lambda: F.max_pool2d(reseau.randn(1, 1, 5, 5), 3, padding=2), ["padding", "half"]),
    (lambda: F.avg_pool2d(reseau.randn(1, 1, 5, 5), 2, padding=(0, 2)), ["padding", "half"]),
    (lambda: F.max_pool2d(reseau.randn(1, 1, 2, 2), 3), ["smaller than the kernel",
                                                        "(1, 1, 2, 2)"]),
    (lambda: F.avg_pool2d(reseau.randn(2, 3, 4, 1), (1, 2)), ["smaller", "(2, 3, 4, 1)"]),
    (lambda: F.max_pool1d(reseau.randn(2, 3, 2), 3), ["smaller than the kernel", "(2, 3, 2)"]),
    (lambda: F.avg_pool2d(reseau.arange(16).reshape(1, 1, 4, 4), 2), ["floating", "int64"]),
    (lambda: F.adaptive_avg_pool2d(reseau.arange(4).reshape(1, 2, 2), 1), ["floating"]),
    (lambda: F.max_pool2d(reseau.randn(4, 4), 2), ["4-D", "(4, 4)"]),
    (lambda: F.max_pool2d(reseau.randn(1, 1, 1, 4, 4), 2), ["4-D", "unbatched"]),
    (lambda: F.max_pool1d(reseau.randn(2, 3, 4, 4), 2), ["3-D", "(N, C, L)"]),
    (lambda: F.max_pool2d(reseau.randn(1, 1, 4, 4), 0), ["kernel_size", "positive"]),
    (lambda: F.max_pool2d(reseau.randn(1, 1, 4, 4), 2, stride=0), ["stride", "positive"]),
    (lambda: F.max_pool2d(reseau.randn(1, 1, 4, 4), (2, 2, 2)), ["pair"]),
    (lambda: F.adaptive_avg_pool2d(reseau.randn(1, 1, 4, 4), 0), ["output_size"]),
    (lambda: F.avg_pool2d(reseau.randn(1, 1, 4, 4), 2, divisor_override=0), ["divisor"]),
    (lambda: F.interpolate(reseau.randn(1, 1, 4, 4), scale_factor=2, mode="bilinear"),
     ["nearest"]),
    (lambda: F.interpolate(reseau.randn(1, 1, 4, 4)), ["exactly one"]),
])
def test_errors_name_the_operation_and_the_shapes(call, words):
    with pytest.raises((ValueError, TypeError, NotImplementedError)) as err:
        call()
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_layers_name_themselves_in_errors():
    with pytest.raises(ValueError, match=r"^MaxPool2d: .*\(3, 3\)"):
        reseau.nn.MaxPool2d(5)(reseau.randn(1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"^AvgPool1d: "):
        reseau.nn.AvgPool1d(3)(reseau.randn(2, 2, 2, 2))
    with pytest.raises(ValueError, match=r"^AdaptiveMaxPool2d: "):
        reseau.nn.AdaptiveMaxPool2d(2)(reseau.randn(5))
