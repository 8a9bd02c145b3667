"""Initialisers: exact bounds, moments within statistical tolerance, PyTorch's gains
and fans, determinism under reseau.manual_seed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.nn import init

pytestmark = pytest.mark.nn

SHAPE = (300, 200)  # fan_out = 300, fan_in = 200; 60,000 draws
N = SHAPE[0] * SHAPE[1]


def _w(shape=SHAPE, dtype="float32"):
    return nn.Parameter(reseau.zeros(*shape, dtype=dtype))


def _moments_ok(a, mean, std):
    # the sample mean is within 5 standard errors; the sample std within 2 %
    assert abs(a.mean() - mean) < 5 * std / math.sqrt(a.size)
    assert a.std() == pytest.approx(std, rel=0.02)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0),
                        ("selu", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
                        ("conv_transpose1d", None), ("conv_transpose2d", None),
                        ("conv_transpose3d", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-15)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_constant_initialisers():
    w = _w((3, 4))
    assert init.ones_(w) is w and (w._array == 1).all()
    init.zeros_(w)
    assert (w._array == 0).all()
    init.constant_(w, 0.25)
    assert (w._array == 0.25).all()
    init.eye_(w)
    np.testing.assert_array_equal(w._array, np.eye(3, 4))
    assert w.requires_grad and w.grad_fn is None  # filled in place, outside the graph


def test_uniform_and_normal():
    w = _w()
    init.uniform_(w, -0.5, 2.0)
    assert w._array.min() >= -0.5 and w._array.max() <= 2.0
    _moments_ok(w._array, 0.75, 2.5 / math.sqrt(12))
    init.normal_(w, 1.0, 0.3)
    _moments_ok(w._array, 1.0, 0.3)
    with pytest.raises(ValueError, match="expected a <= b"):
        init.uniform_(w, 1.0, 0.0)


def test_xavier():
    w = _w()
    a = math.sqrt(6 / (200 + 300))
    init.xavier_uniform_(w)
    assert np.abs(w._array).max() <= a and np.abs(w._array).max() > 0.99 * a
    _moments_ok(w._array, 0.0, a / math.sqrt(3))
    init.xavier_uniform_(w, gain=init.calculate_gain("tanh"))
    assert np.abs(w._array).max() <= 5 / 3 * a
    init.xavier_normal_(w, gain=2.0)
    _moments_ok(w._array, 0.0, 2.0 * math.sqrt(2 / 500))


@pytest.mark.parametrize("mode, fan", [("fan_in", 200), ("fan_out", 300)])
def test_kaiming(mode, fan):
    w = _w()
    init.kaiming_uniform_(w, mode=mode, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / fan)
    assert np.abs(w._array).max() <= bound and np.abs(w._array).max() > 0.99 * bound
    _moments_ok(w._array, 0.0, bound / math.sqrt(3))
    init.kaiming_normal_(w, mode=mode, nonlinearity="relu")
    _moments_ok(w._array, 0.0, math.sqrt(2 / fan))
    # PyTorch's Linear default: a = sqrt(5) gives the bound 1 / sqrt(fan_in)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w._array).max() <= 1 / math.sqrt(200)


def test_fans_of_a_convolution_kernel_shape():
    w = _w((16, 8, 3, 3))  # fan_in = 8 * 9, fan_out = 16 * 9
    init.xavier_uniform_(w)
    assert np.abs(w._array).max() <= math.sqrt(6 / (72 + 144))
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(shape \(5,\)\)"):
        init.kaiming_uniform_(_w((5,)))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(w, mode="fan_avg")


@pytest.mark.parametrize("fill", [init.uniform_, init.normal_, init.xavier_uniform_,
                                  init.xavier_normal_, init.kaiming_uniform_,
                                  init.kaiming_normal_], ids=lambda f: f.__name__)
def test_every_random_initialiser_repeats_under_manual_seed(fill):
    draws = []
    for seed in (7, 7, 8):
        reseau.manual_seed(seed)
        draws.append(fill(_w((20, 10)))._array.copy())
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], draws[2])


def test_deterministic_under_manual_seed_and_with_a_generator():
    results = []
    for _ in range(2):
        reseau.manual_seed(123)
        w = _w((20, 10))
        init.kaiming_normal_(w)
        results.append(w._array.copy())
    np.testing.assert_array_equal(*results)
    g1, g2 = reseau.Generator().manual_seed(5), reseau.Generator().manual_seed(5)
    a, b = _w((4, 4)), _w((4, 4))
    init.xavier_normal_(a, generator=g1)
    init.xavier_normal_(b, generator=g2)
    np.testing.assert_array_equal(a._array, b._array)


def test_dtype_is_kept():
    w = _w((10, 10), dtype="float64")
    init.normal_(w)
    assert w.dtype == np.float64
    w32 = _w((10, 10))
    init.xavier_uniform_(w32)
    assert w32.dtype == np.float32
