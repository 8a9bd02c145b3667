"""Copies and rearrangements built from the shape ops, indexing and ``where`` (their
gradients come from those): repeat, tile, chunk, split, narrow, flip, roll, tril, triu,
diag, broadcast_to, swapaxes, movedim, select, unbind, take_along_dim, hstack, vstack,
meshgrid, diff."""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import arange_on, write_out
from ._convert import as_input, normalize_dims, shape_arg
from .elementwise import where
from .index import gather
from .arithmetic import sub
from .shape import cat, expand, getitem, permute, reshape, stack, transpose

__all__ = [
    "repeat", "tile", "chunk", "split", "narrow", "flip", "roll", "tril", "triu", "diag",
    "ravel", "broadcast_to", "swapaxes", "movedim", "select", "unbind", "take_along_dim",
    "hstack", "vstack", "meshgrid", "diff",
]


def ravel(input) -> Tensor:
    """The entries as a 1-D tensor."""
    return reshape(as_input(input, "ravel"), -1)


def repeat(input, *sizes) -> Tensor:
    """``input`` repeated ``sizes[i]`` times along each dimension (``Tensor.repeat``;
    extra leading sizes add dimensions): an expand of an interleaved reshape."""
    x = as_input(input, "repeat")
    sizes = shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: {len(sizes)} repeat sizes for a tensor of {x.ndim} "
                           "dimensions; give at least one per dimension")
    shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    inter = [n for s in shape for n in (1, s)]
    big = [n for r, s in zip(sizes, shape) for n in (r, s)]
    out = [r * s for r, s in zip(sizes, shape)]
    return reshape(expand(reshape(x, inter), big), out)


def tile(input, dims) -> Tensor:
    """``repeat``, with missing leading repeat counts taken as 1 (``torch.tile``)."""
    x = as_input(input, "tile")
    dims = (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def _slice(x: Tensor, d: int, start: int, stop: int) -> Tensor:
    return getitem(x, (slice(None),) * d + (slice(start, stop),))


def split(tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size_or_sections`` entries along ``dim`` (the last may be
    smaller), or of the sizes of a list."""
    x = as_input(tensor, "split")
    d = normalize_dims(dim, x.ndim, "split")[0]
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        sizes = [min(step, n - s) for s in range(0, n, step)] if step > 0 else [n]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split: the sizes {sizes} add up to {sum(sizes)}, "
                               f"but dimension {dim} has size {n}")
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    return tuple(_slice(x, d, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of equal size ``ceil(n / chunks)`` along ``dim``."""
    x = as_input(input, "chunk")
    d = normalize_dims(dim, x.ndim, "chunk")[0]
    if chunks <= 0:
        raise RuntimeError(f"chunk: expected a positive number of chunks, got {chunks}")
    return split(x, max(math.ceil(x.shape[d] / chunks), 1), d)


def narrow(input, dim: int, start: int, length: int) -> Tensor:
    """The entries ``start .. start + length - 1`` along ``dim``."""
    x = as_input(input, "narrow")
    d = normalize_dims(dim, x.ndim, "narrow")[0]
    start = start % x.shape[d] if start < 0 else start
    return _slice(x, d, start, start + length)


def flip(input, dims) -> Tensor:
    """The entries in reverse order along each of ``dims``."""
    x = as_input(input, "flip")
    axes = normalize_dims(dims, x.ndim, "flip") or ()
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None)
                            for i in range(x.ndim)))


def roll(input, shifts, dims=None) -> Tensor:
    """The entries shifted by ``shifts`` along ``dims``, wrapping around (without dims:
    along the flattened tensor)."""
    x = as_input(input, "roll")
    if dims is None:
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    for s, dim in zip(shifts, dims):
        d = normalize_dims(dim, x.ndim, "roll")[0]
        n = x.shape[d]
        x = getitem(x, (slice(None),) * d + ((arange_on(x._array, n) - s) % n,))
    return x


def _offsets(rows: int, cols: int, like) -> np.ndarray:
    """``column - row`` of every entry of a (rows, cols) matrix: which diagonal it is on
    (on the device of the array ``like``)."""
    return arange_on(like, cols).reshape(1, cols) - arange_on(like, rows).reshape(rows, 1)


