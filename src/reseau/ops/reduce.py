"""Reductions and the softmax family: sum, mean, var, std, max/min, amax/amin,
argmax/argmin, logsumexp, softmax, log_softmax."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._convert import as_input, normalize_dims
from .elementwise import sqrt
from .registry import apply, register

__all__ = [
    "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
    "logsumexp", "softmax", "log_softmax",
]

#: what ``max(x, dim)`` and ``min(x, dim)`` return, as in PyTorch
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _expand_back(g: np.ndarray, axes, keepdim: bool, shape) -> np.ndarray:
    """Re-insert reduced axes into a gradient so it broadcasts against the input."""
    if not keepdim and axes is not None:
        g = np.expand_dims(g, axes)
    elif not keepdim:
        g = g.reshape((1,) * len(shape))
    return g


def _broadcast_back(g: np.ndarray, shape) -> np.ndarray:
    """``g`` copied out to ``shape`` (a fresh writable array, cheaper here than a
    broadcast view for the small gradients of reductions)."""
    out = backend.empty(shape, g.dtype)
    out[...] = g
    return out


def _count(shape, axes) -> int:
    if axes is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in axes]))


def _axes(dim, x: Tensor, op: str):
    """The axes to reduce; dim 0 or -1 of a 0-d tensor is no axis (as in PyTorch)."""
    axes = normalize_dims(dim, x.ndim, op)
    return () if x.ndim == 0 and axes is not None else axes


def _single_dim(dim, ndim, op):
    """One axis; None for a 0-d tensor (dim 0 or -1), which NumPy treats as 'all'."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be a single int, got {dim!r}")
    d = normalize_dims(dim, ndim, op)[0]
    return None if ndim == 0 else d


@register("sum", saves_inputs=False)
class Sum:
    """z = sum of x over axes; dx = g broadcast back"""

    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    def vjp(ctx, g):
        return _broadcast_back(_expand_back(g, ctx.axes, ctx.keepdim, ctx.shape), ctx.shape)


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
    x = as_input(x, "sum")
    return apply(Sum, x, axes=_axes(dim, x, "sum"), keepdim=keepdim)


@register("mean", saves_inputs=False)
class Mean:
    """z = sum of x over axes / n; dx = g / n broadcast back"""

    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.mean(axis=axes, keepdims=keepdim)

    def vjp(ctx, g):
        n = _count(ctx.shape, ctx.axes)
        g = _expand_back(g, ctx.axes, ctx.keepdim, ctx.shape) / g.dtype.type(n)
        return _broadcast_back(g, ctx.shape)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (an int, a tuple of ints, or None for all)."""
    x = as_input(x, "mean")
    if not x.is_floating_point():
        raise TypeError(f"mean: expected a floating tensor, got dtype {x.dtype}; use x.float()")
    return apply(Mean, x, axes=_axes(dim, x, "mean"), keepdim=keepdim)


def _correction(correction, unbiased):
    return correction if unbiased is None else int(bool(unbiased))


@register("var")
class Var:
    """z = sum (x - mean)^2 / (n - correction); dx = g * 2 (x - mean) / (n - correction)"""

    def forward(ctx, x, axes, keepdim, correction):
        mu = np.mean(x, axis=axes, keepdims=True)
        d = x - mu
        # builtins.max: this module's own max() shadows it; a zero denominator gives
        # inf/nan like PyTorch, not a ZeroDivisionError in the VJP
        denom = x.dtype.type(builtins.max(_count(x.shape, axes) - correction, 0))
        ctx.d, ctx.denom, ctx.axes, ctx.keepdim = d, denom, axes, keepdim
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(d * d, axis=axes, keepdims=keepdim) / denom

    def vjp(ctx, g):
        g = _expand_back(g, ctx.axes, ctx.keepdim, ctx.d.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * (2 / ctx.denom) * ctx.d


def var(x: Tensor, dim=None, keepdim: bool = False, *, correction=1, unbiased=None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1: unbiased, 0: population)."""
    x = as_input(x, "var")
    axes = _axes(dim, x, "var")
    return apply(Var, x, axes=axes, keepdim=keepdim, correction=_correction(correction, unbiased))


