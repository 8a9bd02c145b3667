"""Errors people can act on: each names the operation, the shapes (or dim, or value)
it received and what it expected."""

from __future__ import annotations

import re

import pytest

import reseau
from reseau.ops.nn import binary_cross_entropy_with_logits, cross_entropy, linear

pytestmark = pytest.mark.ops

x23 = reseau.randn(2, 3)


def raises(exc, call, *fragments):
    """``call()`` raises ``exc`` whose message holds every fragment (literally)."""
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "pow"])
def test_binary_shape_mismatch_names_the_op_and_both_shapes(op):
    raises(ValueError, lambda: getattr(reseau, op)(x23, reseau.randn(4)), op, "(2, 3)", "(4,)")


def test_operator_shape_mismatch():
    raises(ValueError, lambda: x23 + reseau.randn(4), "add", "(2, 3)", "(4,)")
    raises(ValueError, lambda: x23 * reseau.randn(3, 2), "mul", "(2, 3)", "(3, 2)")


def test_where_shape_mismatch():
    raises(ValueError, lambda: reseau.where(reseau.tensor([True, False]), x23, 0.0),
           "where", "(2,)", "(2, 3)")


@pytest.mark.parametrize(
    "a, b", [((2, 3), (2, 3)), ((3,), (4,)), ((5, 2, 3), (2, 4)), ((3,), (2, 2))])
def test_matmul_misaligned_names_both_shapes(a, b):
    msg = raises(ValueError, lambda: reseau.randn(*a) @ reseau.randn(*b), "matmul", str(a), str(b))
    assert "aligned" in msg


def test_matmul_of_a_scalar():
    raises(ValueError, lambda: reseau.matmul(x23, reseau.tensor(2.0)), "matmul", "()", "(2, 3)")


def test_cat_mismatched_shapes():
    raises(ValueError, lambda: reseau.cat([x23, reseau.randn(3, 4)]), "cat", "(2, 3)", "(3, 4)")
    raises(ValueError, lambda: reseau.cat([x23, reseau.randn(2, 4)], dim=0), "cat", "(2, 4)")
    raises(ValueError, lambda: reseau.cat([x23, reseau.randn(2, 3, 1)], dim=0), "cat", "(2, 3, 1)")
    raises(ValueError, lambda: reseau.cat([]), "cat", "non-empty")


def test_stack_mismatched_shapes():
    raises(ValueError, lambda: reseau.stack([x23, x23.T]), "stack", "(2, 3)", "(3, 2)")


def test_reshape_expand_permute():
    raises(ValueError, lambda: x23.reshape(4, 2), "reshape", "(2, 3)", "(4, 2)", "6 elements")
    raises(ValueError, lambda: x23.expand(3, 3), "expand", "(2, 3)", "(3, 3)")
    raises(ValueError, lambda: x23.expand(3), "expand", "(2, 3)")
    raises(ValueError, lambda: x23.permute(0, 0), "permute", "(0, 0)", "(2, 3)")
    raises(ValueError, lambda: x23.flatten(1, 0), "flatten", "start_dim")


# ------------------------------------------------------------------ dims
@pytest.mark.parametrize("call, op", [
    (lambda: x23.sum(2), "sum"), (lambda: x23.mean(-3), "mean"), (lambda: x23.var(5), "var"),
    (lambda: x23.amax(2), "amax"), (lambda: x23.amin((0, 2)), "amin"),
    (lambda: x23.logsumexp(2), "logsumexp"), (lambda: x23.softmax(2), "softmax"),
    (lambda: x23.log_softmax(-3), "log_softmax"), (lambda: x23.max(2), "max"),
    (lambda: x23.min(-3), "min"), (lambda: x23.argmax(2), "argmax"),
    (lambda: x23.transpose(0, 3), "transpose"), (lambda: x23.squeeze(3), "squeeze"),
    (lambda: x23.unsqueeze(4), "unsqueeze"), (lambda: reseau.cat([x23, x23], 2), "cat"),
    (lambda: reseau.stack([x23, x23], 4), "stack"),
])
def test_dim_out_of_range_names_the_op_and_the_dim(call, op):
    with pytest.raises(IndexError, match=re.escape(op) + r": dim -?\d") as info:
        call()
    assert "out of range" in str(info.value)


