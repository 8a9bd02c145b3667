"""Truth tests of values (no gradient): all, any (over dims), isclose, allclose, equal,
isfinite, isnan, isinf, the logical operators, nonzero, argwhere, count_nonzero."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import alias, write_out
from ._convert import as_input
from .reduce import _axes

__all__ = [
    "all", "any", "isclose", "allclose", "equal", "isfinite", "isnan", "isinf", "logical_and",
    "logical_or", "logical_xor", "logical_not", "nonzero", "argwhere", "count_nonzero",
    "is_tensor",
]


def _truth(reduce, input, dim, keepdim, axis, keepdims, out, op: str) -> Tensor:
    x = as_input(input, op)
    dim = alias(dim, axis, "dim", "axis", op)
    keepdim = alias(keepdim, keepdims, "keepdim", "keepdims", op, default=False)
    axes = _axes(dim, x, op)
    r = reduce(x._array, axis=axes, keepdims=bool(keepdim) and axes is not None)
    return write_out(out, Tensor._make(backend.asarray(r)), op)


def all(input, dim=None, keepdim: bool = False, *, axis=None, keepdims=None,
        out=None) -> Tensor:
    """True where every entry over ``dim`` (None: all) is non-zero (a bool tensor)."""
    return _truth(np.all, input, dim, keepdim, axis, keepdims, out, "all")


def any(input, dim=None, keepdim: bool = False, *, axis=None, keepdims=None,
        out=None) -> Tensor:
    """True where some entry over ``dim`` (None: all) is non-zero (a bool tensor)."""
    return _truth(np.any, input, dim, keepdim, axis, keepdims, out, "any")


def _arrays(input, other, op: str):
    a, b = as_input(input, op)._array, as_input(other, op)._array
    return a, b


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|``, entry by entry (a bool tensor)."""
    a, b = _arrays(input, other, "isclose")
    return Tensor._make(backend.asarray(np.isclose(a, b, rtol=rtol, atol=atol,
                                                   equal_nan=equal_nan)))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether ``isclose`` holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


def equal(input, other) -> bool:
    """Whether both tensors have the same shape and the same entries (a Python bool)."""
    a, b = _arrays(input, other, "equal")
    return a.shape == b.shape and bool(np.array_equal(a, b))


def isfinite(input) -> Tensor:
    """True where the entry is neither infinite nor NaN."""
    return Tensor._make(np.isfinite(as_input(input, "isfinite")._array))


def isnan(input) -> Tensor:
    """True where the entry is NaN."""
    return Tensor._make(np.isnan(as_input(input, "isnan")._array))


def isinf(input) -> Tensor:
    """True where the entry is +inf or -inf."""
    return Tensor._make(np.isinf(as_input(input, "isinf")._array))


def _logical(ufunc, input, other, op: str) -> Tensor:
    a, b = _arrays(input, other, op)
    return Tensor._make(backend.asarray(ufunc(a != 0, b != 0)))


def logical_and(input, other) -> Tensor:
    """True where both entries are non-zero."""
    return _logical(np.logical_and, input, other, "logical_and")


def logical_or(input, other) -> Tensor:
    """True where either entry is non-zero."""
    return _logical(np.logical_or, input, other, "logical_or")


def logical_xor(input, other) -> Tensor:
    """True where exactly one entry is non-zero."""
    return _logical(np.logical_xor, input, other, "logical_xor")


def logical_not(input) -> Tensor:
    """True where the entry is zero."""
    return Tensor._make(backend.asarray(as_input(input, "logical_not")._array == 0))


def argwhere(input) -> Tensor:
    """The indices of the non-zero entries, one row each: shape (count, ndim)."""
    return Tensor._make(np.argwhere(as_input(input, "argwhere")._array).astype(np.int64))


def nonzero(input, *, as_tuple: bool = False):
    """``argwhere``; with ``as_tuple`` one 1-D index tensor per dimension."""
    a = as_input(input, "nonzero")._array
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(a)))
    return Tensor._make(np.argwhere(a).astype(np.int64))


def count_nonzero(input, dim=None) -> Tensor:
    """How many entries are non-zero over ``dim`` (None: all)."""
    x = as_input(input, "count_nonzero")
    axes = _axes(dim, x, "count_nonzero")
    return Tensor._make(backend.asarray(np.count_nonzero(x._array, axis=axes)).astype(np.int64))


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)
