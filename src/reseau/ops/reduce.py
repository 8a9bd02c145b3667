"""Reductions and the softmax family: sum, mean, var, std, max/min, amax/amin,
argmax/argmin, logsumexp, softmax, log_softmax."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from ._args import alias, write_out, write_outs
from ._convert import as_input, normalize_dims
from .elementwise import maximum, minimum, sqrt
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
    out = np.empty_like(g, shape=shape)
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


def _keywords(op: str, dim, keepdim, kw: dict):
    """The keyword forms PyTorch accepts besides ``dim`` and ``keepdim``: NumPy's
    ``axis=`` and ``keepdims=``, ``dtype=`` (cast first) and ``out=``. Kept off the
    positional path, which stays as fast as it was."""
    dim = alias(dim, kw.pop("axis", None), "dim", "axis", op)
    keepdim = alias(keepdim, kw.pop("keepdims", None), "keepdim", "keepdims", op, False)
    dtype, out = kw.pop("dtype", None), kw.pop("out", None)
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kw))!r}")
    return dim, keepdim, dtype, out


def _with_keywords(fn, op: str, x: Tensor, dim, keepdim, kw: dict):
    """``fn(x, dim, keepdim)`` with the keyword forms of ``_keywords`` applied."""
    dim, keepdim, dtype, out = _keywords(op, dim, keepdim, kw)
    if dtype is not None:
        x = x.to(dtype)
    r = fn(x, dim, keepdim)
    return write_outs(out, r, op) if isinstance(r, tuple) else write_out(out, r, op)


@register("sum", saves_inputs=False)
class Sum:
    """z = sum of x over axes; dx = g broadcast back"""

    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    def vjp(ctx, g):
        return _broadcast_back(_expand_back(g, ctx.axes, ctx.keepdim, ctx.shape), ctx.shape)


def sum(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """Sum over ``dim`` (an int, a tuple of ints, or None for all); also ``axis=``,
    ``keepdims=``, ``dtype=``, ``out=``."""
    x = as_input(input, "sum")
    if kw:
        return _with_keywords(sum, "sum", x, dim, keepdim, kw)
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


def mean(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """Mean over ``dim`` (an int, a tuple of ints, or None for all); also ``axis=``,
    ``keepdims=``, ``dtype=``, ``out=``."""
    x = as_input(input, "mean")
    if kw:
        return _with_keywords(mean, "mean", x, dim, keepdim, kw)
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


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        **kw) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1, the default: unbiased, 0:
    population; ``unbiased=False`` is ``correction=0``). The third positional argument
    is ``unbiased``, as in PyTorch; also ``axis=``, ``keepdims=``, ``out=``."""
    x = as_input(input, "var")
    if kw:
        dim, keepdim, _, out = _keywords("var", dim, keepdim, kw)
        return write_out(out, var(x, dim, unbiased, keepdim, correction=correction), "var")
    if isinstance(dim, bool):  # var(x, unbiased), PyTorch's other form
        dim, unbiased = None, dim
    axes = _axes(dim, x, "var")
    c = 1 if correction is None else correction
    return apply(Var, x, axes=axes, keepdim=keepdim, correction=_correction(c, unbiased))


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        **kw) -> Tensor:
    """Standard deviation: ``sqrt(var(input))``, with the arguments of ``var``."""
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction, **kw))


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


