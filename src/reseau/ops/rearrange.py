"""Copies and rearrangements built from the shape ops, indexing and ``where`` (their
gradients come from those): repeat, tile, chunk, split, narrow, flip, roll, tril, triu,
diag."""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import write_out
from ._convert import as_input, normalize_dims, shape_arg
from .elementwise import where
from .shape import expand, getitem, reshape

__all__ = ["repeat", "tile", "chunk", "split", "narrow", "flip", "roll", "tril", "triu",
           "diag", "ravel"]


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
        x = getitem(x, (slice(None),) * d + ((np.arange(n) - s) % n,))
    return x


def _triangle(input, diagonal: int, lower: bool, op: str) -> Tensor:
    x = as_input(input, op)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: expected a tensor of at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    keep = (np.tri(rows, cols, diagonal, dtype=bool) if lower
            else ~np.tri(rows, cols, diagonal - 1, dtype=bool))
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
        i = np.arange(n)
        return getitem(x, (i - min(k, 0), i + max(k, 0)))
    if x.ndim != 1:
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {tuple(x.shape)}")
    n = x.shape[0]
    m = n + abs(k)
    # row i (k >= 0) or column j (k < 0) of the result holds x[i] (x[j]) on the diagonal
    pos = np.clip(np.arange(m), 0, n - 1)
    spread = getitem(x, pos.reshape(m, 1) if k >= 0 else pos.reshape(1, m))
    return where(Tensor._make(np.eye(m, k=k, dtype=bool)), spread,
                 backend.zeros((), x.dtype).item())