def test_repeated_dims_and_non_int_dims():
    raises(ValueError, lambda: x23.sum((0, 0)), "sum", "repeats")
    raises(ValueError, lambda: x23.mean((1, -1)), "mean", "repeats")
    raises(TypeError, lambda: x23.max((0, 1)), "max", "single int")
    raises(TypeError, lambda: x23.softmax((0, 1)), "softmax", "single int")


def test_getitem_out_of_range():
    raises(IndexError, lambda: x23[5], "getitem", "(2, 3)")
    raises(IndexError, lambda: x23[:, [0, 7]], "getitem", "(2, 3)")


# ------------------------------------------------------------------ values, kinds
def test_mean_of_integers():
    raises(TypeError, lambda: reseau.tensor([1, 2]).mean(), "mean", "int64")


def test_bad_attributes():
    raises(ValueError, lambda: x23.clamp(), "clamp", "min and max")
    raises(ValueError, lambda: reseau.gelu(x23, "erf"), "gelu", "'erf'")
    raises(ValueError, lambda: reseau.softplus(x23, beta=0), "softplus", "beta")


# ------------------------------------------------------------------ fused nn primitives
def test_cross_entropy_target_out_of_range():
    z = reseau.randn(3, 4)
    raises(IndexError, lambda: cross_entropy(z, reseau.tensor([0, 4, 1])), "cross_entropy",
           "target 4", "4 classes")
    raises(IndexError, lambda: cross_entropy(z, reseau.tensor([0, -1, 1])), "cross_entropy",
           "target -1")
    # ignore_index is not out of range
    loss = cross_entropy(z, reseau.tensor([0, -100, 1]))
    assert loss.shape == ()


def test_cross_entropy_bad_shapes_and_kinds():
    z = reseau.randn(3, 4)
    raises(ValueError, lambda: cross_entropy(z, reseau.tensor([0, 1])), "cross_entropy",
           "(3,)", "(2,)")
    raises(TypeError, lambda: cross_entropy(z, reseau.tensor([0.0, 1.0, 2.0])), "cross_entropy",
           "integer")
    raises(ValueError, lambda: cross_entropy(reseau.randn(2, 3, 4), reseau.tensor([0, 1])),
           "cross_entropy", "(2, 3, 4)")
    raises(ValueError, lambda: cross_entropy(z, reseau.tensor([0, 1, 2]), weight=reseau.ones(3)),
           "cross_entropy", "weight", "(4,)")
    raises(ValueError, lambda: cross_entropy(z, reseau.tensor([0, 1, 2]), reduction="avg"),
           "cross_entropy", "'avg'")
    raises(ValueError, lambda: cross_entropy(z, reseau.tensor([0, 1, 2]), label_smoothing=1.5),
           "cross_entropy", "label_smoothing")


def test_linear_feature_mismatch():
    raises(ValueError, lambda: linear(reseau.randn(8, 3), reseau.randn(4, 2)), "linear",
           "3 features", "expects 2", "(8, 3)", "(4, 2)")
    raises(ValueError, lambda: linear(reseau.randn(8, 2), reseau.randn(4, 2), reseau.randn(3)),
           "linear", "bias", "(4,)", "(3,)")
    raises(ValueError, lambda: linear(reseau.randn(8, 2), reseau.randn(2)), "linear", "2-D")


def test_bce_with_logits_shape_mismatch():
    raises(ValueError, lambda: binary_cross_entropy_with_logits(reseau.randn(2, 3), reseau.rand(3)),
           "binary_cross_entropy_with_logits", "(3,)", "(2, 3)")
    raises(ValueError, lambda: binary_cross_entropy_with_logits(x23, x23, reduction="x"),
           "binary_cross_entropy_with_logits", "'x'")


def test_getitem_error_describes_large_index_arrays_by_shape():
    x = reseau.zeros(7000, 3)
    with pytest.raises(IndexError) as info:
        x[reseau.arange(32), reseau.arange(7000)]
    message = str(info.value)
    assert "<int64 array of shape (32,)>" in message and "(7000,)" in message
    assert len(message) < 300


def test_an_impossible_view_is_caught_as_pytorch_raises_it():
    # course code written for PyTorch catches RuntimeError; reseau's convention is ValueError
    for kind in (RuntimeError, ValueError):
        with pytest.raises(kind, match=r"reshape: cannot reshape .*\(100,\).*\(-1, 1000\)"):
            reseau.zeros(100).view(-1, 1000)
