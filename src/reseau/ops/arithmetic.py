"""Arithmetic primitives: add, sub, mul, div, neg, pow, matmul, abs, and the casts.

Every binary op broadcasts like NumPy; the engine sums gradients back to each input's
shape, so the VJPs below return gradients of the output's shape.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import is_floating, true_divide_dtype
from ..tensor import Tensor
from . import rounding
from ._args import write_out
from ._convert import as_input, binary_operands, to_tensor
from .registry import apply, register

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "matmul", "abs", "cast", "clone"]


@register("add", saves_inputs=False)
class Add:
    """z = x + y; dx = g, dy = g"""

    def forward(ctx, x, y):
        return x + y

    def vjp(ctx, g):
        return g, g


def _elementwise(op, input, other, name: str) -> Tensor:
    """``op`` applied to the two operands; two tensors of one dtype (the common case) go
    straight to ``apply``, anything else through ``binary_operands``' conversions."""
    if (isinstance(other, Tensor) and isinstance(input, Tensor)
            and input._array.dtype is other._array.dtype):
        return apply(op, input, other)
    return apply(op, *binary_operands(input, other, name))


def _scaled_out(op, input, other, alpha, out, name: str) -> Tensor:
    """``input (op) alpha * other`` written into ``out``: PyTorch's ``alpha=`` and ``out=``
    (kept off the operators' path)."""
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return write_out(out, apply(op, *binary_operands(input, other, name)), name)


def add(input, other, alpha=1, out=None) -> Tensor:
    """Elementwise ``input + alpha * other`` with broadcasting."""
    if alpha == 1 and out is None:
        return _elementwise(Add, input, other, "add")
    return _scaled_out(Add, input, other, alpha, out, "add")


