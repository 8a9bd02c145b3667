"""PyTorch's keyword names and conventions on the ops, against PyTorch: ``input=``,
``other=``, ``dim=`` / ``axis=``, ``keepdim=`` / ``keepdims=``, ``dtype=``, ``out=``
(written in place, refused with a gradient), the tuple results with ``.values`` and
``.indices``, integer inputs of float maths, and erf's accuracy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
from reseau import ops

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.ops

X = np.random.default_rng(3).standard_normal((2, 3, 4))


def same(ours, theirs, exact=False):
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype and tuple(ours.shape) == expected.shape
    if exact:
        np.testing.assert_array_equal(ours.detach().numpy(), expected)
    else:
        tol = 1e-12 if expected.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=tol, atol=tol)


CALLS = [
    # op, keyword arguments (the same for both libraries)
    ("sum", dict(axis=1)), ("sum", dict(axis=(0, 2), keepdims=True)),
    ("sum", dict(dim=-1, dtype="float32")), ("mean", dict(axis=0, keepdims=True)),
    ("amax", dict(axis=2)), ("amin", dict(dim=1, keepdims=True)),
    ("argmax", dict(axis=1)), ("argmin", dict(dim=2, keepdims=True)),
    ("logsumexp", dict(axis=1)), ("var", dict(axis=1, keepdims=True)),
    ("std", dict(dim=(0, 1), correction=0)), ("softmax", dict(axis=1)),
    ("log_softmax", dict(dim=-1, dtype="float32")), ("cumsum", dict(axis=2)),
    ("cumprod", dict(dim=1, dtype="float32")),
]


@pytest.mark.parametrize("op, kw", CALLS, ids=[f"{o}-{'-'.join(k)}" for o, k in CALLS])
def test_numpy_keyword_names_match_torch(op, kw):
    tkw = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
    same(getattr(ops, op)(input=reseau.tensor(X), **kw),
         getattr(torch, op)(input=torch.from_numpy(X), **tkw))


def test_max_min_with_dim_keywords_return_values_and_indices():
    for name in ("max", "min"):
        r = getattr(ops, name)(reseau.tensor(X), axis=1, keepdims=True)
        t = getattr(torch, name)(torch.from_numpy(X), axis=1, keepdims=True)
        same(r.values, t.values)
        same(r.indices, t.indices, exact=True)
        values, indices = r
        assert values is r.values and indices is r.indices


def test_max_min_of_two_tensors_are_maximum_minimum():
    a, b = X[0], X[1]
    same(ops.max(reseau.tensor(a), reseau.tensor(b)), torch.max(torch.from_numpy(a),
                                                                 torch.from_numpy(b)))
    same(ops.min(reseau.tensor(a), other=reseau.tensor(b)),
         torch.min(torch.from_numpy(a), other=torch.from_numpy(b)))


def test_var_std_third_positional_is_unbiased_as_in_torch():
    x, t = reseau.tensor(X), torch.from_numpy(X)
    same(ops.var(x, 1, False), torch.var(t, 1, False))
    same(ops.std(x, 2, False, True), torch.std(t, 2, False, True))
    same(ops.var(x, False), torch.var(t, False))


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'dims'"):
        ops.sum(reseau.tensor(X), dims=1)
    with pytest.raises(TypeError, match="both dim"):
        ops.mean(reseau.tensor(X), 1, axis=1)


def test_out_writes_into_the_given_tensor():
    x = reseau.tensor(X)
    for fn, tfn in [(lambda o: ops.sin(x, out=o), lambda o: torch.sin(torch.from_numpy(X), out=o)),
                    (lambda o: ops.sum(x, 1, out=o), lambda o: torch.sum(torch.from_numpy(X), 1,
                                                                          out=o)),
                    (lambda o: ops.cumsum(x, 2, out=o),
                     lambda o: torch.cumsum(torch.from_numpy(X), 2, out=o))]:
        out, tout = reseau.empty(0, dtype=reseau.float64), torch.empty(0, dtype=torch.float64)
        assert fn(out) is out
        tfn(tout)
        same(out, tout)
    out = reseau.zeros(2, 4, dtype=reseau.float64)
    keep = out._array
    ops.mm(reseau.tensor(X[0, :2, :3]), reseau.tensor(X[1, :3]), out=out)
    assert out._array is keep  # same shape: written in place
    np.testing.assert_allclose(keep, X[0, :2, :3] @ X[1, :3])


def test_out_tuple_of_sort_and_topk():
    values, indices = reseau.empty(0, dtype=reseau.float64), reseau.empty(0, dtype=reseau.int64)
    r = ops.sort(reseau.tensor(X), 1, out=(values, indices))
    assert r.values is values and r.indices is indices
    same(indices, torch.sort(torch.from_numpy(X), 1).indices, exact=True)


def test_out_refuses_a_gradient_and_a_narrowing_cast():
    x = reseau.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ops.sin(x, out=reseau.empty(2, 3, 4, dtype=reseau.float64))
    with reseau.no_grad():
        ops.sin(x, out=reseau.empty(2, 3, 4, dtype=reseau.float64))
    with pytest.raises(RuntimeError, match="can't be cast"):
        ops.sin(reseau.tensor(X), out=reseau.zeros(2, 3, 4, dtype=reseau.int64))


def test_integer_inputs_of_float_maths_give_the_default_dtype():
    i = np.array([0, 1, 2])
    for name in ("sin", "exp2" if hasattr(ops, "exp2") else "cos", "log1p", "erf", "rsqrt"):
        same(getattr(ops, name)(reseau.tensor(i)), getattr(torch, name)(torch.from_numpy(i)))
    for name in ("floor", "ceil", "round", "trunc", "square"):
        same(getattr(ops, name)(reseau.tensor(i)), getattr(torch, name)(torch.from_numpy(i)),
             exact=True)


def test_round_is_half_to_even_as_torch():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.125, 1.005])
    same(ops.round(reseau.tensor(x)), torch.round(torch.from_numpy(x)), exact=True)
    for d in (-1, 1, 2):
        same(ops.round(reseau.tensor(x * 10), decimals=d),
             torch.round(torch.from_numpy(x * 10), decimals=d), exact=True)


def test_rounding_gradients_are_zero_and_frac_passes_g():
    x = reseau.tensor([-1.7, 0.3, 2.5], requires_grad=True)
    for name in ("floor", "ceil", "round", "trunc"):
        x.grad = None
        getattr(ops, name)(x).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    ops.frac(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_erf_to_1e_15_relative_everywhere():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-300, 0.8, 2000),
                        -np.logspace(-20, 0.7, 500)])
    x = x[x != 0]
    ours = ops.erf(reseau.tensor(x))._array
    exact = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(ours - exact) / np.abs(exact)) < 1.5e-15
    special = ops.erf(reseau.tensor([0.0, -0.0, np.inf, -np.inf, np.nan]))._array
    assert special[:4].tolist() == [0.0, -0.0, 1.0, -1.0] and np.isnan(special[4])
    assert np.signbit(special[1])


def test_cumprod_gradient_with_zeros_is_exact():
    data = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    x, t = reseau.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ops.cumprod(x, 0).sum().backward()
    torch.cumprod(t, 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_norm_gradient_at_zero_is_zero_and_p0_counts():
    z = reseau.zeros(3, requires_grad=True)
    ops.norm(z).backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]
    x = reseau.tensor([1.0, 0.0, -2.0], requires_grad=True)
    n0 = ops.vector_norm(x, 0)
    assert n0.item() == 2.0 and not n0.requires_grad
    with pytest.raises(NotImplementedError, match="nuc"):
        ops.norm(x, "nuc")


def test_linalg_module_is_torch_linalg():
    from reseau import linalg

    a = X[0]
    same(linalg.norm(reseau.tensor(a)), torch.linalg.norm(torch.from_numpy(a)))
    same(linalg.norm(reseau.tensor(a), float("inf")),
         torch.linalg.norm(torch.from_numpy(a), float("inf")))
    same(linalg.vector_norm(reseau.tensor(a), 3, dim=1),
         torch.linalg.vector_norm(torch.from_numpy(a), 3, dim=1))
    same(linalg.matrix_norm(reseau.tensor(X)), torch.linalg.matrix_norm(torch.from_numpy(X)))


def test_shape_checks_of_the_products():
    a = reseau.ones(2, 3)
    with pytest.raises(RuntimeError, match="mm: expected 2-D"):
        ops.mm(a, reseau.ones(3))
    with pytest.raises(RuntimeError, match="bmm: batch sizes differ"):
        ops.bmm(reseau.ones(2, 2, 3), reseau.ones(3, 3, 1))
    with pytest.raises(RuntimeError, match="dot: expected 1-D"):
        ops.dot(a, a)
    with pytest.raises(ValueError, match="einsum"):
        ops.einsum("ij,jk->ik", a, reseau.ones(2, 2))


def test_floor_divide_and_remainder_operators_match_torch():
    for a, b in [(np.array([5.0, -5.0, 7.5]), np.array([3.0, 3.0, -2.0])),
                 (np.array([5, -5, 7]), np.array([3, 3, -2]))]:
        x, y, tx, ty = reseau.tensor(a), reseau.tensor(b), torch.from_numpy(a), torch.from_numpy(b)
        same(x // y, tx // ty, exact=True)
        same(x % y, tx % ty, exact=True)
        same(7 // x, 7 // tx, exact=True)
        same(ops.fmod(x, y), torch.fmod(tx, ty), exact=True)
        same(ops.floor_divide(x, 2), torch.floor_divide(tx, 2), exact=True)


def test_binary_ops_take_input_and_other_by_name():
    x, t = reseau.tensor(X), torch.from_numpy(X)
    same(reseau.add(input=x, other=x), torch.add(input=t, other=t))
    same(reseau.mul(input=x, other=2.0), torch.mul(input=t, other=2.0))
    same(reseau.where(x > 0, input=x, other=-x), torch.where(t > 0, input=t, other=-t))
    same(reseau.maximum(input=x, other=-x), torch.maximum(input=t, other=-t))
    same(reseau.clamp(input=x, min=0.0), torch.clamp(input=t, min=0.0))
    same(reseau.pow(input=x, exponent=2), torch.pow(input=t, exponent=2))
    same(reseau.eq(input=x, other=x), torch.eq(input=t, other=t), exact=True)
    a, b = X[0], X[1].T
    out = reseau.empty(0, dtype=reseau.float64)
    assert reseau.matmul(reseau.tensor(a), reseau.tensor(b), out=out) is out
    same(out, torch.matmul(torch.from_numpy(a), torch.from_numpy(b)))


def test_cat_stack_take_axis_and_out():
    a, b = X[0], X[1]
    x, y, tx, ty = reseau.tensor(a), reseau.tensor(b), torch.from_numpy(a), torch.from_numpy(b)
    same(reseau.cat([x, y], axis=1), torch.cat([tx, ty], axis=1))
    same(reseau.concatenate((x, y), axis=0), torch.concatenate((tx, ty), axis=0))
    same(reseau.stack([x, y], axis=-1), torch.stack([tx, ty], axis=-1))
    out, tout = reseau.empty(0, dtype=reseau.float64), torch.empty(0, dtype=torch.float64)
    assert reseau.stack([x, y], 1, out=out) is out
    same(out, torch.stack([tx, ty], 1, out=tout))
    same(reseau.transpose(input=x, dim0=0, dim1=1), torch.transpose(input=tx, dim0=0, dim1=1))


def test_add_sub_alpha_mul_out_div_rounding_mode_match_torch():
    a, b = X[0], X[1] + 3.0
    x, y, tx, ty = reseau.tensor(a), reseau.tensor(b), torch.from_numpy(a), torch.from_numpy(b)
    same(reseau.add(x, y, alpha=2), torch.add(tx, ty, alpha=2))
    same(x.sub(y, alpha=-0.5), tx.sub(ty, alpha=-0.5))
    same(reseau.sub(x, 2.0, alpha=3), torch.sub(tx, 2.0, alpha=3))
    out, tout = reseau.empty(0, dtype=reseau.float64), torch.empty(0, dtype=torch.float64)
    assert reseau.mul(x, y, out=out) is out
    same(out, torch.mul(tx, ty, out=tout))
    for mode in ("trunc", "floor"):
        same(x.div(y, rounding_mode=mode), tx.div(ty, rounding_mode=mode))
        i, j = np.array([7, -7, 9]), np.array([2, 2, -4])
        same(reseau.div(reseau.tensor(i), reseau.tensor(j), rounding_mode=mode),
             torch.div(torch.from_numpy(i), torch.from_numpy(j), rounding_mode=mode), exact=True)
    g = reseau.tensor(a, requires_grad=True)
    reseau.add(reseau.zeros(3, 4, dtype=reseau.float64), g, alpha=3).sum().backward()
    assert np.all(g.grad.numpy() == 3.0)