def std(x: Tensor, dim=None, keepdim: bool = False, *, correction=1, unbiased=None) -> Tensor:
    """Standard deviation: ``sqrt(var(x))``."""
    x = as_input(x, "std")
    return sqrt(var(x, dim, keepdim, correction=correction, unbiased=unbiased))


def _drop(z, axes):
    return z.reshape(()) if axes is None else np.squeeze(z, axis=axes)


def _share_among_ties(g, ctx):
    mask = ctx.x == ctx.z
    count = np.sum(mask, axis=ctx.axes, keepdims=True)
    g = _expand_back(g, ctx.axes, ctx.keepdim, ctx.x.shape)
    return g * mask / count.astype(g.dtype)


@register("amax")
class AMax:
    """z = max of x over axes; dx = g shared evenly among the entries equal to the max"""

    def forward(ctx, x, axes, keepdim):
        z = np.amax(x, axis=axes, keepdims=True)
        ctx.x, ctx.z, ctx.axes, ctx.keepdim = x, z, axes, keepdim
        return z if keepdim else _drop(z, axes)

    def vjp(ctx, g):
        return _share_among_ties(g, ctx)


def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    x = as_input(x, "amax")
    return apply(AMax, x, axes=_axes(dim, x, "amax"), keepdim=keepdim)


@register("amin")
class AMin:
    """z = min of x over axes; dx = g shared evenly among the entries equal to the min"""

    def forward(ctx, x, axes, keepdim):
        z = np.amin(x, axis=axes, keepdims=True)
        ctx.x, ctx.z, ctx.axes, ctx.keepdim = x, z, axes, keepdim
        return z if keepdim else _drop(z, axes)

    def vjp(ctx, g):
        return _share_among_ties(g, ctx)


def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    x = as_input(x, "amin")
    return apply(AMin, x, axes=_axes(dim, x, "amin"), keepdim=keepdim)


def _take_at(ctx, x, idx, dim, keepdim):
    ctx.idx, ctx.dim, ctx.keepdim, ctx.shape, ctx.dtype = idx, dim, keepdim, x.shape, x.dtype
    z = np.take_along_axis(x, idx, axis=dim)
    return z if keepdim else np.squeeze(z, axis=dim)


def _scatter_at(ctx, g):
    gx = backend.zeros(ctx.shape, g.dtype)
    if not ctx.keepdim:
        g = np.expand_dims(g, ctx.dim)
    np.put_along_axis(gx, ctx.idx, g, axis=ctx.dim)
    return gx


def _values_indices(op, arg, x: Tensor, dim, keepdim: bool, name: str) -> ValuesIndices:
    """``max(x, dim)`` or ``min(x, dim)``: the values by ``op`` (``MaxDim``, ``MinDim``)
    and their indices by ``arg`` (``argmax``, ``argmin``)."""
    d = _single_dim(dim, x.ndim, name)
    if d is None:  # a 0-d tensor: its only entry, at index 0
        return ValuesIndices(apply(op, x.reshape(1), dim=0, keepdim=False), arg(x))
    return ValuesIndices(apply(op, x, dim=d, keepdim=keepdim), arg(x, d, keepdim))


@register("max_dim")
class MaxDim:
    """z = max of x along dim; dx = g at the returned arg-max, 0 elsewhere"""

    def forward(ctx, x, dim, keepdim):
        idx = np.expand_dims(np.argmax(x, axis=dim), dim)
        return _take_at(ctx, x, idx, dim, keepdim)

    def vjp(ctx, g):
        return _scatter_at(ctx, g)


def max(x: Tensor, dim=None, keepdim: bool = False):
    """With no ``dim``: the largest value (ties share the gradient). With ``dim``: the
    named tuple ``(values, indices)``, the gradient going to the returned index."""
    x = as_input(x, "max")
    return amax(x) if dim is None else _values_indices(MaxDim, argmax, x, dim, keepdim, "max")


@register("min_dim")
class MinDim:
    """z = min of x along dim; dx = g at the returned arg-min, 0 elsewhere"""

    def forward(ctx, x, dim, keepdim):
        idx = np.expand_dims(np.argmin(x, axis=dim), dim)
        return _take_at(ctx, x, idx, dim, keepdim)

    def vjp(ctx, g):
        return _scatter_at(ctx, g)


