"""Elementwise math: exp, log, sqrt, sign, clamp, maximum, minimum, where."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._convert import as_input, binary_operands
from .registry import apply, register

__all__ = ["exp", "log", "sqrt", "sign", "clamp", "maximum", "minimum", "where"]


@register("exp", saves_inputs=False)
class Exp:
    """z = e^x; dx = g * z"""

    def forward(ctx, x):
        z = np.exp(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        return g * ctx.z


def exp(input) -> Tensor:
    x = as_input(input, "exp")
    return apply(Exp, x)


@register("log")
class Log:
    """z = ln x; dx = g / x"""

    def forward(ctx, x):
        ctx.x = x
        return np.log(x)

    def vjp(ctx, g):
        return g / ctx.x


def log(input) -> Tensor:
    x = as_input(input, "log")
    return apply(Log, x)


@register("sqrt", saves_inputs=False)
class Sqrt:
    """z = sqrt(x); dx = g / (2 z)"""

    def forward(ctx, x):
        z = np.sqrt(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        return g / (2 * ctx.z)


def sqrt(input) -> Tensor:
    x = as_input(input, "sqrt")
    return apply(Sqrt, x)


@register("sign", saves_inputs=False)
class Sign:
    """z = sign(x); dx = 0 (piecewise constant)"""

    def forward(ctx, x):
        return np.sign(x)

    def vjp(ctx, g):
        return np.zeros_like(g)


def sign(input) -> Tensor:
    x = as_input(input, "sign")
    return apply(Sign, x)


@register("clamp")
class Clamp:
    """z = min(max(x, lo), hi); dx = g where lo <= x <= hi, else 0"""

    def forward(ctx, x, lo, hi):
        ctx.x, ctx.lo, ctx.hi = x, lo, hi
        return np.clip(x, lo, hi)

    def vjp(ctx, g):
        x, mask = ctx.x, True
        if ctx.lo is not None:
            mask = x >= ctx.lo
        if ctx.hi is not None:
            mask = mask & (x <= ctx.hi)
        return g * mask


def clamp(input, min=None, max=None) -> Tensor:
    """Clip to ``[min, max]`` (either bound may be None). The gradient passes inside
    the closed interval."""
    x = as_input(input, "clamp")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # where, not maximum/minimum: at a bound the gradient goes to x, as in PyTorch
        out = x
        if min is not None:
            out = where(out < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    # NumPy scalars as Python numbers, so that float32 stays float32
    min, max = (b.item() if isinstance(b, np.generic) else b for b in (min, max))
    return apply(Clamp, x, lo=min, hi=max)


def _split_tie(g, x, y, needs, wins):
    tie = (x == y) * 0.5
    gx = g * (wins(x, y) + tie) if needs[0] else None
    gy = g * (wins(y, x) + tie) if needs[1] else None
    return gx, gy


@register("maximum")
class Maximum:
    """z = max(x, y) elementwise; the gradient goes to the larger, split in half on ties"""

    def forward(ctx, x, y):
        ctx.x, ctx.y = x, y
        return np.maximum(x, y)

    def vjp(ctx, g):
        return _split_tie(g, ctx.x, ctx.y, ctx.needs_input_grad, np.greater)


def maximum(input, other) -> Tensor:
    return apply(Maximum, *binary_operands(input, other, "maximum"))


@register("minimum")
class Minimum:
    """z = min(x, y) elementwise; the gradient goes to the smaller, split in half on ties"""

    def forward(ctx, x, y):
        ctx.x, ctx.y = x, y
        return np.minimum(x, y)

    def vjp(ctx, g):
        return _split_tie(g, ctx.x, ctx.y, ctx.needs_input_grad, np.less)


def minimum(input, other) -> Tensor:
    return apply(Minimum, *binary_operands(input, other, "minimum"))


@register("where", saves_inputs=False)
class Where:
    """z = x where cond else y; dx = g where cond, dy = g elsewhere (cond gets none)"""

    def forward(ctx, cond, x, y):
        ctx.cond = cond
        return np.where(cond, x, y)

    def vjp(ctx, g):
        _, nx, ny = ctx.needs_input_grad
        zero = np.zeros_like(g, shape=())
        gx = np.where(ctx.cond, g, zero) if nx else None
        gy = np.where(ctx.cond, zero, g) if ny else None
        return None, gx, gy


def where(condition, input, other) -> Tensor:
    """``input`` where ``condition`` holds, ``other`` elsewhere (broadcasting all three)."""
    cond = condition if isinstance(condition, Tensor) else Tensor._make(backend.asarray(condition))
    if cond._array.dtype != np.bool_:
        cond = Tensor._make(cond._array.astype(bool))
    x, y = binary_operands(input, other, "where")
    return apply(Where, cond, x, y)
