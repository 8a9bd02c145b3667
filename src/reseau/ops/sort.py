"""Sorting: sort, argsort, topk, median. The values are gathered from the input by the sorted
indices (``gather``), so the gradient goes back to where each value came from."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._args import arange_on, write_out, write_outs
from ._convert import as_input, normalize_dims
from .index import gather
from .reduce import ValuesIndices

__all__ = ["sort", "argsort", "topk", "msort", "median"]


def _order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable sorting indices along ``dim``; descending keeps equal entries in their
    order (the flipped array sorted ascending, flipped back) and puts NaN first, as
    PyTorch does."""
    if a.ndim == 0:
        return np.zeros_like(a, dtype=np.int64)
    if not descending:
        return np.argsort(a, axis=dim, kind="stable").astype(np.int64)
    n = a.shape[dim]
    flipped = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
    return (n - 1 - np.flip(flipped, dim)).astype(np.int64)


def _dim(x: Tensor, dim, op: str) -> int:
    return 0 if x.ndim == 0 else normalize_dims(dim, x.ndim, op)[0]


def _gathered(x: Tensor, dim: int, idx: np.ndarray) -> Tensor:
    if x.ndim == 0:
        return gather(x.reshape(1), 0, idx.reshape(1)).reshape(())
    return gather(x, dim, idx)


def sort(input, dim: int = -1, descending: bool = False, *, stable: bool = False,
         out=None) -> ValuesIndices:
    """``(values, indices)`` sorted along ``dim`` (a stable sort, whatever ``stable``)."""
    x = as_input(input, "sort")
    d = _dim(x, dim, "sort")
    idx = _order(x._array, d, descending)
    r = ValuesIndices(_gathered(x, d, idx), Tensor._make(idx))
    return write_outs(out, r, "sort")


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    x = as_input(input, "argsort")
    return Tensor._make(_order(x._array, _dim(x, dim, "argsort"), descending))


def msort(input, *, out=None) -> Tensor:
    """``sort(input, dim=0).values``."""
    return write_out(out, sort(input, 0).values, "msort")


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         out=None) -> ValuesIndices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) entries
    along ``dim``, in order."""
    x = as_input(input, "topk")
    d = _dim(x, dim, "topk")
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k={k} is out of range for a dimension of size {n}")
    idx = _order(x._array, d, largest)
    if x.ndim:
        idx = np.take(idx, arange_on(idx, k), axis=d)
    r = ValuesIndices(_gathered(x, d, idx), Tensor._make(idx))
    return write_outs(out, r, "topk")


def median(input, dim=None, keepdim: bool = False):
    """The lower median (the entry at ``(n - 1) // 2`` in sorted order): of every entry
    with no ``dim``; along ``dim``, ``(values, indices)``. The gradient goes to that entry."""
    x = as_input(input, "median")
    if dim is None:
        flat = x.reshape(-1)
        idx = _order(flat._array, 0, False)[(flat.shape[0] - 1) // 2:][:1]
        return gather(flat, 0, idx).reshape(())
    d = _dim(x, dim, "median")
    n = x.shape[d] if x.ndim else 1
    idx = _order(x._array, d, False)
    if x.ndim:
        idx = np.take(idx, [(n - 1) // 2], axis=d)
    r = ValuesIndices(_gathered(x, d, idx), Tensor._make(idx))
    if not keepdim and x.ndim:
        r = ValuesIndices(r.values.squeeze(d), Tensor._make(idx.squeeze(d)))
    return r
