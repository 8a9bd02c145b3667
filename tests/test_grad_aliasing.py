"""The engine's gradient-aliasing rule (``autograd.may_keep``): which gradient arrays it
keeps without a copy and adds into in place, and that nothing else is ever mutated.

The ops here are built with ``OpDef`` and never registered, so the op table is untouched.
"""

import numpy as np
import pytest

import reseau
from reseau.engine import may_keep
from reseau.ops.registry import OpDef, apply


def make_op(name, vjp, forward=lambda ctx, x: x * 2):
    """An unregistered one-input op: forward ``2 x`` unless told otherwise."""

    def fwd(ctx, x):
        ctx.x = x
        return forward(ctx, x)

    return OpDef(name=name, forward=fwd, vjp=vjp, doc=f"{name}; test op")


RETURNS_G = make_op("returns_g", lambda ctx, g: g)
RETURNS_VIEW = make_op("returns_view", lambda ctx, g: g.reshape(-1).reshape(g.shape))
RETURNS_INPUT = make_op("returns_input", lambda ctx, g: ctx.x)  # breaks the op rule
kept = []  # the arrays RETURNS_FRESH handed to the engine


def _fresh_vjp(ctx, g):
    out = g * 2
    kept.append(out)
    return out


RETURNS_FRESH = make_op("returns_fresh", _fresh_vjp)


def leaf(values):
    return reseau.tensor(np.asarray(values, dtype=np.float32), requires_grad=True)


# --------------------------------------------------------------------- the rule itself
def test_rule_refuses_the_upstream_gradient_and_its_views():
    g = np.ones(3)
    x = leaf([1.0, 2.0, 3.0])
    assert not may_keep(g, g, (g,), (x,))
    assert not may_keep(g[::1], g, (g[::1],), (x,))
    assert not may_keep(g.reshape(3, 1), g, (None,), (x,))


def test_rule_refuses_an_array_returned_for_two_inputs():
    g, new = np.ones(3), np.zeros(3)
    x, y = leaf([1.0, 2.0, 3.0]), leaf([1.0, 2.0, 3.0])
    assert not may_keep(new, g, (new, new), (x, y))
    assert may_keep(new, g, (new, np.zeros(3)), (x, y))


def test_rule_refuses_an_input_array_and_keeps_a_fresh_one():
    g = np.ones(3)
    x = leaf([1.0, 2.0, 3.0])
    assert not may_keep(x._array, g, (x._array,), (x,))
    assert may_keep(g * 2, g, (None,), (x,))


