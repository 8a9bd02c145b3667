"""The Tensor methods of the ops that ``tensor.py`` does not write out: each is the op
function itself, whose first parameter is ``input`` (``x.sin()`` is ``sin(x)``,
``x.sort(1)`` is ``sort(x, 1)``), so a method costs no call of its own. Imported by
``ops/__init__.py``, after every op module."""

from __future__ import annotations

from ..tensor import Tensor
from .arithmetic import div, mul, sub
from .counting import bincount, histc, unique
from .cumulative import cumprod, cumsum, prod
from .index import (
    gather, index_select, masked_fill, masked_fill_, scatter, scatter_, scatter_add,
    scatter_add_,
)
from .linalg import addmm, bmm, dot, mm, mv, norm, outer, trace
from .logical import (
    allclose, argwhere, count_nonzero, equal, isclose, logical_and, logical_not, logical_or,
    logical_xor, nonzero,
)
from .rearrange import (
    broadcast_to, chunk, diag, diff, flip, movedim, narrow, ravel, repeat, roll, select, split,
    swapaxes, take_along_dim, tile, tril, triu, unbind,
)
from .rounding import ceil, floor, floor_divide, fmod, frac, remainder, round, trunc
from .sort import argsort, median, msort, sort, topk
from .special import erf, exp2, expm1, log1p, log2, log10, reciprocal, rsqrt, square
from .trig import acos, asin, atan, atan2, cos, cosh, sin, sinh, tan

#: the functions that are also Tensor methods, under their own names
_METHODS = [
    sin, cos, tan, sinh, cosh, asin, acos, atan, atan2,
    log2, log10, log1p, expm1, square, reciprocal, rsqrt, erf,
    floor, ceil, round, trunc, frac, remainder, fmod, floor_divide,
    mm, bmm, dot, outer, addmm, norm,
    allclose, isclose, equal, histc, bincount, unique,
    sort, argsort, topk, msort, median, cumsum, cumprod,
    gather, scatter, scatter_, scatter_add, scatter_add_, index_select, masked_fill,
    masked_fill_, repeat, chunk, split, narrow, roll, tril, triu, diag, ravel,
    exp2, mv, trace, prod, logical_and, logical_or, logical_xor, logical_not, nonzero, argwhere,
    count_nonzero, broadcast_to, swapaxes, movedim, select, unbind, take_along_dim, diff,
]


def _tile(self, *dims):
    """``x.tile(2, 3)`` or ``x.tile((2, 3))``."""
    return tile(self, dims[0] if len(dims) == 1 else dims)


def _flip(self, *dims):
    """``x.flip(0, 1)`` or ``x.flip((0, 1))``."""
    return flip(self, dims[0] if len(dims) == 1 else dims)


def _contiguous(self, memory_format=None):
    """NumPy arrays need no reordering here: the tensor itself, as PyTorch returns a
    contiguous tensor."""
    return self


def _nelement(self) -> int:
    """The number of entries (``numel``)."""
    return self._array.size


def _rmod(self, other):
    """``number % tensor``."""
    return remainder(other, self)


def _rfloordiv(self, other):
    """``number // tensor``."""
    return floor_divide(other, self)


def attach() -> None:
    for fn in _METHODS:
        setattr(Tensor, fn.__name__, fn)
    for name, fn in [("tile", _tile), ("flip", _flip), ("contiguous", _contiguous),
                     ("nelement", _nelement), ("__mod__", remainder), ("__rmod__", _rmod),
                     ("__floordiv__", floor_divide), ("__rfloordiv__", _rfloordiv),
                     ("multiply", mul), ("subtract", sub), ("divide", div)]:
        setattr(Tensor, name, fn)


attach()
