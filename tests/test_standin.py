"""The CuPy stand-in (``reseau.standin``): it computes what NumPy computes, bit for bit, and
refuses (recording each refusal) what CuPy refuses: implicit conversion to NumPy, host
operands, NumPy functions and ufunc methods CuPy does not implement, arrays of two devices
in one operation."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from reseau import standin


@pytest.fixture(autouse=True)
def _no_leftover_violations():
    standin.clear_violations()
    yield
    standin.clear_violations()


def host(shape=(2, 3), seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def dev(a):
    return standin.asarray(a)


def same(d, h):
    """``d`` (a stand-in array) holds exactly the NumPy result ``h``."""
    assert isinstance(d, standin.ndarray), type(d)
    got = d.get()
    assert got.dtype == np.asarray(h).dtype and got.shape == np.shape(h)
    assert np.array_equal(got, h, equal_nan=True)


# --- implicit conversion and host operands are refused, and recorded --------------------------

@pytest.mark.parametrize("convert", [np.asarray, np.array, lambda a: np.asarray(a, np.float32),
                                     lambda a: a.__array__()])
def test_implicit_conversion_to_numpy_is_refused_and_recorded(convert):
    a = dev(host())
    with pytest.raises(TypeError, match="implicit conversion to a NumPy array is not allowed"):
        convert(a)
    (line,) = standin.violations()
    assert "test_standin.py" in line  # the caller is named, for the sweep


@pytest.mark.parametrize("other", [np.ones(3), np.ones((2, 3)), np.asarray(1.0)],
                         ids=["1-d", "2-d", "0-d"])
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: b * a, np.maximum,
                                lambda a, b: np.where(a > 0, a, b)],
                         ids=["add", "rmul", "maximum", "where"])
def test_host_operands_are_refused(op, other):
    with pytest.raises(TypeError, match="numpy.ndarray operand"):
        op(dev(host()), other)
    assert len(standin.violations()) == 1


def test_clear_violations():
    with pytest.raises(TypeError):
        np.asarray(dev(host()))
    assert standin.violations()
    standin.clear_violations()
    assert standin.violations() == []


@pytest.mark.parametrize("scalar", [2, 2.5, True, np.float32(2.5), np.float64(-1.5), np.int64(3)])
def test_python_and_numpy_scalars_are_accepted_with_numpys_promotion(scalar):
    x = host(dtype=np.float32)
    for op in (lambda a, s: a * s, lambda a, s: s - a, lambda a, s: a ** 2 + s):
        same(op(dev(x), scalar), op(x, scalar))
    assert standin.violations() == []


def test_a_list_operand_is_refused():
    with pytest.raises(TypeError, match="unsupported operand type list"):
        dev(host((3,))) + [1.0, 2.0, 3.0]


# --- what is computed is NumPy's result -------------------------------------------------------

UFUNCS = [np.exp, np.log1p, np.tanh, np.negative, np.abs, np.sqrt, np.sign, np.floor]


@pytest.mark.parametrize("ufunc", UFUNCS, ids=lambda u: u.__name__)
def test_ufuncs_are_numpys(ufunc):
    x = np.abs(host((3, 4)))
    same(ufunc(dev(x)), ufunc(x))
    same(getattr(standin, ufunc.__name__)(dev(x)), ufunc(x))


def test_operators_and_methods_are_numpys():
    x, y = host((2, 3)), host((3, 4), seed=1)
    a, b = dev(x), dev(y)
    same(a @ b, x @ y)
    same(-a / 3 + a % 2 - a // 2, -x / 3 + x % 2 - x // 2)
    same(a > 0, x > 0)
    same(a.sum(axis=1, keepdims=True), x.sum(axis=1, keepdims=True))
    same(a.T.reshape(3, 2).astype(np.float32), x.T.reshape(3, 2).astype(np.float32))
    same(a.max(), np.asarray(x.max()))
    same(a.argsort(axis=0), x.argsort(axis=0))
    c = a.copy()
    c += 1
    c[0, 1] = 7.0
    xc = x + 1
    xc[0, 1] = 7.0
    same(c, xc)
    same(a, x)  # the copy did not alias


def test_zero_d_results_are_zero_d_arrays_as_in_cupy():
    a = dev(host((3,)))
    for r in (a.sum(), np.sum(a), a[0], np.exp(a[0]), standin.float32(2) * a.sum()):
        assert isinstance(r, standin.ndarray) and r.shape == ()
    assert float(a.sum()) == host((3,)).sum() and isinstance(a.sum().item(), float)


def test_functions_cupy_has_go_through_array_function():
    x, y = host((2, 3)), host((2, 3), seed=1)
    a, b = dev(x), dev(y)
    same(np.concatenate([a, b], axis=1), np.concatenate([x, y], axis=1))
    same(np.where(a > b, a, 0.0), np.where(x > y, x, 0.0))
    same(np.linalg.norm(a), np.asarray(np.linalg.norm(x)))
    same(np.einsum("ij,kj->ik", a, b), np.einsum("ij,kj->ik", x, y))
    same(np.lib.stride_tricks.sliding_window_view(a, 2, axis=1),
         np.lib.stride_tricks.sliding_window_view(x, 2, axis=1))
    assert np.shape(a) == (2, 3) and np.ndim(a) == 2  # not arrays: kept as they are
    assert standin.violations() == []


@pytest.mark.parametrize("call", [lambda a: np.block([[a, a]]),
                                  lambda a: np.nanpercentile(a, 50),
                                  lambda a: np.spacing(a)],
                         ids=["block", "nanpercentile", "spacing"])
def test_numpy_calls_cupy_lacks_are_refused_and_recorded(call):
    with pytest.raises(TypeError, match="CuPy has no such"):
        call(dev(host()))
    assert len(standin.violations()) == 1


def test_ufunc_methods_are_cupys():
    x = host((4, 3))
    idx = np.array([0, 2, 2])
    a = standin.zeros(4)
    np.add.at(a, dev(idx), 1.0)  # CuPy's scatter_add; host indices are copied over too
    np.add.at(a, idx, standin.ones(3))
    h = np.zeros(4)
    np.add.at(h, idx, 1.0)
    np.add.at(h, idx, np.ones(3))
    same(a, h)
    m = dev(x.copy())
    np.maximum.at(m, dev(idx), 5.0)
    hm = x.copy()
    np.maximum.at(hm, idx, 5.0)
    same(m, hm)
    same(np.add.reduce(dev(x), axis=0), np.add.reduce(x, axis=0))
    same(np.multiply.accumulate(dev(x), axis=1), np.multiply.accumulate(x, axis=1))
    same(np.subtract.outer(dev(x[0]), dev(x[1])), np.subtract.outer(x[0], x[1]))
    assert standin.violations() == []
    with pytest.raises(NotImplementedError, match="maximum.reduce"):
        np.maximum.reduce(dev(x))
    with pytest.raises(NotImplementedError, match="multiply.at"):
        np.multiply.at(dev(x), dev(idx), 2.0)
    assert len(standin.violations()) == 2


def test_cupy_names_come_from_cupys_source():
    names = standin.CUPY_FUNCTIONS
    for name in ("matmul", "einsum", "put_along_axis", "bincount", "linalg.norm", "fft.rfft",
                 "random.standard_normal", "lib.stride_tricks.as_strided"):
        assert name in names
    for name in ("block", "nanpercentile", "vecdot", "linalg.matrix_norm"):
        assert name not in names
    with pytest.raises(AttributeError, match="CuPy has no such name"):
        standin.block  # noqa: B018


# --- host copies, indexing ----------------------------------------------------------------

def test_get_and_asnumpy_copy_to_the_host():
    x = host()
    a = dev(x)
    h = a.get()
    h[0, 0] = 99.0
    assert type(h) is np.ndarray and a[0, 0].item() == x[0, 0]
    assert type(standin.asnumpy(a)) is np.ndarray
    assert standin.asnumpy([1, 2]).tolist() == [1, 2]
    assert a.tolist() == x.tolist() and len(a) == 2
    assert [r.shape for r in a] == [(3,), (3,)]
    assert bool(dev(np.asarray(1.0))) and int(dev(np.asarray(3))) == 3


def test_indexing_takes_host_and_device_indices_and_values():
    x = host((4, 3))
    a = dev(x)
    same(a[np.array([3, 0])], x[np.array([3, 0])])
    same(a[dev(np.array([3, 0])), 1:], x[np.array([3, 0]), 1:])
    same(a[a > 0], x[x > 0])
    a[1] = np.arange(3.0)  # CuPy copies a host value over
    a[dev(np.array([0])), 0] = standin.full((1,), -1.0)
    x[1] = np.arange(3.0)
    x[0, 0] = -1.0
    same(a, x)
    assert standin.violations() == []


def test_namespace_allocation_and_modules():
    same(standin.zeros((2, 3), dtype=np.float32), np.zeros((2, 3), np.float32))
    same(standin.arange(5), np.arange(5))
    same(standin.full_like(dev(host()), 2.0, shape=(4,)), np.full(4, 2.0))
    same(standin.eye(3), np.eye(3))
    assert standin.float32 is np.float32 and standin.newaxis is None
    a = dev(host())
    assert standin.get_array_module(a) is standin and standin.get_array_module(host()) is np


def test_copy_and_pickle_keep_the_device():
    with standin.cuda.Device(1):
        a = dev(host())
    for b in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert b.device.id == 1
        same(b, a.get())


# --- devices ------------------------------------------------------------------------------

def test_two_devices_and_the_current_one():
    assert standin.cuda.runtime.getDeviceCount() == 2
    a = standin.ones(3)
    with standin.cuda.Device(1) as d:
        b = standin.ones(3)
        assert d.id == 1 and standin.cuda.get_device_id() == 1
        d.synchronize()
    assert a.device.id == 0 and b.device.id == 1 and a.device == standin.cuda.Device(0)
    assert (b + 1).device.id == 1 and np.exp(b).device.id == 1
    standin.cuda.Stream.null.synchronize()
    with pytest.raises(RuntimeError, match="invalid device ordinal 2"):
        standin.cuda.Device(2)


@pytest.mark.parametrize("op", [lambda a, b: a + b, np.maximum,
                                lambda a, b: np.concatenate([a, b])], ids=["add", "max", "cat"])
def test_arrays_of_two_devices_do_not_mix(op):
    a = standin.ones(3)
    with standin.cuda.Device(1):
        b = standin.ones(3)
    with pytest.raises(ValueError, match=r"resides \(1\) is different from the current "
                                         r"device \(0\)"):
        op(a, b)
    assert len(standin.violations()) == 1


# --- random -------------------------------------------------------------------------------

def test_random_is_seeded_and_its_own():
    standin.random.seed(3)
    first = standin.random.randn(4, dtype=np.float32)
    standin.random.seed(3)
    again = standin.random.standard_normal(4, dtype=np.float32)
    assert first.dtype == np.float32 and isinstance(first, standin.ndarray)
    assert np.array_equal(first.get(), again.get())
    g = standin.random.default_rng(7)
    u = g.uniform(0, 1, size=(2, 2))
    assert u.shape == (2, 2) and 0 <= float(u.min()) and float(u.max()) < 1
    p = standin.random.permutation(5)
    assert sorted(p.tolist()) == [0, 1, 2, 3, 4]


def test_flat_indexes_in_c_order():
    x = host((2, 3))
    a = dev(x)
    same(a.flat[4], np.asarray(x.flat[4]))
    assert float(a.T.flat[1]) == x.T.flat[1] and len(a.flat) == 6
    a.flat[0] = 5.0
    assert a[0, 0].item() == 5.0


def test_methods_and_indexing_keep_the_arrays_device():
    with standin.cuda.Device(1):
        a = dev(host((2, 3)))
    for r in (a.sum(), a.reshape(3, 2), a.astype(np.float32), a.T, a[0], a.max(axis=0),
              a.flat[1], np.exp(a), a + 1):
        assert r.device.id == 1


def test_copy_goes_to_the_current_device_as_in_cupy():
    a = dev(host((2, 3)))
    with standin.cuda.Device(1):
        b = a.copy()
    assert a.device.id == 0 and b.device.id == 1 and a.copy().device.id == 0
    same(b, a.get())
