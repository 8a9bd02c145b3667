"""Rounding: floor, ceil, round (half to even, ``decimals=``), trunc, frac, and the
division remainders (remainder, fmod, floor_divide). The first four are piecewise
constant: their gradient is zero, as in PyTorch; ``frac`` passes ``g``.
Integer tensors come back unchanged, as in PyTorch."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._args import write_out
from ._convert import as_input, binary_operands
from .registry import apply, register

__all__ = ["floor", "ceil", "round", "trunc", "frac", "remainder", "fmod", "floor_divide"]


def _zero_grad(ctx, g):
    return np.zeros_like(g)


def _rounded(op, x, name, out, **attrs) -> Tensor:
    x = as_input(x, name)
    result = x if x._array.dtype.kind in "iub" else apply(op, x, **attrs)
    return write_out(out, result, name)


@register("floor", saves_inputs=False)
class Floor:
    """z = the largest integer <= x; dx = 0 (piecewise constant)"""

    def forward(ctx, x):
        return np.floor(x)

    vjp = _zero_grad


def floor(input, *, out=None) -> Tensor:
    return _rounded(Floor, input, "floor", out)


@register("ceil", saves_inputs=False)
class Ceil:
    """z = the smallest integer >= x; dx = 0 (piecewise constant)"""

    def forward(ctx, x):
        return np.ceil(x)

    vjp = _zero_grad


def ceil(input, *, out=None) -> Tensor:
    return _rounded(Ceil, input, "ceil", out)


@register("round", saves_inputs=False)
class Round:
    """z = x rounded to ``decimals`` places, halves to even (0.5 -> 0, 1.5 -> 2);
    dx = 0 (piecewise constant)"""

    def forward(ctx, x, decimals):
        if decimals == 0:
            return np.rint(x)
        p = x.dtype.type(10.0 ** abs(decimals))  # scaled as PyTorch scales, in x's dtype
        return np.rint(x * p) / p if decimals > 0 else np.rint(x / p) * p

    vjp = _zero_grad


def round(input, *, decimals: int = 0, out=None) -> Tensor:
    return _rounded(Round, input, "round", out, decimals=int(decimals))


@register("trunc", saves_inputs=False)
class Trunc:
    """z = x rounded toward zero; dx = 0 (piecewise constant)"""

    def forward(ctx, x):
        return np.trunc(x)

    vjp = _zero_grad


def trunc(input, *, out=None) -> Tensor:
    return _rounded(Trunc, input, "trunc", out)


@register("frac", saves_inputs=False)
class Frac:
    """z = x - trunc(x), the fractional part with the sign of x; dx = g"""

    def forward(ctx, x):
        return x - np.trunc(x)

    def vjp(ctx, g):
        return g


def frac(input, *, out=None) -> Tensor:
    return write_out(out, apply(Frac, as_input(input, "frac")), "frac")


@register("remainder", saves_inputs=False)
class Remainder:
    """z = x - floor(x / y) y (the sign of y, Python's %); dx = g, dy = -g floor(x / y)"""

    def forward(ctx, x, y):
        ctx.q = np.floor_divide(x, y)
        return np.remainder(x, y)

    def vjp(ctx, g):
        return g, (-g * ctx.q if ctx.needs_input_grad[1] else None)


def remainder(input, other, *, out=None) -> Tensor:
    """``input % other`` with the sign of ``other``, as Python's and PyTorch's ``%``."""
    return write_out(out, apply(Remainder, *binary_operands(input, other, "remainder")),
                     "remainder")


@register("fmod", saves_inputs=False)
class Fmod:
    """z = x - trunc(x / y) y (the sign of x, C's fmod); dx = g, dy = -g trunc(x / y)"""

    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            ctx.q = np.trunc(x / y) if x.dtype.kind == "f" else None
        return np.fmod(x, y)

    def vjp(ctx, g):
        return g, (-g * ctx.q if ctx.needs_input_grad[1] else None)


def fmod(input, other, *, out=None) -> Tensor:
    """The remainder of ``input / other`` with the sign of ``input``."""
    return write_out(out, apply(Fmod, *binary_operands(input, other, "fmod")), "fmod")


def floor_divide(input, other, *, out=None) -> Tensor:
    """``floor(input / other)``, Python's and PyTorch's ``//`` (no gradient)."""
    a, b = binary_operands(input, other, "floor_divide")
    return write_out(out, Tensor._make(np.floor_divide(a._array, b._array)), "floor_divide")
