"""The kernels behind the convolutions of ``ops/conv.py``: im2col, col2im and the three
matrix products of a grouped convolution. Plain functions on arrays, no graph; inputs and
results are NCHW, the columns come in one of two layouts.

Batch first (NCHW): the columns of an (N, C, H, W) input for a (kh, kw) kernel are an
(N, C, kh, kw, OH, OW) array, ``cols[n, c, i, j, p, q] = x[n, c, p*sh + i*dh - ph,
q*sw + j*dw - pw]`` (zero outside the input). Viewed as (N, G, C/G*kh*kw, OH*OW), one
batched matmul with the weight viewed as (G, O/G, C/G*kh*kw) gives (N, G, O/G, OH*OW),
already NCHW.

Batch last (``last=True``): the columns are (C, kh, kw, OH, OW, N), from a (C, H, W, N)
copy of the input. Each of the ``kh*kw`` strided copies (im2col) and slice-adds (col2im)
then moves runs of ``OW*N`` contiguous numbers instead of ``OW``, and each product is one
large matmul per group (the weight's gradient needs no sum over the batch); the price is
a transposed copy of the input, the output and their gradients. Measured on LeNet's and
PyTorch's MNIST example's layers: 2x faster for 10-wide outputs, 2x slower for 26-wide
ones (the transposes dominate), hence :func:`use_batch_last`.

``np.add.at`` was measured 2-3x slower than the slice-adds. im2col pads a copy of the
input (kh*kw times smaller than the columns) and fills an uninitialised buffer: zeroing
the columns to clip each window to the input cost LeNet-5's first layer a 5 MB memset
per step. col2im adds clipped windows into the unpadded gradient (no padded copy).

Every array is allocated by ``np.empty_like`` / ``np.zeros_like`` of an operand (the
operand's array module: NumPy, CuPy), never from the default device.

Workspace. The columns and their gradient are the largest arrays of a step (42 MB each
for the 32-to-64-channel layer of PyTorch's MNIST example at batch 64). Past 32 MB glibc
maps every allocation afresh and unmaps it when freed, so each step paid the page faults
of both (20 ms of system time in a 160 ms step). :func:`workspace` therefore keeps
NumPy buffers of 4 MB and more, a few per shape, and hands one out again only when no
one else holds a reference to it (the node that saved it was freed by backward, or never
kept it): what a step reads is never overwritten, ``retain_graph`` included. CuPy pools
device memory itself.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from math import prod
from threading import Lock

import numpy as np

__all__ = ["conv_out_size", "use_batch_last", "to_layout", "im2col", "col2im", "gemm",
           "gemm_t", "gemm_weight"]

#: outputs narrower than this use the batch-last layout
BATCH_LAST_BELOW = 16
#: NumPy buffers from this size on are kept for reuse, at most this many per shape
WORKSPACE_MIN_BYTES, WORKSPACE_PER_SHAPE = 1 << 22, 4

_workspace: dict = {}  # (shape, dtype) -> [arrays]
_workspace_lock = Lock()


def _refcounts(kept: list) -> list:
    """``sys.getrefcount`` of each array of ``kept``, always counted by this one line."""
    return [sys.getrefcount(buf) for buf in kept]


#: the count of an array that only its list holds, measured by the same code (the
#: interpreter's own references differ between Python versions: 3 on CPython 3.11)
_ONLY_KEPT = _refcounts([np.empty(0)])[0]  # host-side: a probe, never data


def workspace(like, shape):
    """An uninitialised C-ordered array of ``like``'s dtype and module: for a large
    NumPy one, a kept buffer that nothing else references any more, if there is one."""
    if type(like) is not np.ndarray or prod(shape) * like.itemsize < WORKSPACE_MIN_BYTES:
        return np.empty_like(like, order="C", shape=shape)
    key = (tuple(shape), like.dtype)
    with _workspace_lock:
        kept = _workspace.setdefault(key, [])
        for buf, count in zip(kept, _refcounts(kept)):
            if count == _ONLY_KEPT:
                return buf
        buf = np.empty_like(like, order="C", shape=shape)
        if len(kept) < WORKSPACE_PER_SHAPE:
            kept.append(buf)
        return buf


def clear_workspace() -> None:
    """Drop the kept buffers (they are freed once their last user lets go)."""
    with _workspace_lock:
        _workspace.clear()


def conv_out_size(size: int, k: int, stride: int, pad_lo: int, pad_hi: int,
                  dilation: int) -> int:
    """Output length of a convolution along one axis (may be < 1: the caller checks)."""
    return (size + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


def use_batch_last(out_w: int) -> bool:
    """The layout of the columns for an output (or transposed input) ``out_w`` wide."""
    return out_w < BATCH_LAST_BELOW


def to_layout(x, last: bool):
    """(N, ...) as it enters the kernels: a contiguous (..., N) copy when ``last``."""
    if not last:
        return x
    out = np.empty_like(x, order="C", shape=x.shape[1:] + x.shape[:1])
    out[...] = x.transpose(tuple(range(1, x.ndim)) + (0,))
    return out


def _from_layout(y, last: bool):
    """The inverse of :func:`to_layout`: a contiguous (N, ...) copy of (..., N)."""
    if not last:
        return y
    out = np.empty_like(y, order="C", shape=y.shape[-1:] + y.shape[:-1])
    out[...] = y.transpose((y.ndim - 1,) + tuple(range(y.ndim - 1)))
    return out


def _span(k: int, d: int, s: int, p: int, size: int, out: int):
    """For kernel offset ``k``: (input slice, output slice) of the output positions o
    with ``0 <= o*s + k*d - p < size``, or None when there are none."""
    off = k * d - p
    lo = max(0, -(off // s))  # ceil(-off / s)
    hi = min(out, (size - 1 - off) // s + 1)
    if hi <= lo:
        return None
    start = lo * s + off
    return slice(start, start + (hi - lo - 1) * s + 1, s), slice(lo, hi)


@lru_cache(maxsize=256)
def _windows(kernel, in_hw, out_hw, stride, padding, dilation, last):
    """((offset index, input index, output index, full), ...) for every kernel offset
    whose window meets the input; ``full``: the window covers the whole output. Cached:
    a network asks for the same few geometries at every step (80 us a call otherwise)."""
    lead = (slice(None),) if last else (slice(None), slice(None))  # axes before H, W
    rows = [_span(i, dilation[0], stride[0], padding[0], in_hw[0], out_hw[0])
            for i in range(kernel[0])]
    cols = [_span(j, dilation[1], stride[1], padding[1], in_hw[1], out_hw[1])
            for j in range(kernel[1])]
    out = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            if r is not None and c is not None:
                full = r[1].stop - r[1].start == out_hw[0] and c[1].stop - c[1].start == out_hw[1]
                out.append((lead + (i, j), lead + (r[0], c[0]), lead + (r[1], c[1]), full))
    return tuple(out)


def im2col(x, kernel, out_hw, stride, padding, dilation, last: bool = False):
    """The columns of ``x`` (N, C, H, W): (N, C, kh, kw, OH, OW), or (C, kh, kw, OH, OW, N)
    when ``last``; ``padding`` is the (top, left) padding (the bottom and right ones only
    shape ``out_hw``)."""
    x = to_layout(x, last)
    kh, kw = kernel
    lead = x.shape[:1] if last else x.shape[:2]
    tail = x.shape[-1:] if last else ()
    in_hw = x.shape[len(lead):len(lead) + 2]
    shape = lead + (kh, kw) + tuple(out_hw) + tail
    if kh == kw == 1 and stride == (1, 1) and padding == (0, 0) and in_hw == tuple(out_hw):
        return x.reshape(shape)  # a 1x1 convolution reads x as it is
    if padding != (0, 0):
        x, in_hw, padding = _padded(x, kernel, out_hw, stride, padding, dilation, last, shape)
    wins = _windows(kernel, in_hw, out_hw, stride, padding, dilation, last)
    cols = workspace(x, shape)
    if len(wins) < kh * kw or not all(f for *_, f in wins):
        cols.fill(0)  # some window is clipped (a stride longer than the kernel)
    for k, src, dst, _ in wins:
        cols[k][dst] = x[src]
    return cols


def _padded(x, kernel, out_hw, stride, padding, dilation, last, cols_shape):
    """x zero-padded as far as the windows reach, when that copy is smaller than the
    columns (a stride larger than the kernel reads less than the input); returns
    (x, its spatial size, the padding left to clip)."""
    axis = 1 if last else 2
    in_hw = x.shape[axis:axis + 2]
    reach = [(o - 1) * s + (k - 1) * d + 1 for o, s, k, d in zip(out_hw, stride, kernel, dilation)]
    size = [max(p + n, r) for p, n, r in zip(padding, in_hw, reach)]  # padded extent read
    shape = x.shape[:axis] + tuple(size) + x.shape[axis + 2:]
    if prod(shape) >= prod(cols_shape):
        return x, in_hw, padding
    xp = np.zeros_like(x, order="C", shape=shape)
    inner = (slice(None),) * axis + (slice(padding[0], padding[0] + in_hw[0]),
                                     slice(padding[1], padding[1] + in_hw[1]))
    xp[inner] = x
    return xp, tuple(size), (0, 0)


def col2im(cols, in_hw, stride, padding, dilation, last: bool = False):
    """The adjoint of :func:`im2col`: adds the columns back into a new (N, C, H, W)
    array, ``in_hw`` = (H, W)."""
    lead = cols.shape[:1] if last else cols.shape[:2]
    kernel = cols.shape[len(lead):len(lead) + 2]
    out_hw = cols.shape[len(lead) + 2:len(lead) + 4]
    out = np.zeros_like(cols, order="C",
                        shape=lead + tuple(in_hw) + (cols.shape[-1:] if last else ()))
    for k, src, dst, _ in _windows(kernel, in_hw, out_hw, stride, padding, dilation, last):
        out[src] += cols[k][dst]
    return _from_layout(out, last)


def gemm(w, cols, groups: int, bias=None, last: bool = False):
    """Weight (O, C/G, kh, kw) times the columns, plus ``bias`` (O,): (N, O, OH, OW)."""
    o = w.shape[0]
    w3 = w.reshape(groups, o // groups, -1)
    if last:
        z = (w3 @ cols.reshape(groups, w3.shape[2], -1)).reshape((o,) + cols.shape[3:])
        if bias is not None:
            z += bias.reshape(-1, 1, 1, 1)
        return _from_layout(z, True)
    n, oh, ow = cols.shape[0], cols.shape[-2], cols.shape[-1]
    z = (w3 @ cols.reshape(n, groups, -1, oh * ow)).reshape(n, o, oh, ow)
    if bias is not None:
        z += bias.reshape(-1, 1, 1)
    return z


def gemm_t(w, g, groups: int, last: bool = False):
    """The transposed product ``W^T @ g``: weight (O, C/G, kh, kw) and ``g`` (N, O, OH,
    OW), or (O, OH, OW, N) already in the batch-last layout, give the columns."""
    o = w.shape[0]
    wt = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)
    if last:
        g3 = g.reshape(groups, o // groups, -1)
        cols = np.matmul(wt, g3, out=workspace(g, (groups, wt.shape[1], g3.shape[2])))
        return cols.reshape((groups * w.shape[1],) + w.shape[2:] + g.shape[1:])
    n, oh, ow = g.shape[0], g.shape[2], g.shape[3]
    cols = np.matmul(wt, g.reshape(n, groups, o // groups, oh * ow),
                     out=workspace(g, (n, groups, wt.shape[1], oh * ow)))
    return cols.reshape((n, groups * w.shape[1]) + w.shape[2:] + (oh, ow))


def gemm_weight(g, cols, groups: int, w_shape, last: bool = False):
    """The weight's gradient ``sum over the batch of g @ cols^T``, of shape ``w_shape``
    (O, C/G, kh, kw); ``g`` as for :func:`gemm_t`."""
    o = w_shape[0]
    if last:
        g2 = g.reshape(groups, o // groups, -1)
        return (g2 @ cols.reshape(groups, -1, g2.shape[-1]).transpose(0, 2, 1)).reshape(w_shape)
    n = g.shape[0]
    g2 = g.reshape(n, groups, o // groups, -1)
    c2 = cols.reshape(n, groups, -1, g2.shape[-1])
    if n == 1:
        return (g2[0] @ c2[0].transpose(0, 2, 1)).reshape(w_shape)
    return (g2 @ c2.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w_shape)
