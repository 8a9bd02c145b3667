"""Edge values with exact expected gradients: kinks (relu/abs/sign at 0, clamp at its
bounds), ties (max/min with dim, amax/amin, maximum/minimum), indexing that repeats
entries, joins, and dtypes (float32 stays float32)."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from op_cases import CASES

pytestmark = pytest.mark.ops


def t64(values, grad=True):
    return reseau.tensor(values, dtype=reseau.float64, requires_grad=grad)


def grad_of(fn, values):
    """d sum(fn(x)) / dx at ``values``."""
    x = t64(values)
    fn(x).sum().backward()
    return x.grad._array


# ------------------------------------------------------------------ kinks
@pytest.mark.parametrize(
    "fn, expected",
    [
        (reseau.relu, [0.0, 0.0, 1.0]),  # relu'(0) = 0
        (reseau.abs, [-1.0, 0.0, 1.0]),  # abs'(0) = 0
        (reseau.sign, [0.0, 0.0, 0.0]),  # sign is piecewise constant
        (lambda x: reseau.leaky_relu(x, 0.1), [0.1, 0.1, 1.0]),  # the slope at 0, as PyTorch
    ],
    ids=["relu", "abs", "sign", "leaky_relu"],
)
def test_gradient_at_kink_zero(fn, expected):
    np.testing.assert_array_equal(grad_of(fn, [-2.0, 0.0, 3.0]), expected)


def test_relu_and_abs_forward_at_zero():
    x = t64([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(reseau.relu(x)._array, [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(reseau.abs(x)._array, [2.0, 0.0, 3.0])
    np.testing.assert_array_equal(reseau.sign(x)._array, [-1.0, 0.0, 1.0])


def test_clamp_passes_the_gradient_inside_the_closed_interval():
    #                  below  =lo  inside  =hi  above
    x = [-1.0, -0.5, 0.1, 0.8, 1.0]
    np.testing.assert_array_equal(grad_of(lambda t: t.clamp(-0.5, 0.8), x), [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(grad_of(lambda t: t.clamp(min=-0.5), x), [0, 1, 1, 1, 1])
    np.testing.assert_array_equal(grad_of(lambda t: t.clamp(max=0.8), x), [1, 1, 1, 1, 0])


def test_clamp_with_tensor_bounds_gives_the_bound_its_gradient_outside():
    x = t64([-1.0, -0.5, 0.1, 0.8, 1.0])
    lo, hi = t64(-0.5), t64(0.8)
    y = reseau.clamp(x, lo, hi)
    np.testing.assert_array_equal(y._array, [-0.5, -0.5, 0.1, 0.8, 0.8])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [0, 1, 1, 1, 0])  # x keeps it at the bounds
    assert lo.grad.item() == 1.0 and hi.grad.item() == 1.0  # one entry below, one above


def test_clamp_with_tensor_bounds_matches_torch():
    torch = pytest.importorskip("torch")
    xs = [-1.0, -0.5, 0.1, 0.8, 1.0]
    x, lo, hi = t64(xs), t64([-0.5] * 5), t64(0.8)
    reseau.clamp(x, lo, hi).sum().backward()
    tx = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    tlo = torch.full((5,), -0.5, dtype=torch.float64, requires_grad=True)
    thi = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    torch.clamp(tx, tlo, thi).sum().backward()
    for ours, theirs in [(x, tx), (lo, tlo), (hi, thi)]:
        np.testing.assert_array_equal(ours.grad._array, theirs.grad.numpy())


# ------------------------------------------------------------------ ties
TIES = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]


def test_max_with_dim_sends_the_gradient_to_the_returned_index():
    x = t64(TIES)
    values, indices = reseau.max(x, dim=1)
    np.testing.assert_array_equal(values._array, [3.0, 2.0])
    np.testing.assert_array_equal(indices._array, [1, 0])  # the first of the tied entries
    assert indices.dtype == np.int64 and indices.grad_fn is None
    values.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[0, 1, 0], [1, 0, 0]])


def test_min_with_dim_keepdim_ties():
    x = t64([[1.0, 1.0, 3.0], [0.0, 2.0, 0.0]])
    values, indices = x.min(1, keepdim=True)
    assert values.shape == (2, 1) and indices.shape == (2, 1)
    np.testing.assert_array_equal(indices._array, [[0], [0]])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[1, 0, 0], [1, 0, 0]])


def test_max_with_dim_ties_match_torch():
    torch = pytest.importorskip("torch")
    for fn in ("max", "min"):
        x, tx = t64(TIES), torch.tensor(TIES, dtype=torch.float64, requires_grad=True)
        getattr(x, fn)(1).values.sum().backward()
        getattr(tx, fn)(1).values.sum().backward()
        np.testing.assert_array_equal(x.grad._array, tx.grad.numpy())
        np.testing.assert_array_equal(getattr(x, fn)(1).indices._array, getattr(tx, fn)(1).indices)


def test_amax_and_amin_share_the_gradient_evenly_among_ties():
    x = t64([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x.amax(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad._array, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = t64([[1.0, 3.0, 1.0], [1.0, 2.0, 5.0]])
    y.amin(dim=(0, 1)).backward()  # three entries equal 1: a third each
    np.testing.assert_allclose(y.grad._array, [[1 / 3, 0, 1 / 3], [1 / 3, 0, 0]])


def test_max_without_dim_shares_among_ties_like_amax():
    x = t64([3.0, 1.0, 3.0])
    m = x.max()
    assert m.item() == 3.0 and m.shape == ()
    m.backward()
    np.testing.assert_array_equal(x.grad._array, [0.5, 0.0, 0.5])


def test_amax_ties_match_torch():
    torch = pytest.importorskip("torch")
    vals = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]
    for call in (lambda t: t.amax(1), lambda t: t.amin(0), lambda t: t.max(), lambda t: t.min()):
        x, tx = t64(vals), torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        call(x).sum().backward()
        call(tx).sum().backward()
        np.testing.assert_allclose(x.grad._array, tx.grad.numpy(), rtol=1e-15)


def test_maximum_and_minimum_split_ties_in_half():
    x, y = t64([1.0, 2.0, 3.0]), t64([3.0, 2.0, 1.0])
    reseau.maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [0, 0.5, 1])
    np.testing.assert_array_equal(y.grad._array, [1, 0.5, 0])
    x, y = t64([1.0, 2.0, 3.0]), t64([3.0, 2.0, 1.0])
    reseau.minimum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [1, 0.5, 0])
    np.testing.assert_array_equal(y.grad._array, [0, 0.5, 1])


def test_maximum_ties_match_torch():
    torch = pytest.importorskip("torch")
    a, b = [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]
    x, y = t64(a), t64(b)
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    reseau.maximum(x, y).sum().backward()
    torch.maximum(tx, ty).sum().backward()
    np.testing.assert_array_equal(x.grad._array, tx.grad.numpy())
    np.testing.assert_array_equal(y.grad._array, ty.grad.numpy())


# ------------------------------------------------------------------ other edges
def test_pow_at_zero():
    np.testing.assert_array_equal(grad_of(lambda t: t**2, [0.0, 1.5]), [0.0, 3.0])
    np.testing.assert_array_equal(grad_of(lambda t: t**0, [0.0, 1.5]), [0.0, 0.0])
    # tensor exponent: d(x^y)/dy = x^y log x, taken as 0 where x = 0 and y >= 0 (PyTorch)
    x, y = t64([0.0, 2.0]), t64([2.0, 3.0])
    (x**y).sum().backward()
    np.testing.assert_allclose(y.grad._array, [0.0, 8.0 * np.log(2.0)])
    np.testing.assert_allclose(x.grad._array, [0.0, 12.0])  # y x^(y-1)


def test_sqrt_and_log_at_zero_are_infinite_like_torch():
    with np.errstate(divide="ignore"):
        x = t64([0.0])
        reseau.sqrt(x).backward(reseau.ones(1, dtype="float64"))
        assert x.grad.item() == np.inf
        y = t64([0.0])
        out = reseau.log(y)
        assert out.item() == -np.inf
        out.backward(reseau.ones(1, dtype="float64"))
        assert y.grad.item() == np.inf


def test_var_of_one_entry_is_nan_not_an_exception():
    # n - correction = 0: PyTorch gives nan (value and gradient), not ZeroDivisionError
    x = t64([2.0])
    with np.errstate(all="ignore"):
        v = x.var()
        assert np.isnan(v.item())
        v.backward()
    assert np.isnan(x.grad.item())


def test_where_sends_the_gradient_to_the_chosen_branch():
    x, y = t64([1.0, 2.0, 3.0]), t64([10.0, 20.0, 30.0])
    out = reseau.where(reseau.tensor([True, False, True]), x, y)
    np.testing.assert_array_equal(out._array, [1.0, 20.0, 3.0])
    (out * t64([1.0, 2.0, 3.0], grad=False)).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [1, 0, 3])
    np.testing.assert_array_equal(y.grad._array, [0, 2, 0])


def test_softmax_rows_sum_to_one():
    x = reseau.randn(4, 5, dtype="float64")
    np.testing.assert_allclose(reseau.softmax(x, 1).sum(1)._array, np.ones(4), rtol=1e-14)
    np.testing.assert_allclose(reseau.log_softmax(x, 0).exp().sum(0)._array, np.ones(5), rtol=1e-14)


# ------------------------------------------------------------------ indexing
def test_getitem_repeated_integer_indices_accumulate():
    x = t64([10.0, 20.0, 30.0, 40.0])
    y = x[[0, 0, 2, 0]]
    np.testing.assert_array_equal(y._array, [10, 10, 30, 10])
    (y * t64([1.0, 2.0, 3.0, 4.0], grad=False)).sum().backward()
    # entry 0 was taken three times: 1 + 2 + 4; entry 2 once: 3
    np.testing.assert_array_equal(x.grad._array, [7, 0, 3, 0])


def test_getitem_two_index_arrays_with_repeats():
    x = t64(np.arange(12.0).reshape(3, 4))
    y = x[[0, 1, 1, 1], [3, 2, 2, 2]]
    np.testing.assert_array_equal(y._array, [3, 6, 6, 6])
    y.sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 3], expected[1, 2] = 1, 3
    np.testing.assert_array_equal(x.grad._array, expected)


def test_getitem_boolean_mask():
    x = t64([[1.0, -2.0], [-3.0, 4.0]])
    y = x[x > 0]
    np.testing.assert_array_equal(y._array, [1.0, 4.0])
    (y * t64([5.0, 6.0], grad=False)).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[5, 0], [0, 6]])


def test_getitem_slices_none_and_ellipsis():
    x = t64(np.arange(24.0).reshape(2, 3, 4))
    y = x[None, ..., 1:3]
    assert y.shape == (1, 2, 3, 2)
    np.testing.assert_array_equal(y._array[0], np.arange(24.0).reshape(2, 3, 4)[..., 1:3])
    y.sum().backward()
    expected = np.zeros((2, 3, 4))
    expected[..., 1:3] = 1
    np.testing.assert_array_equal(x.grad._array, expected)
    z = t64(np.arange(6.0))
    z[::-2].sum().backward()  # entries 5, 3, 1
    np.testing.assert_array_equal(z.grad._array, [0, 1, 0, 1, 0, 1])


def test_getitem_int_gives_a_0d_array():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    y = x[1, 0]
    assert y.shape == () and type(y._array) is np.ndarray and y.item() == 3.0
    y.backward()
    np.testing.assert_array_equal(x.grad._array, [[0, 0], [1, 0]])


ZERO_D_CASES = [c for c in CASES if reseau.OPS[c.op].differentiable
                and all(a.shape == () for a in c.args)]


# a VJP on 0-d arrays gives NumPy scalars; the engine stores arrays in .grad, which
# optimizers update in place
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_of_a_0d_leaf_is_an_array(dtype):
    failures = []
    for case in ZERO_D_CASES:
        xs = case.tensors(dtype)
        out = case.fn(*xs)
        out.backward(reseau.ones_like(out))
        failures += [case.name for x in xs if x.grad is not None
                     and type(x.grad._array) is not np.ndarray]
    assert not failures, f"0-d gradients that are not arrays: {failures}"
    x = reseau.tensor(2.0, requires_grad=True)
    (x * 3).backward()
    x.grad.zero_()  # in place
    assert x.grad.item() == 0.0


def test_item_of_a_0d_result_can_be_changed_in_place():
    # a NumPy scalar would refuse this: 0-d results are arrays
    with reseau.no_grad():
        s = reseau.tensor([1.0, 2.0]).sum()
        s += 1
        assert s.item() == 4.0
        e = reseau.tensor([[1.0, 2.0]])[0, 1]
        e.zero_()
        assert e.item() == 0.0


# ------------------------------------------------------------------ joins
def test_cat_routes_each_slice_of_the_gradient_back():
    a, b = t64([1.0, 2.0]), t64([[3.0], [4.0]])
    c = reseau.cat([a.reshape(2, 1), b], dim=1)
    np.testing.assert_array_equal(c._array, [[1, 3], [2, 4]])
    (c * t64([[1.0, 2.0], [3.0, 4.0]], grad=False)).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [1, 3])
    np.testing.assert_array_equal(b.grad._array, [[2], [4]])


def test_stack_routes_each_entry_of_the_gradient_back():
    a, b = t64([1.0, 2.0]), t64([3.0, 4.0])
    s = reseau.stack([a, b], dim=1)
    np.testing.assert_array_equal(s._array, [[1, 3], [2, 4]])
    (s * t64([[1.0, 2.0], [3.0, 4.0]], grad=False)).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [1, 3])
    np.testing.assert_array_equal(b.grad._array, [2, 4])


def test_cat_and_stack_of_the_same_tensor_accumulate():
    a = t64([1.0, 2.0])
    reseau.cat([a, a, a]).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [3, 3])
    b = t64([1.0, 2.0])
    reseau.stack([b, b]).sum().backward()
    np.testing.assert_array_equal(b.grad._array, [2, 2])


# ------------------------------------------------------------------ matmul by hand
def test_matmul_gradients_by_hand():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    w = t64([[5.0], [6.0]])
    y = x @ w  # [[17], [39]]
    np.testing.assert_array_equal(y._array, [[17], [39]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[5, 6], [5, 6]])  # g @ w^T
    np.testing.assert_array_equal(w.grad._array, [[4], [6]])  # x^T @ g
    u, v = t64([1.0, 2.0, 3.0]), t64([4.0, 5.0, 6.0])
    d = u @ v  # 4 + 10 + 18
    assert d.item() == 32.0 and d.shape == ()
    d.backward()
    np.testing.assert_array_equal(u.grad._array, [4, 5, 6])
    np.testing.assert_array_equal(v.grad._array, [1, 2, 3])


def test_matmul_broadcast_batch_gradient_is_summed_over_the_batch():
    x = t64(np.ones((2, 1, 2, 3)))
    w = t64(np.ones((5, 3, 4)))
    y = x @ w
    assert y.shape == (2, 5, 2, 4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, np.full((2, 1, 2, 3), 5 * 4.0))
    np.testing.assert_array_equal(w.grad._array, np.full((5, 3, 4), 2 * 2.0))


# ------------------------------------------------------------------ dtypes
NUMPY_SCALAR_CALLS = [
    ("pow", lambda x: x ** np.float64(2.0)),
    ("pow_int", lambda x: x ** np.int64(3)),
    ("rpow", lambda x: np.float64(2.0) ** x),
    ("mul", lambda x: x * np.float64(2.0)),
    ("radd", lambda x: np.float64(2.0) + x),
    ("div", lambda x: np.float64(1.0) / (x + 3)),
    ("clamp", lambda x: x.clamp(np.float64(-0.5), np.float64(0.5))),
    ("leaky_relu", lambda x: reseau.leaky_relu(x, np.float64(0.1))),
    ("softplus", lambda x: reseau.softplus(x, np.float64(2.0), np.float64(10.0))),
    ("where", lambda x: reseau.where(x > 0, x, np.float64(0.0))),
    ("maximum", lambda x: reseau.maximum(x, np.float64(0.0))),
]


@pytest.mark.parametrize("fn", [f for _, f in NUMPY_SCALAR_CALLS],
                         ids=[n for n, _ in NUMPY_SCALAR_CALLS])
def test_float32_stays_float32_with_numpy_scalars(fn):
    x = reseau.tensor([[-1.0, 0.5, 2.0]], requires_grad=True)
    assert x.dtype == np.float32
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_results_of_every_kind_of_op_stay_float32():
    x = reseau.randn(3, 4, requires_grad=True)
    w = reseau.randn(4, 2, requires_grad=True)
    outs = [x @ w, x.var(0), x.std(), x.softmax(1), x.log_softmax(1), x.logsumexp(1),
            reseau.gelu(x), reseau.sigmoid(x), reseau.softplus(x), reseau.log_sigmoid(x),
            x.mean(), x[[0, 0]], reseau.cat([x, x]), x.max(1).values, 2.0**x, x.abs() ** 0.5]
    for out in outs:
        assert out.dtype == np.float32, out
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_integer_and_bool_operands_follow_pytorch_promotion():
    x = reseau.tensor([1.0, 2.0])
    assert (x + reseau.tensor([1, 2])).dtype == np.float32
    assert (x * True).dtype == np.float32
    assert (reseau.tensor([1, 2]) / 2).dtype == np.float32  # true division of ints
    assert (reseau.tensor([1, 2]) + 1).dtype == np.int64


# ------------------------------------------------------------------ no gradient
def test_comparisons_values_with_ties_and_no_graph():
    x = t64([1.0, 2.0, 3.0])
    y = t64([2.0, 2.0, 2.0])
    expected = {
        "eq": [False, True, False], "ne": [True, False, True], "lt": [True, False, False],
        "le": [True, True, False], "gt": [False, False, True], "ge": [False, True, True],
    }
    for op, values in expected.items():
        out = getattr(reseau, op)(x, y)
        assert out.dtype == np.bool_ and out.grad_fn is None and not out.requires_grad
        np.testing.assert_array_equal(out._array, values)
    np.testing.assert_array_equal((x >= 2.0)._array, [False, True, True])  # operators
    np.testing.assert_array_equal((2.0 > x)._array, [True, False, False])  # reflected


def test_argmax_argmin_values_and_no_graph():
    x = t64([[1.0, 5.0, 5.0], [7.0, 0.0, 0.0]])
    cases = [
        (x.argmax(), 3), (x.argmin(), 4), (x.argmax(1), [1, 0]), (x.argmin(1), [0, 1]),
        (x.argmax(0, keepdim=True), [[1, 0, 0]]), (x.argmin(-1, keepdim=True), [[0], [1]]),
    ]
    for out, expected in cases:
        assert out.dtype == np.int64 and out.grad_fn is None and not out.requires_grad
        np.testing.assert_array_equal(out._array, expected)  # ties: the first index
