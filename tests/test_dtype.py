"""The dtype policy (``reseau.dtypes``): each rule on its own, and through the operations
that apply it."""

import numpy as np
import pytest

import reseau
from reseau import dtypes as D


@pytest.fixture
def float64_default():
    reseau.set_default_dtype("float64")
    yield
    reseau.set_default_dtype("float32")


# ----------------------------------------------------------------- the rules alone
def test_data_dtype():
    assert D.data_dtype(np.dtype("float64")) == np.float32
    assert D.data_dtype(np.dtype("int32")) == np.int64
    assert D.data_dtype(np.dtype("bool")) == np.bool_
    assert D.data_dtype(np.dtype("uint8")) == np.uint8


def test_scalar_dtype():
    f32, i32, b = np.dtype("float32"), np.dtype("int32"), np.dtype("bool")
    assert D.scalar_dtype(2.0, np.dtype("float64")) == np.float64
    assert D.scalar_dtype(2, f32) == np.float32
    assert D.scalar_dtype(2.5, i32) == np.float32
    assert D.scalar_dtype(np.float64(2.5), i32) == np.float32
    assert D.scalar_dtype(3, i32) == np.int32
    assert D.scalar_dtype(True, b) == np.bool_
    assert D.scalar_dtype(3, b) == np.int64
    assert D.scalar_dtype(1.5, None) == np.float32
    assert D.scalar_dtype(1, None) is None


def test_promote_float():
    f32, f64, i64, b = (np.dtype(n) for n in ("float32", "float64", "int64", "bool"))
    assert D.promote_float(i64, f32) == np.float32
    assert D.promote_float(f64, b) == np.float64
    assert D.promote_float(f32, f64) is None
    assert D.promote_float(i64, b) is None


def test_true_divide_dtype_and_creation_rules(float64_default):
    assert D.true_divide_dtype(np.dtype("int64")) == np.float64
    assert D.true_divide_dtype(np.dtype("float32")) == np.float32
    assert D.dtype_or_default(None) == np.float64
    assert D.dtype_or_default("long") == np.int64
    assert D.range_dtype(0, 5, 1) == np.int64
    assert D.range_dtype(0, 1, 0.5) == np.float64


# ---------------------------------------------------------- through the operations
def test_integer_division_gives_the_default_float():
    q = reseau.tensor([1, 2, 3]) / 2
    assert q.dtype == np.float32
    np.testing.assert_allclose(q._array, [0.5, 1.0, 1.5])


def test_integer_division_follows_the_default_dtype(float64_default):
    assert (reseau.tensor([1, 2]) / reseau.tensor([4, 4])).dtype == np.float64


def test_a_python_float_does_not_widen_a_tensor():
    x64 = reseau.tensor(np.array([1.0, 2.0]))
    assert (x64 + 0.5).dtype == np.float64
    x32 = reseau.tensor([1.0, 2.0])
    assert (x32 * 2.5).dtype == np.float32
    np.testing.assert_allclose((x32 * 2.5)._array, [2.5, 5.0])


def test_int_meeting_float32_gives_float32():
    out = reseau.tensor([1, 2]) + reseau.tensor([0.5, 0.5])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out._array, [1.5, 2.5])
    assert (reseau.tensor([1, 2]) * 1.5).dtype == np.float32
    assert (reseau.tensor(np.array([1, 2], np.int32)) * 3).dtype == np.int32


def test_bool_with_bool_stays_bool_and_with_an_int_becomes_int64():
    b = reseau.tensor([True, False])
    assert reseau.mul(b, b).dtype == np.bool_
    assert (b * True).dtype == np.bool_
    assert (b + 1).dtype == np.int64
    np.testing.assert_array_equal((b + 1)._array, [2, 1])


def test_set_default_dtype_changes_what_python_floats_become(float64_default):
    assert reseau.tensor(1.5).dtype == np.float64
    assert reseau.zeros(2).dtype == np.float64
    assert reseau.full((2,), 7.0).dtype == np.float64
    assert reseau.arange(0, 1, 0.5).dtype == np.float64


def test_creation_dtypes():
    assert reseau.tensor(1.5).dtype == np.float32
    assert reseau.tensor([1, 2]).dtype == np.int64
    assert reseau.tensor([True]).dtype == np.bool_
    assert reseau.full((2,), 7).dtype == np.int64
    assert reseau.arange(3).dtype == np.int64
    assert reseau.tensor([1, 2], dtype="float64").dtype == np.float64


def test_linear_casts_integer_inputs_to_the_weights_dtype():
    w = reseau.tensor([[1.0, 2.0]])
    out = reseau.nn.functional.linear(reseau.tensor([[3, 4]]), w)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out._array, [[11.0]])