def amax(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    x = as_input(input, "amax")
    if kw:
        return _with_keywords(amax, "amax", x, dim, keepdim, kw)
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


def amin(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    x = as_input(input, "amin")
    if kw:
        return _with_keywords(amin, "amin", x, dim, keepdim, kw)
    return apply(AMin, x, axes=_axes(dim, x, "amin"), keepdim=keepdim)


def _take_at(ctx, x, idx, dim, keepdim):
    ctx.idx, ctx.dim, ctx.keepdim, ctx.shape, ctx.dtype = idx, dim, keepdim, x.shape, x.dtype
    z = np.take_along_axis(x, idx, axis=dim)
    return z if keepdim else np.squeeze(z, axis=dim)


def _scatter_at(ctx, g):
    gx = np.zeros_like(g, shape=ctx.shape)
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


def max(input, dim=None, keepdim: bool = False, **kw):
    """With no ``dim``: the largest value (ties share the gradient). With ``dim``: the
    named tuple ``(values, indices)``, the gradient going to the returned index. With a
    tensor (``max(a, b)``, or ``other=``): ``maximum``."""
    x = as_input(input, "max")
    if isinstance(dim, Tensor) or "other" in kw:
        return write_out(kw.pop("out", None), maximum(x, kw.pop("other", dim)), "max")
    if kw:
        return _with_keywords(max, "max", x, dim, keepdim, kw)
    return amax(x) if dim is None else _values_indices(MaxDim, argmax, x, dim, keepdim, "max")


@register("min_dim")
class MinDim:
    """z = min of x along dim; dx = g at the returned arg-min, 0 elsewhere"""

    def forward(ctx, x, dim, keepdim):
        idx = np.expand_dims(np.argmin(x, axis=dim), dim)
        return _take_at(ctx, x, idx, dim, keepdim)

    def vjp(ctx, g):
        return _scatter_at(ctx, g)


def min(input, dim=None, keepdim: bool = False, **kw):
    """With no ``dim``: the smallest value. With ``dim``: ``(values, indices)``. With a
    tensor: ``minimum``."""
    x = as_input(input, "min")
    if isinstance(dim, Tensor) or "other" in kw:
        return write_out(kw.pop("out", None), minimum(x, kw.pop("other", dim)), "min")
    if kw:
        return _with_keywords(min, "min", x, dim, keepdim, kw)
    return amin(x) if dim is None else _values_indices(MinDim, argmin, x, dim, keepdim, "min")


@register("argmax", differentiable=False, saves_inputs=False)
class ArgMax:
    """z = index of the max (int64); not differentiable"""

    def forward(ctx, x, dim, keepdim):
        return np.argmax(x, axis=dim, keepdims=keepdim).astype(np.int64)


def argmax(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    x = as_input(input, "argmax")
    if kw:
        return _with_keywords(argmax, "argmax", x, dim, keepdim, kw)
    d = None if dim is None else _single_dim(dim, x.ndim, "argmax")
    return apply(ArgMax, x, dim=d, keepdim=keepdim and d is not None)


@register("argmin", differentiable=False, saves_inputs=False)
class ArgMin:
    """z = index of the min (int64); not differentiable"""

    def forward(ctx, x, dim, keepdim):
        return np.argmin(x, axis=dim, keepdims=keepdim).astype(np.int64)


def argmin(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    x = as_input(input, "argmin")
    if kw:
        return _with_keywords(argmin, "argmin", x, dim, keepdim, kw)
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


def logsumexp(input, dim=None, keepdim: bool = False, **kw) -> Tensor:
    """``log(sum(exp(x), dim))`` computed as ``m + log(sum(exp(x - m)))``, m the max."""
    x = as_input(input, "logsumexp")
    if kw:
        return _with_keywords(logsumexp, "logsumexp", x, dim, keepdim, kw)
    return apply(LogSumExp, x, axes=_axes(dim, x, "logsumexp"), keepdim=keepdim)


def _softmax_keywords(fn, op: str, x: Tensor, dim, dtype, kw: dict) -> Tensor:
    """``fn(x, dim)`` with ``axis=``, ``dtype=`` (cast first), ``out=``, and PyTorch's old
    implicit dim when none is given (0 for 0-, 1- and 3-D tensors, else 1)."""
    dim = alias(dim, kw.pop("axis", None), "dim", "axis", op)
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return write_out(kw.pop("out", None), fn(x if dtype is None else x.to(dtype), dim), op)


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


def softmax(input, dim=None, dtype=None, **kw) -> Tensor:
    """``exp(x) / sum(exp(x), dim)``, shifted by the max for stability."""
    x = as_input(input, "softmax")
    if kw or dtype is not None or dim is None:
        return _softmax_keywords(softmax, "softmax", x, dim, dtype, kw)
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


def log_softmax(input, dim=None, dtype=None, **kw) -> Tensor:
    """``x - logsumexp(x, dim)``: stable log-probabilities."""
    x = as_input(input, "log_softmax")
    if kw or dtype is not None or dim is None:
        return _softmax_keywords(log_softmax, "log_softmax", x, dim, dtype, kw)
    return apply(LogSoftmax, x, dim=_single_dim(dim, x.ndim, "log_softmax"))
