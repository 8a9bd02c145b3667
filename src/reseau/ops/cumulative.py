"""Running sums and products along a dimension: cumsum, cumprod; and prod, the last
running product (so its gradient is exact where entries are 0)."""

from __future__ import annotations

import numpy as np

from ..dtypes import as_dtype
from ..tensor import Tensor
from ._args import alias, write_out
from ._convert import as_input, normalize_dims
from .registry import apply, register

__all__ = ["cumsum", "cumprod", "prod"]


def _reverse_cumsum(a: np.ndarray, dim: int) -> np.ndarray:
    """``r[i] = sum_{k >= i} a[k]`` along ``dim``."""
    return np.flip(np.cumsum(np.flip(a, dim), axis=dim), dim)


def _prepare(input, dim, axis, dtype, op: str) -> tuple[Tensor, int]:
    x = as_input(input, op)
    dim = alias(dim, axis, "dim", "axis", op)
    if dim is None:
        raise TypeError(f"{op}: missing the dim argument (the dimension to run along)")
    if dtype is not None:
        x = x.to(as_dtype(dtype))
    elif x._array.dtype.kind in "iub":  # PyTorch accumulates integers in int64
        x = x.to(np.dtype(np.int64))
    return (x.reshape(1) if x.ndim == 0 else x), normalize_dims(dim, x.ndim, op)[0]


def _ndim(input) -> int:
    return input.ndim if isinstance(input, Tensor) else np.ndim(input)


@register("cumsum", saves_inputs=False)
class Cumsum:
    """z_i = sum_{k <= i} x_k along dim; dx_i = sum_{k >= i} g_k"""

    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim)

    def vjp(ctx, g):
        return _reverse_cumsum(g, ctx.dim)


def cumsum(input, dim=None, *, axis=None, dtype=None, out=None) -> Tensor:
    """The running sum along ``dim`` (integers accumulate in int64, as in PyTorch)."""
    x, d = _prepare(input, dim, axis, dtype, "cumsum")
    r = apply(Cumsum, x, dim=d)
    return write_out(out, r if _ndim(input) else r.reshape(()), "cumsum")


def _cumprod_grad(x: np.ndarray, z: np.ndarray, g: np.ndarray, dim: int) -> np.ndarray:
    """dx_i = sum_{k >= i} g_k prod_{j <= k, j != i} x_j, exact with zeros: before the
    first zero of a slice it is revcumsum(g z)_i / x_i; at the first zero, the same sum
    with that zero replaced by 1; after it, 0 (every product holds the zero)."""
    zero = x == 0
    before = np.cumsum(zero, axis=dim) == 0  # strictly before the first zero
    first = zero & (np.cumsum(zero, axis=dim) == 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        gx = np.where(before, _reverse_cumsum(g * z, dim) / np.where(before, x, 1), 0)
    if first.any():
        z1 = np.cumprod(np.where(first, 1, x), axis=dim)
        gx = np.where(first, _reverse_cumsum(g * z1, dim), gx)
    return gx.astype(g.dtype, copy=False)


@register("cumprod")
class Cumprod:
    """z_i = prod_{k <= i} x_k along dim; dx_i = sum_{k >= i} g_k z_k / x_i (exact
    where x has zeros)"""

    def forward(ctx, x, dim):
        z = np.cumprod(x, axis=dim)
        ctx.x, ctx.z, ctx.dim = x, z, dim
        return z

    def vjp(ctx, g):
        return _cumprod_grad(ctx.x, ctx.z, g, ctx.dim)


def cumprod(input, dim=None, *, axis=None, dtype=None, out=None) -> Tensor:
    """The running product along ``dim``; its gradient is exact where entries are 0."""
    x, d = _prepare(input, dim, axis, dtype, "cumprod")
    r = apply(Cumprod, x, dim=d)
    return write_out(out, r if _ndim(input) else r.reshape(()), "cumprod")


def prod(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """The product of the entries over ``dim`` (one dim, or None for all): the last entry
    of ``cumprod``, whose gradient is exact where entries are 0."""
    x = as_input(input, "prod")
    if dim is None:
        r = cumprod(x.reshape(-1), 0, dtype=dtype)[-1]
        return write_out(out, r.reshape((1,) * x.ndim) if keepdim else r, "prod")
    d = normalize_dims(dim, max(x.ndim, 1), "prod")[0]
    r = cumprod(x, d, dtype=dtype)
    if x.ndim:
        r = r[(slice(None),) * d + (slice(-1, None) if keepdim else -1,)]
    return write_out(out, r, "prod")
