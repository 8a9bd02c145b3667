"""Property-based tests of the engine through the primitives (hypothesis): random
expression DAGs whose nodes are reused (shared sub-expressions, a node combined with
itself), over leaves of mutually broadcastable shapes. Their gradients are checked
against finite differences and against PyTorch; repeated backward with
``retain_graph=True`` accumulates exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import reseau

pytestmark = pytest.mark.engine

UNARY = {
    # name: (reseau, torch) -- bounded or gently growing, so deep chains stay finite
    "tanh": (lambda a: a.tanh(), lambda a: a.tanh()),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    "neg": (lambda a: -a, lambda a: -a),
    "half_square": (lambda a: (a * 0.5) ** 2, lambda a: (a * 0.5) ** 2),
    "softplus": (reseau.softplus, lambda a: _F().softplus(a)),
    "exp_tanh": (lambda a: a.tanh().exp(), lambda a: a.tanh().exp()),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div_soft": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
    "mean_mix": (lambda a, b: a * b.mean(), lambda a, b: a * b.mean()),
}


def _F():
    import torch.nn.functional as F

    return F


@st.composite
def programs(draw):
    """Leaves (shapes and values) and a list of steps; a step reads any earlier value,
    so values are shared between steps and a binary step may take one value twice."""
    shapes = draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=2, max_side=3)).input_shapes
    n_leaves = draw(st.integers(1, 3))
    shapes = shapes[:n_leaves]
    seed = draw(st.integers(0, 2**32 - 1))
    steps = []
    for k in range(draw(st.integers(1, 7))):
        n_values = n_leaves + k
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, n_values - 1))))
        else:
            steps.append((
                draw(st.sampled_from(sorted(BINARY))),
                draw(st.integers(0, n_values - 1)),
                draw(st.integers(0, n_values - 1)),
            ))
    return shapes, seed, steps


def leaf_arrays(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, size=s) for s in shapes]


def run(program, leaves, lib: int):
    """Evaluate the program on ``leaves`` with reseau (lib=0) or torch (lib=1). The
    output adds every value (weighted), so every step contributes to the gradient."""
    _, _, steps = program
    values = list(leaves)
    for op, *args in steps:
        fn = (UNARY if len(args) == 1 else BINARY)[op][lib]
        values.append(fn(*(values[i] for i in args)))
    return sum((v * (0.5 + 0.25 * k)).sum() for k, v in enumerate(values))


def reseau_leaves(arrays):
    return [reseau.tensor(a, requires_grad=True) for a in arrays]


@given(programs())
def test_random_dag_gradients_match_finite_differences(program):
    shapes, seed, _ = program
    xs = reseau_leaves(leaf_arrays(shapes, seed))
    assert reseau.gradcheck(lambda *ls: run(program, ls, 0), xs, atol=1e-6, rtol=1e-5)


@given(programs())
def test_random_dag_matches_torch(program):
    torch = pytest.importorskip("torch")
    shapes, seed, _ = program
    arrays = leaf_arrays(shapes, seed)
    xs = reseau_leaves(arrays)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = run(program, xs, 0), run(program, ts, 1)
    out.backward()
    tout.backward()
    assert out.item() == pytest.approx(tout.item(), rel=1e-12, abs=1e-12)
    for x, t in zip(xs, ts):
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad._array, t.grad.numpy(), rtol=1e-11, atol=1e-12)


@given(programs())
def test_repeated_backward_with_retain_graph_accumulates(program):
    shapes, seed, _ = program
    xs = reseau_leaves(leaf_arrays(shapes, seed))
    out = run(program, xs, 0)
    out.backward(retain_graph=True)
    first = [x.grad._array.copy() for x in xs]
    out.backward(retain_graph=True)
    for x, g in zip(xs, first):
        # the same gradient added once more (up to rounding: a leaf reached by several
        # paths adds each path's contribution into .grad in turn)
        np.testing.assert_allclose(x.grad._array, 2 * g, rtol=1e-14, atol=1e-15)
    out.backward()  # the last one may free the graph
    for x, g in zip(xs, first):
        np.testing.assert_allclose(x.grad._array, 3 * g, rtol=1e-14, atol=1e-15)
    if out.grad_fn is not None:
        with pytest.raises(RuntimeError, match="second time"):
            out.backward()


@given(programs(), programs())
def test_gradients_of_two_outputs_accumulate_like_the_gradient_of_their_sum(p1, p2):
    shapes, seed, _ = p1
    arrays = leaf_arrays(shapes, seed)
    p2 = (shapes, seed, [s for s in p2[2] if max(s[1:]) < len(shapes)] or [("neg", 0)])
    xs = reseau_leaves(arrays)
    run(p1, xs, 0).backward()
    run(p2, xs, 0).backward()  # accumulates into .grad
    ys = reseau_leaves(arrays)
    (run(p1, ys, 0) + run(p2, ys, 0)).backward()
    for x, y in zip(xs, ys):
        np.testing.assert_allclose(x.grad._array, y.grad._array, rtol=1e-12, atol=1e-12)


@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       st.sampled_from(["add", "sub", "mul", "div_soft", "maximum"]))
def test_binary_ops_unbroadcast_gradients_to_each_input(shapes, op):
    torch = pytest.importorskip("torch")
    fns = dict(BINARY, maximum=(reseau.maximum, lambda a, b: torch.maximum(a, b)))[op]
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, sa), rng.uniform(-1, 1, sb)
    xa, xb = reseau.tensor(a, requires_grad=True), reseau.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = fns[0](xa, xb), fns[1](ta, tb)
    assert out.shape == shapes.result_shape
    g = rng.standard_normal(out.shape)
    out.backward(reseau.tensor(g))
    tout.backward(torch.tensor(g))
    assert xa.grad.shape == sa and xb.grad.shape == sb
    np.testing.assert_allclose(xa.grad._array, ta.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xb.grad._array, tb.grad.numpy(), rtol=1e-12, atol=1e-12)
