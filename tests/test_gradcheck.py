"""reseau.gradcheck itself: it passes on correct gradients, and fails, naming the input,
the index and both values, on wrong ones (toy ops with a deliberately wrong VJP, built
outside the op table so that ``reseau.OPS`` is left as it was)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import reseau
from reseau import GradcheckError, gradcheck
from reseau.ops.registry import OpDef, apply

pytestmark = pytest.mark.engine


def toy_op(name, forward, vjp) -> OpDef:
    """An op that is not registered in reseau.OPS."""
    return OpDef(name=name, forward=forward, vjp=vjp, doc="toy op for the gradcheck tests")


def _square_forward(ctx, x):
    ctx.x = x
    return x * x


# d(x^2) = 2 x g; this one forgets the 2
WRONG_SQUARE = toy_op("wrong_square", _square_forward, lambda ctx, g: g * ctx.x)
RIGHT_SQUARE = toy_op("right_square", _square_forward, lambda ctx, g: 2 * g * ctx.x)


def _mul_forward(ctx, x, y):
    ctx.x, ctx.y = x, y
    return x * y


# dy should be g * x; this one gives g * y (right for x, wrong for y)
WRONG_MUL = toy_op("wrong_mul", _mul_forward, lambda ctx, g: (g * ctx.y, g * ctx.y))


@pytest.fixture(autouse=True)
def op_table_unchanged():
    before = dict(reseau.OPS)
    yield
    assert reseau.OPS == before
    assert not {"wrong_square", "right_square", "wrong_mul"} & set(reseau.OPS)


def x64(values):
    return reseau.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------ passes
def test_passes_on_correct_ops():
    x = reseau.randn(3, 4, dtype="float64", requires_grad=True)
    y = reseau.randn(4, dtype="float64", requires_grad=True)
    assert gradcheck(lambda a, b: (a.tanh() * b).sum(), (x, y)) is True
    assert gradcheck(lambda a: apply(RIGHT_SQUARE, a), (x,)) is True  # non-scalar output


def test_a_single_tensor_as_inputs():
    assert gradcheck(lambda a: (a * a).sum(), x64([1.0, 2.0])) is True


def test_inputs_are_copied_to_float64_and_left_untouched():
    x = reseau.tensor([0.3, -1.2, 2.0], requires_grad=True)  # float32
    before = x._array.copy()
    # in float32 the finite differences of exp would be far off; gradcheck uses float64
    assert gradcheck(lambda a: a.exp().sum(), (x,)) is True
    assert x.dtype == np.float32 and x.grad is None
    np.testing.assert_array_equal(x._array, before)


def test_non_tensor_and_constant_inputs_pass_through():
    z = x64([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    target = reseau.tensor([2, 0])  # integer: not perturbed
    w = reseau.tensor([1.0, 2.0, 3.0], dtype="float64")  # no grad: not perturbed
    from reseau.ops.nn import cross_entropy

    assert gradcheck(lambda a, t, ww, s: cross_entropy(a * s, t, ww), (z, target, w, 2.0)) is True


# ------------------------------------------------------------------ fails
def test_wrong_vjp_raises_naming_input_index_and_both_values():
    x = x64([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: apply(WRONG_SQUARE, a).sum(), (x,))
    msg = str(info.value)
    # analytic = x, numeric = 2x: the worst entry is the largest, x[1, 1] = 4
    assert "input 0" in msg and "index (1, 1)" in msg
    m = re.search(r"analytic (\S+), numeric (\S+)", msg)
    assert m, msg
    assert float(m.group(1)) == pytest.approx(4.0, abs=1e-12)
    assert float(m.group(2)) == pytest.approx(8.0, rel=1e-8)


def test_wrong_vjp_of_the_second_input_names_input_1():
    x, y = x64([1.0, 2.0, 3.0]), x64([0.5, -1.0, 2.0])
    with pytest.raises(GradcheckError, match=r"input 1 at index \(\d+,\)"):
        gradcheck(lambda a, b: apply(WRONG_MUL, a, b).sum(), (x, y))
    # with y constant, only x is checked, and its gradient is right
    y.requires_grad = False
    assert gradcheck(lambda a, b: apply(WRONG_MUL, a, b).sum(), (x, y)) is True


def test_wrong_vjp_with_a_non_scalar_output_is_caught_by_the_projection():
    x = x64(np.linspace(-1.0, 1.5, 6).reshape(2, 3))
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a: apply(WRONG_SQUARE, a), (x,))


def test_raise_exception_false_returns_false():
    x = x64([1.0, 2.0])
    assert gradcheck(lambda a: apply(WRONG_SQUARE, a).sum(), (x,), raise_exception=False) is False
    assert gradcheck(lambda a: apply(RIGHT_SQUARE, a).sum(), (x,), raise_exception=False) is True


def test_a_graph_cut_by_detach_is_caught():
    x = x64([1.0, 2.0])
    # the output depends on x but backprop sees no path to it: analytic 0, numeric 2
    with pytest.raises(GradcheckError, match=r"analytic 0, numeric 2"):
        gradcheck(lambda a: (a.detach() * 2 + a * 0).sum(), (x,))


def test_kinks_make_finite_differences_disagree():
    # relu'(0) = 0 by convention, but the central difference there is 1/2: this is why
    # the op table keeps inputs away from kinks
    with pytest.raises(GradcheckError, match=r"analytic 0, numeric 0.5"):
        gradcheck(lambda a: a.relu().sum(), (x64([0.0, 1.0]),))


def test_tolerances():
    off = toy_op("off_by_1e-4", _square_forward, lambda ctx, g: 2 * g * ctx.x * (1 + 1e-4))
    x = x64([1.0, 2.0])
    assert gradcheck(lambda a: apply(off, a).sum(), (x,)) is True  # within rtol 1e-3
    with pytest.raises(GradcheckError, match="rtol 1e-06"):
        gradcheck(lambda a: apply(off, a).sum(), (x,), rtol=1e-6, atol=0)


# ------------------------------------------------------------------ misuse
def test_no_input_requiring_a_gradient():
    with pytest.raises(ValueError, match="no input requires a gradient"):
        gradcheck(lambda a: a.sum(), (reseau.tensor([1.0]),))


def test_fn_must_return_a_tensor():
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda a: 1.0, (x64([1.0]),))


# ------------------------------------------------------------------ central_difference
def test_central_difference_perturbs_in_place_and_restores():
    from reseau.gradcheck import central_difference

    a = np.array([[1.0, 2.0], [3.0, -1.0]])
    before = a.copy()
    # f = sum(a^3): df/da = 3 a^2, and the central difference of a cubic is off by eps^2
    got = central_difference(lambda: float(np.sum(a ** 3)), a, 1e-3)
    np.testing.assert_allclose(got, 3 * before.ravel() ** 2 + 1e-6, rtol=1e-9)
    np.testing.assert_array_equal(a, before)
    # chosen flat indices only, in their order
    got = central_difference(lambda: float(np.sum(a ** 2)), a, 1e-4, np.array([3, 0]))
    np.testing.assert_allclose(got, [-2.0, 2.0], rtol=1e-8)
    assert central_difference(lambda: 0.0, np.zeros((0, 3)), 1e-3).shape == (0,)


def test_central_difference_computes_in_the_array_dtype():
    from reseau.gradcheck import central_difference

    a = np.array([1.0], dtype=np.float32)
    # float32: 1 + 1e-8 rounds to 1, so the difference is exactly 0 (float64 would see it)
    assert central_difference(lambda: a.sum(), a, 1e-8)[0] == 0.0
    b = np.array([1.0])
    assert central_difference(lambda: b.sum(), b, 1e-8)[0] == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="must be contiguous"):
        central_difference(lambda: 0.0, np.ones((3, 4)).T, 1e-3)


def test_docstring_examples_run():
    import doctest
    import sys

    result = doctest.testmod(sys.modules["reseau.gradcheck"])
    assert result.attempted >= 2 and result.failed == 0
