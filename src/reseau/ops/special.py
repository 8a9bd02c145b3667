"""More elementwise maths: log2, log10, log1p, expm1, square, reciprocal, rsqrt, erf, exp2.
An integer input gives a tensor of the default dtype, as in PyTorch (``square`` keeps
integers, as PyTorch's does)."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._args import floating, write_out
from ._convert import as_input
from .arithmetic import pow
from .registry import apply, register

__all__ = ["log2", "log10", "log1p", "expm1", "square", "reciprocal", "rsqrt", "erf", "exp2"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)


@register("log2")
class Log2:
    """z = log2 x; dx = g / (x ln 2)"""

    def forward(ctx, x):
        ctx.x = x
        return np.log2(x)

    def vjp(ctx, g):
        return g / (ctx.x * ctx.x.dtype.type(_LN2))


def log2(input, *, out=None) -> Tensor:
    return write_out(out, apply(Log2, floating(input, "log2")), "log2")


@register("log10")
class Log10:
    """z = log10 x; dx = g / (x ln 10)"""

    def forward(ctx, x):
        ctx.x = x
        return np.log10(x)

    def vjp(ctx, g):
        return g / (ctx.x * ctx.x.dtype.type(_LN10))


def log10(input, *, out=None) -> Tensor:
    return write_out(out, apply(Log10, floating(input, "log10")), "log10")


@register("log1p")
class Log1p:
    """z = ln(1 + x), exact for small x; dx = g / (1 + x)"""

    def forward(ctx, x):
        ctx.x = x
        return np.log1p(x)

    def vjp(ctx, g):
        return g / (1 + ctx.x)


def log1p(input, *, out=None) -> Tensor:
    return write_out(out, apply(Log1p, floating(input, "log1p")), "log1p")


@register("expm1", saves_inputs=False)
class Expm1:
    """z = e^x - 1, exact for small x; dx = g * (z + 1)"""

    def forward(ctx, x):
        z = np.expm1(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        return g * (ctx.z + 1)


def expm1(input, *, out=None) -> Tensor:
    return write_out(out, apply(Expm1, floating(input, "expm1")), "expm1")


@register("square")
class Square:
    """z = x^2; dx = 2 g x"""

    def forward(ctx, x):
        ctx.x = x
        return x * x

    def vjp(ctx, g):
        return 2 * g * ctx.x


def square(input, *, out=None) -> Tensor:
    return write_out(out, apply(Square, as_input(input, "square")), "square")


@register("reciprocal", saves_inputs=False)
class Reciprocal:
    """z = 1 / x; dx = -g z^2"""

    def forward(ctx, x):
        with np.errstate(divide="ignore"):  # 1 / 0 = inf, as in PyTorch
            z = 1 / x
        ctx.z = z
        return z

    def vjp(ctx, g):
        return -g * ctx.z * ctx.z


def reciprocal(input, *, out=None) -> Tensor:
    return write_out(out, apply(Reciprocal, floating(input, "reciprocal")), "reciprocal")


@register("rsqrt", saves_inputs=False)
class Rsqrt:
    """z = 1 / sqrt(x); dx = -g z^3 / 2"""

    def forward(ctx, x):
        with np.errstate(divide="ignore"):  # 1 / sqrt(0) = inf, as in PyTorch
            z = 1 / np.sqrt(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        return g * ctx.z * ctx.z * ctx.z * -0.5


def rsqrt(input, *, out=None) -> Tensor:
    return write_out(out, apply(Rsqrt, floating(input, "rsqrt")), "rsqrt")


def _exp_neg_square(s: np.ndarray) -> np.ndarray:
    """e^(-s^2) with s^2 split into a rounded part and its rounding error (Dekker's
    product), so that the error of s*s is not multiplied by s^2 inside the exponential."""
    c = s * 134217729.0  # 2^27 + 1: splits a double into two 26-bit halves
    hi = c - (c - s)
    lo = s - hi
    sq = s * s
    err = ((hi * hi - sq) + 2 * hi * lo) + lo * lo
    return np.exp(-sq) * (1 - err)


def _erf(x: np.ndarray) -> np.ndarray:
    """erf in float64 to about 1e-15 relative. For |x| < 2 the series of positive terms
    erf(s) = 2/sqrt(pi) e^(-s^2) sum_n (2 s^2)^n s / (1*3*...*(2n+1)), summed by Horner
    (35 terms reach 1e-17 at s = 2); for 2 <= |x| < 6 the continued fraction
    erfc(s) = e^(-s^2) / sqrt(pi) / (s + (1/2)/(s + 1/(s + (3/2)/(s + ...)))), 80 deep;
    beyond 6, erf = 1 in float64."""
    a = np.abs(x.astype(np.float64))
    out = np.ones_like(a)
    small = a < 2.0
    s = a[small]
    s2, h = 2 * s * s, np.ones_like(s)
    for n in range(35, 0, -1):
        h = 1 + h * s2 / (2 * n + 1)
    out[small] = (2 / math.sqrt(math.pi)) * s * _exp_neg_square(s) * h
    mid = ~small & (a < 6.0)
    m = a[mid]
    f = m.copy()
    for k in range(80, 0, -1):
        f = m + (k / 2) / f
    out[mid] = 1 - _exp_neg_square(m) / (math.sqrt(math.pi) * f)
    out[np.isnan(a)] = np.nan
    return np.copysign(out, x).astype(x.dtype, copy=False)


@register("erf")
class Erf:
    """z = erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt; dx = g * 2/sqrt(pi) e^(-x^2)"""

    def forward(ctx, x):
        ctx.x = x
        return _erf(x)

    def vjp(ctx, g):
        x = ctx.x
        return g * (x.dtype.type(2 / math.sqrt(math.pi)) * np.exp(-x * x))


def erf(input, *, out=None) -> Tensor:
    return write_out(out, apply(Erf, floating(input, "erf")), "erf")


def exp2(input, *, out=None) -> Tensor:
    """``2 ** input``."""
    return write_out(out, pow(2.0, floating(input, "exp2")), "exp2")
