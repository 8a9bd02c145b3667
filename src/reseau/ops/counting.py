"""Counting (no gradient): numel, histc, histogram, bincount, unique."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import arange_on, write_out
from ._convert import as_input

__all__ = ["numel", "histc", "histogram", "bincount", "unique", "Histogram"]

#: what ``histogram`` returns, as ``torch.return_types.histogram``
Histogram = namedtuple("Histogram", ["hist", "bin_edges"])


def numel(input) -> int:
    """The number of entries."""
    return as_input(input, "numel")._array.size


def _linspace(lo, hi, steps: int, dtype, like) -> np.ndarray:
    """``steps`` points from lo to hi computed in ``dtype`` the way PyTorch's linspace
    does (from the start for the first half, from the end for the second), so that
    the bin edges are the same numbers; on the device of the array ``like``."""
    t = np.dtype(dtype).type
    lo, hi = t(lo), t(hi)
    if steps == 1:
        return np.full_like(like, lo, shape=(1,), dtype=dtype)
    step = (hi - lo) / t(steps - 1)
    i = arange_on(like, steps)
    half = steps // 2
    return np.where(i < half, lo + step * i.astype(dtype),
                    hi - step * (steps - 1 - i).astype(dtype)).astype(dtype)


def _range(a: np.ndarray, lo, hi):
    if lo == hi:
        lo, hi = (a.min(), a.max()) if a.size else (0, 0)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return lo, hi


def histc(input, bins: int = 100, min=0, max=0, *, out=None) -> Tensor:
    """The counts of the entries in ``bins`` equal bins from ``min`` to ``max`` (both
    0: the entries' own min and max); entries outside are ignored."""
    x = as_input(input, "histc")
    a = x._array.ravel()
    lo, hi = _range(a, min, max)
    t = a.dtype.type
    inside = a[(a >= lo) & (a <= hi)]
    pos = ((inside - t(lo)) * t(bins) / (t(hi) - t(lo))).astype(np.int64)  # PyTorch's rule
    pos[pos == bins] = bins - 1
    hist = np.bincount(pos, minlength=bins).astype(a.dtype)
    return write_out(out, Tensor._make(hist), "histc")


def histogram(input, bins=100, *, range=None, weight=None, density: bool = False,
              out=None) -> Histogram:
    """``(hist, bin_edges)``: ``bins`` equal bins over ``range`` (default: the entries'
    min and max), or the given edges; the last bin includes its right edge."""
    a = as_input(input, "histogram")._array.ravel()
    if isinstance(bins, (int, np.integer)):
        lo, hi = _range(a, *(range if range is not None else (0, 0)))
        edges = _linspace(lo, hi, int(bins) + 1, a.dtype, a)
    else:
        edges = as_input(bins, "histogram")._array.astype(a.dtype)
    w = None if weight is None else as_input(weight, "histogram")._array.ravel()
    keep = (a >= edges[0]) & (a <= edges[-1])
    pos = np.searchsorted(edges, a[keep], side="right") - 1
    pos[pos == len(edges) - 1] -= 1  # the right edge belongs to the last bin
    hist = np.bincount(pos, None if w is None else w[keep], minlength=len(edges) - 1)
    hist = hist.astype(a.dtype)
    if density:
        hist = hist / (hist.sum() * np.diff(edges))
    r = Histogram(Tensor._make(hist), Tensor._make(backend.asarray(edges)))
    if out is not None:
        r = Histogram(*[write_out(o, t, "histogram") for o, t in zip(out, r)])
    return r


def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """How many times each value ``0 .. max`` occurs in a 1-D tensor of non-negative
    integers (the sum of ``weights`` at its places, when given)."""
    a = as_input(input, "bincount")._array
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise RuntimeError(f"bincount: expected a 1-D integer tensor, got shape {tuple(a.shape)} "
                           f"and dtype {a.dtype}")
    if weights is None:
        return Tensor._make(np.bincount(a, minlength=minlength).astype(np.int64))
    w = as_input(weights, "bincount")._array
    counts = np.bincount(a, w, minlength=minlength)
    return Tensor._make(counts.astype(w.dtype if w.dtype.kind == "f" else np.float64))


def unique(input, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """The distinct entries, sorted (along ``dim``: the distinct slices); with
    ``return_inverse`` the index of each entry in them, with ``return_counts`` how many
    times each occurs."""
    a = as_input(input, "unique")._array
    u, inv, counts = np.unique(a if dim is not None else a.ravel(), return_inverse=True,
                               return_counts=True, axis=dim)
    out = [Tensor._make(u)]
    if return_inverse:
        shape = a.shape if dim is None else (a.shape[dim],)
        out.append(Tensor._make(inv.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
