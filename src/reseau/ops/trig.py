"""Trigonometric and hyperbolic functions: sin, cos, tan, sinh, cosh, asin, acos, atan,
atan2. An integer input gives a tensor of the default dtype, as in PyTorch."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._args import floating, write_out
from ._convert import binary_operands
from .registry import apply, register

__all__ = ["sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "atan2"]


@register("sin")
class Sin:
    """z = sin x; dx = g * cos x"""

    def forward(ctx, x):
        ctx.x = x
        return np.sin(x)

    def vjp(ctx, g):
        return g * np.cos(ctx.x)


def sin(input, *, out=None) -> Tensor:
    return write_out(out, apply(Sin, floating(input, "sin")), "sin")


@register("cos")
class Cos:
    """z = cos x; dx = -g * sin x"""

    def forward(ctx, x):
        ctx.x = x
        return np.cos(x)

    def vjp(ctx, g):
        return -g * np.sin(ctx.x)


def cos(input, *, out=None) -> Tensor:
    return write_out(out, apply(Cos, floating(input, "cos")), "cos")


@register("tan", saves_inputs=False)
class Tan:
    """z = tan x; dx = g * (1 + z^2)"""

    def forward(ctx, x):
        z = np.tan(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        return g * (1 + ctx.z * ctx.z)


def tan(input, *, out=None) -> Tensor:
    return write_out(out, apply(Tan, floating(input, "tan")), "tan")


@register("sinh")
class Sinh:
    """z = sinh x; dx = g * cosh x"""

    def forward(ctx, x):
        ctx.x = x
        return np.sinh(x)

    def vjp(ctx, g):
        return g * np.cosh(ctx.x)


def sinh(input, *, out=None) -> Tensor:
    return write_out(out, apply(Sinh, floating(input, "sinh")), "sinh")


@register("cosh")
class Cosh:
    """z = cosh x; dx = g * sinh x"""

    def forward(ctx, x):
        ctx.x = x
        return np.cosh(x)

    def vjp(ctx, g):
        return g * np.sinh(ctx.x)


def cosh(input, *, out=None) -> Tensor:
    return write_out(out, apply(Cosh, floating(input, "cosh")), "cosh")


@register("asin")
class Asin:
    """z = asin x; dx = g / sqrt(1 - x^2)"""

    def forward(ctx, x):
        ctx.x = x
        return np.arcsin(x)

    def vjp(ctx, g):
        return g / np.sqrt(1 - ctx.x * ctx.x)


def asin(input, *, out=None) -> Tensor:
    return write_out(out, apply(Asin, floating(input, "asin")), "asin")


@register("acos")
class Acos:
    """z = acos x; dx = -g / sqrt(1 - x^2)"""

    def forward(ctx, x):
        ctx.x = x
        return np.arccos(x)

    def vjp(ctx, g):
        return -g / np.sqrt(1 - ctx.x * ctx.x)


def acos(input, *, out=None) -> Tensor:
    return write_out(out, apply(Acos, floating(input, "acos")), "acos")


@register("atan")
class Atan:
    """z = atan x; dx = g / (1 + x^2)"""

    def forward(ctx, x):
        ctx.x = x
        return np.arctan(x)

    def vjp(ctx, g):
        return g / (1 + ctx.x * ctx.x)


def atan(input, *, out=None) -> Tensor:
    return write_out(out, apply(Atan, floating(input, "atan")), "atan")


@register("atan2")
class Atan2:
    """z = atan2(y, x), the angle of the point (x, y); dy = g * x / (x^2 + y^2),
    dx = -g * y / (x^2 + y^2)"""

    def forward(ctx, y, x):
        ctx.y, ctx.x = y, x
        return np.arctan2(y, x)

    def vjp(ctx, g):
        y, x = ctx.y, ctx.x
        s = g / (x * x + y * y)
        ny, nx = ctx.needs_input_grad
        return (s * x if ny else None), (-s * y if nx else None)


def atan2(input, other, *, out=None) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan2(y, x)`` with ``y = input``."""
    y, x = binary_operands(input, other, "atan2")
    y, x = floating(y, "atan2"), floating(x, "atan2")
    return write_out(out, apply(Atan2, y, x), "atan2")
