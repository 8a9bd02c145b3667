"""Indexing along one dimension: gather, scatter, scatter_add, index_select, masked_fill,
and the in-place scatter_, scatter_add_, masked_fill_ (on tensors outside a graph, the
rule of every in-place operation)."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import arange_on, write_out
from ._convert import as_input, normalize_dims, to_tensor
from .elementwise import where
from .registry import apply, register
from .shape import getitem

__all__ = [
    "gather", "scatter", "scatter_add", "index_select", "masked_fill", "scatter_",
    "scatter_add_", "masked_fill_",
]


def _along(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index that picks ``x[i_0, .., index[i_0, .., i_n], .., i_n]`` for every
    position of ``index``: PyTorch's gather rule (``index`` may be smaller than ``x``)."""
    n = index.ndim
    parts = [arange_on(index, size).reshape((1,) * i + (size,) + (1,) * (n - i - 1))
             for i, size in enumerate(index.shape)]
    parts[dim] = index
    return tuple(parts)


def _index_arg(index, x: Tensor, dim, op: str) -> tuple[np.ndarray, int]:
    index = index._array if isinstance(index, Tensor) else backend.asarray(index)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    d = normalize_dims(dim, x.ndim, op)[0]
    if index.ndim == 0 and x.ndim == 1:  # PyTorch counts a 0-d index as 1-d
        index = index.reshape(1)
    if index.ndim != x.ndim and x.ndim > 0:
        raise RuntimeError(f"{op}: index has {index.ndim} dimensions but the input has "
                           f"{x.ndim}; they must have the same number")
    return index.astype(np.intp, copy=False), d


@register("gather", saves_inputs=False)
class Gather:
    """z[.., j, ..] = x[.., index[.., j, ..], ..] along dim; dx = zeros with g added at
    the gathered places (summed where an index repeats)"""

    def forward(ctx, x, index, dim):
        ctx.shape, ctx.at = x.shape, _along(index, dim)
        return x[ctx.at]

    def vjp(ctx, g):
        gx = np.zeros_like(g, shape=ctx.shape)
        np.add.at(gx, ctx.at, g)
        return gx


def gather(input, dim, index, *, sparse_grad: bool = False, out=None) -> Tensor:
    """The entries of ``input`` picked along ``dim`` by ``index`` (same number of dims)."""
    x = as_input(input, "gather")
    idx, d = _index_arg(index, x, dim, "gather")
    r = apply(Gather, x, index=idx, dim=d)
    if isinstance(index, Tensor) and index.ndim == 0:
        r = r.reshape(())
    return write_out(out, r, "gather")


def _source(src, value, x: Tensor, idx: np.ndarray, op: str) -> Tensor:
    if src is None:
        src = value
    if isinstance(src, Tensor):
        return src if src.dtype == x.dtype else src.to(x.dtype)
    if src is None:
        raise TypeError(f"{op}: pass src= (a tensor) or value= (a number)")
    return Tensor._make(np.full_like(x._array, src, shape=idx.shape))


def _src_part(src_shape, idx: np.ndarray) -> tuple:
    return tuple(slice(0, n) for n in idx.shape) if src_shape != idx.shape else ...


@register("scatter")
class Scatter:
    """z = x with z[.., index[.., j, ..], ..] = src[.., j, ..] along dim; dx = g with
    the written places zeroed, dsrc = g gathered at those places"""

    def forward(ctx, x, src, index, dim, add):
        at, part = _along(index, dim), _src_part(src.shape, index)
        ctx.at, ctx.part, ctx.src_shape, ctx.add = at, part, src.shape, add
        z = x.copy()
        if add:
            np.add.at(z, at, src[part])
        else:
            z[at] = src[part]
        return z

    def vjp(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = gs = None
        if nx:
            gx = g if ctx.add else g.copy()
            if not ctx.add:
                gx[ctx.at] = 0
        if ns:
            gs = np.zeros_like(g, shape=ctx.src_shape)
            gs[ctx.part] = g[ctx.at]
        return gx, gs


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written
    along ``dim`` at ``index``; ``reduce='add'`` adds instead (``scatter_add``)."""
    if reduce not in (None, "add"):
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not available; use 'add'")
    x = as_input(input, "scatter")
    idx, d = _index_arg(index, x, dim, "scatter")
    s = _source(src, value, x, idx, "scatter")
    if s.ndim == 0:
        s = s.reshape(1)
    r = apply(Scatter, x, s, index=idx, dim=d, add=reduce == "add")
    return write_out(out, r, "scatter")


def scatter_add(input, dim, index, src, *, out=None) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index`` (repeats add up)."""
    return scatter(input, dim, index, src, reduce="add", out=out)


def _in_place(x: Tensor, result_of, other, op: str) -> Tensor:
    """``x`` changed in place to ``result_of(x)``: recorded in the graph as PyTorch does
    when ``x`` or ``other`` requires a gradient (``Tensor._record_inplace``), else the
    array written directly."""
    if x._in_graph(other):
        return x._record_inplace(op, result_of)
    x._check_inplace(op)
    x._array[...] = result_of(x)._array
    x._version += 1
    return x


def scatter_(input: Tensor, dim, index, src=None, *, value=None, reduce=None) -> Tensor:
    """In-place ``scatter``."""
    return _in_place(input, lambda old: scatter(old, dim, index, src, value=value,
                                                reduce=reduce), src, "scatter_")


def scatter_add_(input: Tensor, dim, index, src) -> Tensor:
    """In-place ``scatter_add``."""
    return _in_place(input, lambda old: scatter_add(old, dim, index, src), src, "scatter_add_")


def index_select(input, dim, index, *, out=None) -> Tensor:
    """The slices of ``input`` at the positions ``index`` (1-D) along ``dim``."""
    x = as_input(input, "index_select")
    idx = index._array if isinstance(index, Tensor) else backend.asarray(index)
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {tuple(idx.shape)}")
    d = normalize_dims(dim, x.ndim, "index_select")[0]
    return write_out(out, getitem(x, (slice(None),) * d + (idx.reshape(-1),)), "index_select")


def masked_fill(input, mask, value) -> Tensor:
    """``input`` with ``value`` where ``mask`` (broadcast to it) is True; the dtype of
    ``input`` is kept."""
    x = as_input(input, "masked_fill")
    m = mask._array if isinstance(mask, Tensor) else backend.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    v = to_tensor(value, x, "masked_fill")
    if v.dtype != x.dtype:
        v = v.to(x.dtype)
    return where(Tensor._make(m), v, x)


def masked_fill_(input: Tensor, mask, value) -> Tensor:
    """In-place ``masked_fill``."""
    return _in_place(input, lambda old: masked_fill(old, mask, value), value, "masked_fill_")