# ------------------------------------------------------------------------- leaves
@pytest.mark.parametrize("op", [RETURNS_G, RETURNS_VIEW], ids=["g itself", "view of g"])
def test_leaf_grad_never_aliases_the_users_gradient(op):
    x = leaf([1.0, 2.0, 3.0])
    user = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    y = apply(op, x)
    y.backward(gradient=user, retain_graph=True)
    assert not np.shares_memory(x.grad._array, user)
    y.backward(gradient=user)  # accumulates into x.grad in place
    np.testing.assert_array_equal(x.grad._array, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(user, [1.0, 2.0, 3.0])


def test_an_input_array_returned_as_gradient_is_copied():
    x = leaf([1.0, 2.0, 3.0])
    y = apply(RETURNS_INPUT, x)
    y.backward(gradient=np.ones(3, np.float32), retain_graph=True)
    assert not np.shares_memory(x.grad._array, x._array)
    y.backward(gradient=np.ones(3, np.float32))
    np.testing.assert_array_equal(x._array, [1.0, 2.0, 3.0])  # the tensor is untouched
    np.testing.assert_array_equal(x.grad._array, [2.0, 4.0, 6.0])


def test_a_fresh_array_becomes_the_leaf_grad_without_a_copy():
    kept.clear()
    x = leaf([1.0, 2.0])
    apply(RETURNS_FRESH, x).backward(gradient=np.ones(2, np.float32))
    assert x.grad._array is kept[0]
    np.testing.assert_array_equal(x.grad._array, [2.0, 2.0])


def test_one_fresh_array_for_two_inputs_is_copied_for_each():
    both = OpDef(name="same_for_both", forward=lambda ctx, x, y: x + y,
                 vjp=lambda ctx, g: (g * 3,) * 2, doc="x + y; test op")
    a, b = leaf([1.0]), leaf([2.0])
    out = apply(both, a, b)
    out.backward(gradient=np.ones(1, np.float32), retain_graph=True)
    assert not np.shares_memory(a.grad._array, b.grad._array)
    out.backward(gradient=np.ones(1, np.float32))
    np.testing.assert_array_equal(a.grad._array, [6.0])
    np.testing.assert_array_equal(b.grad._array, [6.0])


def test_root_leaf_and_retained_root_copy_the_users_gradient():
    user = np.array([5.0, 6.0], dtype=np.float32)
    x = leaf([1.0, 2.0])
    x.backward(gradient=user)
    x.backward(gradient=user)
    np.testing.assert_array_equal(x.grad._array, [10.0, 12.0])
    y = apply(RETURNS_G, x)
    y.retain_grad()
    y.backward(gradient=user, retain_graph=True)
    y.backward(gradient=user)
    np.testing.assert_array_equal(y.grad._array, [10.0, 12.0])
    np.testing.assert_array_equal(user, [5.0, 6.0])


# ------------------------------------------------------------------ interior nodes
@pytest.mark.parametrize("op", [RETURNS_G, RETURNS_VIEW, RETURNS_FRESH],
                         ids=["g itself", "view of g", "fresh"])
def test_interior_accumulation_mutates_no_borrowed_array(op):
    # x -> h (interior) -> two consumers -> sum: h receives two gradients to add up
    x = leaf([1.0, 2.0, 3.0])
    h = apply(RETURNS_FRESH, x)
    loss = apply(op, h) + apply(op, h)  # add's VJP returns (g, g): one array, two inputs
    user = np.array([1.0, 10.0, 100.0], dtype=np.float32)
    loss.backward(gradient=user)
    factor = 2 if op is RETURNS_FRESH else 1
    # d loss / d h = 2 * factor * user; d h / d x = 2
    np.testing.assert_array_equal(x.grad._array, 4 * factor * user)
    np.testing.assert_array_equal(user, [1.0, 10.0, 100.0])


def test_three_paths_into_one_node_sum_in_an_owned_buffer():
    x = leaf([1.0, 2.0])
    h = apply(RETURNS_FRESH, x)
    user = np.array([1.0, 2.0], dtype=np.float32)
    (apply(RETURNS_G, h) + apply(RETURNS_G, h) + apply(RETURNS_G, h)).backward(gradient=user)
    np.testing.assert_array_equal(x.grad._array, 2 * 3 * user)
    np.testing.assert_array_equal(user, [1.0, 2.0])


def test_a_gradient_broadcast_back_is_the_engines_own_array():
    # the un-broadcast sum is a new array: kept as .grad, and the user's array untouched
    b = leaf([1.0, 2.0])
    user = np.ones((3, 2), dtype=np.float32)
    (reseau.zeros(3, 2) + b).backward(gradient=user)
    np.testing.assert_array_equal(b.grad._array, [3.0, 3.0])
    assert not np.shares_memory(b.grad._array, user)
    np.testing.assert_array_equal(user, np.ones((3, 2)))


def test_a_numpy_scalar_or_none_from_a_vjp_becomes_an_array_of_the_input():
    scalar = make_op("returns_scalar", lambda ctx, g: g.sum() * 3)  # np.float32, not 0-d
    x = reseau.tensor(np.float32(2.0), requires_grad=True)
    y = apply(scalar, x)
    y.backward(retain_graph=True)
    y.backward()
    assert isinstance(x.grad._array, np.ndarray) and x.grad._array.shape == ()
    assert x.grad.item() == 6.0
    skips = make_op("returns_none", lambda ctx, g: None)
    z = leaf([1.0, 2.0])
    apply(skips, z).backward(gradient=np.ones(2, np.float32))
    np.testing.assert_array_equal(z.grad._array, [0.0, 0.0])