@register("sub", saves_inputs=False)
class Sub:
    """z = x - y; dx = g, dy = -g"""

    def forward(ctx, x, y):
        return x - y

    def vjp(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


def sub(input, other, alpha=1, out=None) -> Tensor:
    """Elementwise ``input - alpha * other`` with broadcasting."""
    if alpha == 1 and out is None:
        return _elementwise(Sub, input, other, "sub")
    return _scaled_out(Sub, input, other, alpha, out, "sub")


@register("mul")
class Mul:
    """z = x * y; dx = g * y, dy = g * x"""

    def forward(ctx, x, y):
        ctx.x, ctx.y = x, y
        return x * y

    def vjp(ctx, g):
        nx, ny = ctx.needs_input_grad
        return (g * ctx.y if nx else None), (g * ctx.x if ny else None)


def mul(input, other, out=None) -> Tensor:
    """Elementwise ``input * other`` with broadcasting."""
    if out is None:
        return _elementwise(Mul, input, other, "mul")
    return _scaled_out(Mul, input, other, 1, out, "mul")


@register("div")
class Div:
    """z = x / y; dx = g / y, dy = -g * x / y^2 = -g * z / y"""

    def forward(ctx, x, y):
        z = x / y
        ctx.y, ctx.z = y, z
        return z

    def vjp(ctx, g):
        nx, ny = ctx.needs_input_grad
        gx = g / ctx.y if nx else None
        gy = -g * ctx.z / ctx.y if ny else None
        return gx, gy


def div(input, other, rounding_mode=None, out=None) -> Tensor:
    """Elementwise true division ``input / other``; integer inputs give a float result.
    ``rounding_mode='trunc'`` or ``'floor'`` rounds the quotient (no gradient, and integers
    stay integers, as in PyTorch)."""
    if rounding_mode is not None or out is not None:
        return write_out(out, _rounded_div(input, other, rounding_mode), "div")
    a, b = binary_operands(input, other, "div")
    dtype = true_divide_dtype(a._array.dtype)
    if dtype is not a._array.dtype:
        a, b = Tensor._make(a._array.astype(dtype)), Tensor._make(b._array.astype(dtype))
    return apply(Div, a, b)


def _rounded_div(input, other, mode) -> Tensor:
    if mode is None:
        return div(input, other)
    if mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {mode!r}")
    a, b = binary_operands(input, other, "div")
    if is_floating(a._array.dtype):  # through the rounding ops: their gradient is zero
        return rounding.floor(div(a, b)) if mode == "floor" else rounding.trunc(div(a, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (np.floor_divide(a._array, b._array) if mode == "floor"
             else np.trunc(a._array / b._array).astype(a._array.dtype))
    return Tensor._make(q)


@register("neg", saves_inputs=False)
class Neg:
    """z = -x; dx = -g"""

    def forward(ctx, x):
        return -x

    def vjp(ctx, g):
        return -g


def neg(input) -> Tensor:
    x = as_input(input, "neg")
    return apply(Neg, x)


@register("pow")
class Pow:
    """z = x ** y; dx = g * y * x^(y-1), dy = g * z * log(x) (0 where x = 0 and y >= 0)"""

    def forward(ctx, x, y):
        z = x**y
        ctx.x, ctx.y, ctx.z = x, y, z
        return z

    def vjp(ctx, g):
        x, y, z = ctx.x, ctx.y, ctx.z
        nx, ny = ctx.needs_input_grad
        gx = gy = None
        if nx:
            gx = g * y * np.where(y == 0, 0, x ** np.where(y == 0, 1, y - 1))
        if ny:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 * log 0, masked below
                gy = np.where((x == 0) & (y >= 0), 0, g * z * np.log(x))
        return gx, gy


@register("pow_scalar")
class PowScalar:
    """z = x ** c (c a number); dx = g * c * x^(c-1) (0 when c = 0)"""

    def forward(ctx, x, exponent):
        ctx.x, ctx.c = x, exponent
        return x**exponent

    def vjp(ctx, g):
        c = ctx.c
        if c == 0:
            return np.zeros_like(g)
        if c == 2:
            return g * 2 * ctx.x
        return g * c * ctx.x ** (c - 1)


@register("rpow_scalar")
class RPowScalar:
    """z = c ** x (c a number); dx = g * z * log(c)"""

    def forward(ctx, x, base):
        z = np.power(x.dtype.type(base), x)  # a NumPy scalar: any device takes it
        ctx.z, ctx.logc = z, np.log(base) if base > 0 else np.nan
        return z

    def vjp(ctx, g):
        return g * ctx.z * ctx.logc


def pow(input, exponent) -> Tensor:
    """``input ** exponent``: a number as exponent (or base) is an attribute of the op,
    a tensor exponent gets its own gradient."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if isinstance(exponent, (int, float, np.number)):
            if isinstance(exponent, np.generic):  # a Python number: float32 stays float32
                exponent = exponent.item()
            return apply(PowScalar, input, exponent=exponent)
    if isinstance(exponent, Tensor) and not isinstance(input, Tensor):
        if isinstance(input, (int, float, np.number)) and is_floating(exponent._array.dtype):
            return apply(RPowScalar, exponent, base=float(input))
    return apply(Pow, *binary_operands(input, exponent, "pow"))


@register("matmul")
class MatMul:
    """z = x @ y; dx = g @ y^T, dy = x^T @ g (1-D operands are treated as a row / a
    column, batch dimensions broadcast)"""

    def forward(ctx, x, y):
        ctx.x, ctx.y = x, y
        return x @ y

    def vjp(ctx, g):
        x, y = ctx.x, ctx.y
        nx, ny = ctx.needs_input_grad
        if x.ndim == 2 and y.ndim == 2:
            return (g @ y.T if nx else None), (x.T @ g if ny else None)
        if x.ndim == 1 and y.ndim == 1:
            return (g * y if nx else None), (g * x if ny else None)
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = g
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if y.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        gx = gy = None
        if nx:
            gx = g2 @ np.swapaxes(y2, -1, -2)
            if x.ndim == 1:
                gx = gx[..., 0, :]
        if ny:
            gy = np.swapaxes(x2, -1, -2) @ g2
            if y.ndim == 1:
                gy = gy[..., 0]
        return gx, gy


def matmul(input, other, *, out=None) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading (batch)
    dimensions broadcast."""
    a = to_tensor(input, other if isinstance(other, Tensor) else None, "matmul")
    b = to_tensor(other, a, "matmul")
    if a._array.ndim == 0 or b._array.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}; use * for multiplication by a scalar"
        )
    k1 = a.shape[-1]
    k2 = b.shape[0] if b._array.ndim == 1 else b.shape[-2]
    if k1 != k2:
        raise ValueError(
            f"matmul: shapes {a._array.shape} and {b._array.shape} are not aligned: the last"
            f" dimension of the first ({k1}) must equal the "
            f"{'first' if b._array.ndim == 1 else 'second-to-last'} dimension of the second ({k2})"
        )
    a, b = binary_operands(a, b, "matmul")
    r = apply(MatMul, a, b)
    return r if out is None else write_out(out, r, "matmul")


@register("abs")
class Abs:
    """z = |x|; dx = g * sign(x) (abs'(0) = 0)"""

    def forward(ctx, x):
        ctx.x = x
        return np.abs(x)

    def vjp(ctx, g):
        return g * np.sign(ctx.x)


def abs(input) -> Tensor:
    x = as_input(input, "abs")
    return apply(Abs, x)


@register("cast", saves_inputs=False)
class Cast:
    """z = x as another floating dtype; dx = g (cast back by the engine)"""

    def forward(ctx, x, dtype):
        return x.astype(dtype)

    def vjp(ctx, g):
        return g


def cast(x: Tensor, dtype: np.dtype) -> Tensor:
    """``x`` converted to ``dtype``: differentiable between floating dtypes; a cast to
    an integer or bool dtype leaves the graph."""
    if x._array.dtype == dtype:
        return x
    if not is_floating(dtype):
        return Tensor._make(x._array.astype(dtype))
    return apply(Cast, x, dtype=dtype)


@register("clone", saves_inputs=False)
class Clone:
    """z = copy of x; dx = g"""

    def forward(ctx, x):
        return x.copy()

    def vjp(ctx, g):
        return g


def clone(input, *, memory_format=None) -> Tensor:
    x = as_input(input, "clone")
    return apply(Clone, x)