def min(x: Tensor, dim=None, keepdim: bool = False):
    """With no ``dim``: the smallest value. With ``dim``: ``(values, indices)``."""
    x = as_input(x, "min")
    return amin(x) if dim is None else _values_indices(MinDim, argmin, x, dim, keepdim, "min")


@register("argmax", differentiable=False, saves_inputs=False)
class ArgMax:
    """z = index of the max (int64); not differentiable"""

    def forward(ctx, x, dim, keepdim):
        return np.argmax(x, axis=dim, keepdims=keepdim).astype(np.int64)


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    x = as_input(x, "argmax")
    d = None if dim is None else _single_dim(dim, x.ndim, "argmax")
    return apply(ArgMax, x, dim=d, keepdim=keepdim and d is not None)


@register("argmin", differentiable=False, saves_inputs=False)
class ArgMin:
    """z = index of the min (int64); not differentiable"""

    def forward(ctx, x, dim, keepdim):
        return np.argmin(x, axis=dim, keepdims=keepdim).astype(np.int64)


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    x = as_input(x, "argmin")
    d = None if dim is None else _single_dim(dim, x.ndim, "argmin")
    return apply(ArgMin, x, dim=d, keepdim=keepdim and d is not None)


def _stable_max(x, axes):
    m = np.amax(x, axis=axes, keepdims=True)
    return np.where(np.isfinite(m), m, 0)  # rows of -inf stay -inf, not NaN


@register("logsumexp", saves_inputs=False)
class LogSumExp:
    """z = m + log sum e^(x - m) with m = max x; dx = g * softmax(x) = g * e^(x - z)"""

    def forward(ctx, x, axes, keepdim):
        m = _stable_max(x, axes)
        e = np.exp(x - m)
        z = np.log(np.sum(e, axis=axes, keepdims=True)) + m
        ctx.softmax = e / np.sum(e, axis=axes, keepdims=True)
        ctx.axes, ctx.keepdim = axes, keepdim
        return z if keepdim else _drop(z, axes)

    def vjp(ctx, g):
        g = _expand_back(g, ctx.axes, ctx.keepdim, ctx.softmax.shape)
        return g * ctx.softmax


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x), dim))`` computed as ``m + log(sum(exp(x - m)))``, m the max."""
    x = as_input(x, "logsumexp")
    return apply(LogSumExp, x, axes=_axes(dim, x, "logsumexp"), keepdim=keepdim)


@register("softmax", saves_inputs=False)
class Softmax:
    """z_i = e^(x_i - m) / sum_j e^(x_j - m); dx = z * (g - sum(g * z))
    (the softmax Jacobian diag(z) - z z^T applied to g)"""

    def forward(ctx, x, dim):
        e = np.exp(x - _stable_max(x, dim))
        z = e / np.sum(e, axis=dim, keepdims=True)
        ctx.z, ctx.dim = z, dim
        return z

    def vjp(ctx, g):
        z = ctx.z
        return z * (g - np.sum(g * z, axis=ctx.dim, keepdims=True))


def softmax(x: Tensor, dim: int) -> Tensor:
    """``exp(x) / sum(exp(x), dim)``, shifted by the max for stability."""
    x = as_input(x, "softmax")
    return apply(Softmax, x, dim=_single_dim(dim, x.ndim, "softmax"))


@register("log_softmax", saves_inputs=False)
class LogSoftmax:
    """z = x - logsumexp(x); dx = g - softmax(x) * sum(g)"""

    def forward(ctx, x, dim):
        shifted = x - _stable_max(x, dim)
        z = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.z, ctx.dim = z, dim
        return z

    def vjp(ctx, g):
        return g - np.exp(ctx.z) * np.sum(g, axis=ctx.dim, keepdims=True)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """``x - logsumexp(x, dim)``: stable log-probabilities."""
    x = as_input(x, "log_softmax")
    return apply(LogSoftmax, x, dim=_single_dim(dim, x.ndim, "log_softmax"))
