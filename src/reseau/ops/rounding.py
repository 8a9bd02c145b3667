"""Rounding: floor, ceil, round (half to even, ``decimals=``), trunc, frac. The first four
are piecewise constant: their gradient is zero, as in PyTorch; ``frac`` passes ``g``.
Integer tensors come back unchanged, as in PyTorch."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._args import write_out
from ._convert import as_input
from .registry import apply, register

__all__ = ["floor", "ceil", "round", "trunc", "frac"]


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
