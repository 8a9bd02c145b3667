"""The kernels behind the convolutions of ``ops/conv.py``: im2col, col2im and the three
matrix products of a grouped convolution. Plain functions on arrays, no graph.

Layout. The columns of an (N, C, H, W) input for a (kh, kw) kernel are an
(N, C, kh, kw, OH, OW) array: ``cols[n, c, i, j, p, q] = x[n, c, p*sh + i*dh - ph,
q*sw + j*dw - pw]`` (zero outside the input). Viewed as (N, G, C/G*kh*kw, OH*OW), one
batched matmul with the weight viewed as (G, O/G, C/G*kh*kw) gives (N, G, O/G, OH*OW),
which is already NCHW: no transpose, no copy.

im2col is ``kh*kw`` strided copies (one per kernel offset); col2im, its adjoint, is
``kh*kw`` slice-adds (``np.add.at`` was measured 2-3x slower). Padding is never
materialised: each offset copies only the window that falls inside the input, into a
zeroed buffer when some window is clipped.
"""

from __future__ import annotations

from .. import backend

__all__ = ["conv_out_size", "im2col", "col2im", "gemm", "gemm_t", "gemm_weight"]


def conv_out_size(size: int, k: int, stride: int, pad_lo: int, pad_hi: int,
                  dilation: int) -> int:
    """Output length of a convolution along one axis (may be < 1: the caller checks)."""
    return (size + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


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


def _windows(kernel, in_hw, out_hw, stride, padding, dilation):
    """[(i, j, input index, output index, full)] for every kernel offset whose window
    meets the input; ``full``: the window covers the whole output."""
    rows = [_span(i, dilation[0], stride[0], padding[0], in_hw[0], out_hw[0])
            for i in range(kernel[0])]
    cols = [_span(j, dilation[1], stride[1], padding[1], in_hw[1], out_hw[1])
            for j in range(kernel[1])]
    out = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            if r is not None and c is not None:
                full = r[1].stop - r[1].start == out_hw[0] and c[1].stop - c[1].start == out_hw[1]
                out.append((i, j, (Ellipsis, r[0], c[0]), (Ellipsis, r[1], c[1]), full))
    return out


def im2col(x, kernel, out_hw, stride, padding, dilation):
    """The (N, C, kh, kw, OH, OW) columns of ``x`` (N, C, H, W); ``padding`` is the
    (top, left) padding (the bottom and right ones only shape ``out_hw``)."""
    n, c, h, w = x.shape
    kh, kw = kernel
    if kh == kw == 1 and stride == (1, 1) and padding == (0, 0) and (h, w) == tuple(out_hw):
        return x.reshape(n, c, 1, 1, h, w)  # a 1x1 convolution reads x as it is
    wins = _windows(kernel, (h, w), out_hw, stride, padding, dilation)
    alloc = backend.empty if len(wins) == kh * kw and all(f for *_, f in wins) else backend.zeros
    cols = alloc((n, c, kh, kw) + tuple(out_hw), x.dtype)
    for i, j, src, dst, _ in wins:
        cols[:, :, i, j][dst] = x[src]
    return cols


def col2im(cols, in_hw, stride, padding, dilation):
    """The adjoint of :func:`im2col`: adds the (N, C, kh, kw, OH, OW) columns back into
    a new (N, C, H, W) array, ``in_hw`` = (H, W)."""
    n, c, kh, kw, oh, ow = cols.shape
    out = backend.zeros((n, c) + tuple(in_hw), cols.dtype)
    for i, j, src, dst, _ in _windows((kh, kw), in_hw, (oh, ow), stride, padding, dilation):
        out[src] += cols[:, :, i, j][dst]
    return out


def gemm(w, cols, groups: int):
    """Weight (O, C/G, kh, kw) times columns (N, C, kh, kw, OH, OW): (N, O, OH, OW)."""
    n, oh, ow = cols.shape[0], cols.shape[-2], cols.shape[-1]
    o = w.shape[0]
    z = w.reshape(groups, o // groups, -1) @ cols.reshape(n, groups, -1, oh * ow)
    return z.reshape(n, o, oh, ow)


def gemm_t(w, g, groups: int):
    """The transposed product: weight (O, C/G, kh, kw) and g (N, O, OH, OW) give the
    columns (N, C, kh, kw, OH, OW) of ``W^T @ g``."""
    n, o, oh, ow = g.shape
    cg, kh, kw = w.shape[1:]
    wt = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)
    cols = wt @ g.reshape(n, groups, o // groups, oh * ow)
    return cols.reshape(n, groups * cg, kh, kw, oh, ow)


def gemm_weight(g, cols, groups: int, w_shape):
    """The weight's gradient ``sum_n g @ cols^T``: g (N, O, OH, OW) and columns
    (N, C, kh, kw, OH, OW) give an array of ``w_shape`` (O, C/G, kh, kw)."""
    n, o, oh, ow = g.shape
    g2 = g.reshape(n, groups, o // groups, oh * ow)
    c2 = cols.reshape(n, groups, -1, oh * ow)
    if n == 1:
        return (g2[0] @ c2[0].transpose(0, 2, 1)).reshape(w_shape)
    return (g2 @ c2.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w_shape)