def _triangle(input, diagonal: int, lower: bool, op: str) -> Tensor:
    x = as_input(input, op)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: expected a tensor of at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    offset = _offsets(rows, cols, x._array)  # column - row of every entry
    keep = offset <= diagonal if lower else offset >= diagonal
    return where(Tensor._make(keep), x, backend.zeros((), x.dtype).item())


def tril(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The lower triangle (on and below ``diagonal``), zeros above."""
    return write_out(out, _triangle(input, diagonal, True, "tril"), "tril")


def triu(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The upper triangle (on and above ``diagonal``), zeros below."""
    return write_out(out, _triangle(input, diagonal, False, "triu"), "triu")


def diag(input, diagonal: int = 0, *, out=None) -> Tensor:
    """A 1-D tensor's entries on the ``diagonal`` of a square matrix (zeros elsewhere),
    or a matrix's ``diagonal`` as a 1-D tensor."""
    return write_out(out, _diag(as_input(input, "diag"), diagonal), "diag")


def _diag(x: Tensor, diagonal: int) -> Tensor:
    k = diagonal
    if x.ndim == 2:
        n = max(0, min(x.shape[0] + min(k, 0), x.shape[1] - max(k, 0)))
        i = arange_on(x._array, n)
        return getitem(x, (i - min(k, 0), i + max(k, 0)))
    if x.ndim != 1:
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {tuple(x.shape)}")
    n = x.shape[0]
    m = n + abs(k)
    # row i (k >= 0) or column j (k < 0) of the result holds x[i] (x[j]) on the diagonal
    pos = np.clip(arange_on(x._array, m), 0, n - 1)
    spread = getitem(x, pos.reshape(m, 1) if k >= 0 else pos.reshape(1, m))
    return where(Tensor._make(_offsets(m, m, x._array) == k), spread,
                 backend.zeros((), x.dtype).item())


def broadcast_to(input, size) -> Tensor:
    """``expand`` to ``size``."""
    return expand(as_input(input, "broadcast_to"), tuple(size))


def swapaxes(input, axis0: int, axis1: int) -> Tensor:
    """``transpose`` under NumPy's name."""
    return transpose(input, axis0, axis1)


def movedim(input, source, destination) -> Tensor:
    """The dims ``source`` moved to the places ``destination``, the others in order."""
    x = as_input(input, "movedim")
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    n = x.ndim
    order = [None] * n
    for s, d in zip(src, dst):
        order[d % n] = s % n
    rest = iter(i for i in range(n) if i not in {s % n for s in src})
    return permute(x, tuple(o if o is not None else next(rest) for o in order))


def select(input, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (that dim removed)."""
    x = as_input(input, "select")
    d = normalize_dims(dim, x.ndim, "select")[0]
    return getitem(x, (slice(None),) * d + (int(index),))


def unbind(input, dim: int = 0) -> tuple:
    """Every slice along ``dim``, as a tuple."""
    x = as_input(input, "unbind")
    return tuple(select(x, dim, i) for i in range(x.shape[dim]))


def take_along_dim(input, indices, dim=None) -> Tensor:
    """``gather`` along ``dim`` (without dim: along the flattened tensor)."""
    x = as_input(input, "take_along_dim")
    return gather(x.reshape(-1), 0, indices.reshape(-1)) if dim is None else gather(x, dim,
                                                                                     indices)


def hstack(tensors) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    ts = [as_input(t, "hstack") for t in tensors]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join along dim 0, 1-D tensors as rows."""
    ts = [as_input(t, "vstack") for t in tensors]
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in ts], 0)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids of 1-D tensors (``indexing='xy'``: the first two swapped)."""
    ts = list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) \
        else list(tensors)
    n = len(ts)
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(ts):
        place = (1 - i if i < 2 else i) if indexing == "xy" and n >= 2 else i
        view = [1] * n
        view[place] = -1
        out.append(expand(reshape(t, view), shape))
    return tuple(out)


def diff(input, n: int = 1, dim: int = -1) -> Tensor:
    """The differences of neighbours along ``dim``, ``n`` times."""
    x = as_input(input, "diff")
    d = normalize_dims(dim, x.ndim, "diff")[0]
    for _ in range(n):
        k = x.shape[d]
        x = sub(_slice(x, d, 1, k), _slice(x, d, 0, k - 1))
    return x
