"""Pooling primitives over the last two axes of an (N, C, H, W) input: max and average
pooling over sliding windows, their adaptive versions, and the 1-D forms through them.

PyTorch's semantics throughout: the output size ``floor((H + 2p - d(k-1) - 1) / s) + 1``
(rounded up with ``ceil_mode``, but the last window must start inside the input or the
left padding); max pooling pads with -inf and sends the gradient to ONE index per window,
the first maximum in window order (a NaN wins, as in PyTorch); the indices it returns are
flat positions in H*W. Adaptive windows run from ``floor(i H / OH)`` to
``ceil((i + 1) H / OH)``. Unbatched (C, H, W) inputs are accepted.

Max pooling is two ops: the window arg-max (no gradient), then the gather of the input at
those indices, whose VJP scatters ``g`` back. The windows are never copied: each kernel
tap is one strided view of the input, restricted to the outputs whose tap falls inside
the input (``_taps``), so padding costs nothing.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import arange_on
from ._convert import as_input
from .registry import apply, register

__all__ = [
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
    "max_pool1d", "avg_pool1d", "interpolate",
]


# ------------------------------------------------------------------ geometry
def _out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size along one axis."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window would start in the padding
        out -= 1
    return out


def _taps(size: int, out: int, k: int, s: int, p: int, d: int) -> list:
    """For each tap i of the kernel along one axis: (i, outputs o0:o1 whose position
    ``o s - p + i d`` falls inside [0, size), the strided input slice they read)."""
    taps = []
    for i in range(k):
        off = i * d - p  # input position of output 0's tap i
        o0 = max(0, -(off // s))  # first o with o s + off >= 0
        o1 = min(out, (size - 1 - off) // s + 1)
        if o1 > o0:
            h0 = o0 * s + off
            taps.append((i, slice(o0, o1), slice(h0, h0 + (o1 - o0 - 1) * s + 1, s)))
    return taps


def _tap_pairs(hw: tuple, geom: tuple) -> list:
    """The (i, j) taps of a 2-D window in row-major order: (i, j, output region, input
    view) with regions as (rows, cols) slices."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geom
    rows = _taps(hw[0], oh, kh, sh, ph, dh)
    cols = _taps(hw[1], ow, kw, sw, pw, dw)
    return [(i, j, (ro, co), (ri, ci)) for i, ro, ri in rows for j, co, ci in cols]


def _lowest(dtype):
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _track_max(best, idx, v, region, flat):
    """One tap of a running arg-max: where ``v`` beats ``best`` (or is NaN, which wins
    as in PyTorch), take its value and its flat index. Strict ``>``: ties keep the first."""
    b = best[(Ellipsis,) + region]
    m = v > b
    if v.dtype.kind == "f":
        m |= np.isnan(v)
    np.copyto(b, v, where=m)
    np.copyto(idx[(Ellipsis,) + region], flat, where=m)


def _window_max(x, taps, out_hw):
    """The max of each window, one strided view per kernel tap (NaN propagates)."""
    best = np.full_like(x, _lowest(x.dtype), order="C", shape=x.shape[:2] + tuple(out_hw))
    for _, _, region, (ri, ci) in taps:
        b = best[(Ellipsis,) + region]
        np.maximum(b, x[:, :, ri, ci], out=b)
    return best


def _plane_offsets(idx, hw: int):
    """Indices in H*W of each (n, c) plane made global (into the flattened input)."""
    n, c = idx.shape[:2]
    return idx + (arange_on(idx, n * c) * hw).reshape(n, c, *(1,) * (idx.ndim - 2))


def _take_planes(ctx, x, idx, unique):
    """x[n, c, idx[n, c, ...]] over the flattened H*W planes; saves what the VJP needs."""
    ctx.shape, ctx.unique = x.shape, unique
    ctx.flat = _plane_offsets(idx, x.shape[2] * x.shape[3])
    return x.ravel().take(ctx.flat)


def _scatter_planes(ctx, g):
    """The VJP of ``_take_planes``: g added back at the indices (put where no two outputs
    share an input, one bincount otherwise)."""
    size = int(np.prod(ctx.shape))
    if ctx.unique:
        gx = np.zeros_like(g, shape=size)
        gx[ctx.flat.ravel()] = g.ravel()
    else:
        gx = np.bincount(ctx.flat.ravel(), g.ravel(), size).astype(g.dtype, copy=False)
    return gx.reshape(ctx.shape), None


# ------------------------------------------------------------------ max pooling
@register("max_pool2d_indices", differentiable=False, saves_inputs=False)
class MaxPool2dIndices:
    """z = flat index in H*W of each window's first maximum (int64); not differentiable"""

    def forward(ctx, x, geom):
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geom
        taps = _tap_pairs((h, w), geom)
        best = _window_max(x, taps, (oh, ow))
        # the kernel position of the max: the smallest k whose value equals it (the first
        # tie), as min over taps of (k if hit else K), in arithmetic (copyto is slower)
        kk = kh * kw
        arg = np.full_like(best, kk, dtype=np.uint8 if kk < 256 else np.int64)
        for i, j, region, (ri, ci) in taps:
            hit = (x[:, :, ri, ci] == best[(Ellipsis,) + region]).view(np.uint8)
            a = arg[(Ellipsis,) + region]
            np.minimum(a, kk - hit * (kk - i * kw - j) if kk < 256 else
                       np.where(hit, i * kw + j, kk), out=a)
        if best.dtype.kind == "f" and np.isnan(best).any():  # PyTorch: the last NaN wins
            for i, j, region, (ri, ci) in taps:
                np.copyto(arg[(Ellipsis,) + region], i * kw + j, where=np.isnan(x[:, :, ri, ci]))
        offsets = (arange_on(x, kh)[:, None] * (dh * w) + arange_on(x, kw) * dw).ravel()
        origin = (arange_on(x, oh) * sh - ph)[:, None] * w + (arange_on(x, ow) * sw - pw)
        return offsets.take(arg) + origin


def _tiles(geom, hw) -> bool:
    """Whether the windows tile the input of spatial size ``hw``: kernel = stride, no
    padding, no dilation (PyTorch's ``MaxPool2d(k)``), none past the edge (ceil_mode)."""
    (kh, kw), stride, padding, dilation, (oh, ow) = geom
    return (stride == (kh, kw) and padding == (0, 0) and dilation == (1, 1)
            and kh * oh <= hw[0] and kw * ow <= hw[1])


def _tile_views(x, geom) -> list:
    """The kh*kw strided views of x (N, C, H, W), one per window tap in row-major order:
    view t holds tap t of every window, in the output's shape."""
    (kh, kw), _, _, _, (oh, ow) = geom
    return [x[:, :, i:i + kh * (oh - 1) + 1:kh, j:j + kw * (ow - 1) + 1:kw]
            for i in range(kh) for j in range(kw)]


def _tiled_max(x, geom):
    """The max of each tiling window: one running maximum over the tap views."""
    views = _tile_views(x, geom)
    if len(views) == 1:
        return views[0].copy()
    out = np.maximum(views[0], views[1])
    for v in views[2:]:
        np.maximum(out, v, out=out)
    return out


def _tiled_grad(x, z, g, geom):
    """g sent to each window's first maximum, tap by tap: the taps equal to the max and
    not taken by an earlier tap (``free`` marks the windows still untaken); the last tap
    takes what is left. Needs a NaN-free ``z`` and a finite ``g`` (``g * 0`` must be 0)."""
    views = _tile_views(x, geom)
    (kh, kw), _, _, _, (oh, ow) = geom
    tiled = x.shape[2] == kh * oh and x.shape[3] == kw * ow
    gx = (np.empty_like if tiled else np.zeros_like)(x)
    out = _tile_views(gx, geom)
    hit = free = None
    for v, o in zip(views[:-1], out[:-1]):
        if free is None:
            hit = v == z
            free = ~hit
        else:
            np.equal(v, z, out=hit)
            hit &= free
            free ^= hit  # hit is inside free: this clears it
        np.multiply(g, hit, out=o)
    np.multiply(g, free if free is not None else True, out=out[-1])
    return gx


@register("max_pool2d")
class MaxPool2d:
    """z = x at the index of each window's first maximum (fixed or adaptive windows);
    dx = g sent to that one index (summed where windows share it)"""

    def forward(ctx, x, idx=None, unique=True, geom=None):
        if idx is not None:
            ctx.geom = None
            return _take_planes(ctx, x, idx, unique)
        # windows tiling the input (no indices asked for): the max of the tap views; the
        # first maximum is found in the VJP, from x and z (3-4x faster than the indices)
        z = _tiled_max(x, geom)
        ctx.x, ctx.z, ctx.geom = x, z, geom
        return z

    def vjp(ctx, g):
        if ctx.geom is None:
            return _scatter_planes(ctx, g)
        x, z, geom = ctx.x, ctx.z, ctx.geom
        # one sum each tells that g and z are finite (an overflow only sends a finite
        # case the slow way): else a NaN window (the last NaN wins) or an infinite
        # gradient (inf * 0 is NaN) go through the indices and one scatter, as the
        # general path
        if x.dtype.kind != "f":
            return (_tiled_grad(x, z, g, geom),)
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, an overflow
            finite = np.isfinite(g.sum() + z.sum())
        if finite:
            return (_tiled_grad(x, z, g, geom),)
        idx = MaxPool2dIndices.forward(None, x, geom)
        ctx.shape, ctx.unique = x.shape, True
        ctx.flat = _plane_offsets(idx, x.shape[2] * x.shape[3])
        return (_scatter_planes(ctx, g)[0],)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False, *,
               _name: str = "max_pool2d"):
    """Max pooling over (kH, kW) windows of an (N, C, H, W) or (C, H, W) input, padded
    with -inf; ``stride`` defaults to the kernel. With ``return_indices``: ``(output,
    indices)``, the indices flat in H*W (as ``F.max_unpool2d`` wants them)."""
    x, batched = _batched(input, _name, 2)
    geom = _geometry(x, _name, kernel_size, stride, padding, dilation, ceil_mode)
    if not return_indices and _tiles(geom, x.shape[2:]):
        out = apply(MaxPool2d, x, geom=geom)
        return out if batched else out.squeeze(0)
    idx = apply(MaxPool2dIndices, x, geom=geom)
    (kh, kw), (sh, sw), _, (dh, dw), _ = geom
    unique = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1  # windows never overlap
    out = apply(MaxPool2d, x, idx, unique=unique)
    if not batched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


@register("adaptive_max_pool2d_indices", differentiable=False, saves_inputs=False)
class AdaptiveMaxPool2dIndices:
    """z = flat index in H*W of each adaptive window's first maximum (int64);
    not differentiable"""

    def forward(ctx, x, out_size):
        n, c, h, w = x.shape
        (r0, r1), (c0, c1) = (_adaptive_bounds(h, out_size[0], x),
                              _adaptive_bounds(w, out_size[1], x))
        shape = (n, c) + tuple(out_size)
        best = np.full_like(x, _lowest(x.dtype), order="C", shape=shape)
        idx = np.empty_like(x, order="C", shape=shape, dtype=np.int64)
        idx[...] = r0[:, None] * w + c0[None, :]
        everywhere = (slice(None), slice(None))
        # a window shorter than the longest repeats its last entry (no change: strict >)
        for i in range(int((r1 - r0).max())):
            rows = np.minimum(r0 + i, r1 - 1)[:, None]
            for j in range(int((c1 - c0).max())):
                cols = np.minimum(c0 + j, c1 - 1)[None, :]
                _track_max(best, idx, x[:, :, rows, cols], everywhere, rows * w + cols)
        return idx


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False, *,
                        _name: str = "adaptive_max_pool2d"):
    """Max pooling to a fixed (OH, OW) output (int, pair, None keeps the input size);
    with ``return_indices``, ``(output, indices)`` flat in H*W."""
    x, batched = _batched(input, _name, 2)
    size = _adaptive_size(x, output_size, _name)
    idx = apply(AdaptiveMaxPool2dIndices, x, out_size=size)
    unique = all(bool((s[1:] >= e[:-1]).all())
                 for s, e in (_adaptive_bounds(n, o) for n, o in zip(x.shape[2:], size)))
    out = apply(MaxPool2d, x, idx, unique=unique)  # the same gather
    if not batched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


# ------------------------------------------------------------------ average pooling
@register("avg_pool2d", saves_inputs=False)
class AvgPool2d:
    """z = (sum of x over each window) / divisor;
    dx = g / divisor added back over each window"""

    def forward(ctx, x, geom, divisor):
        n, c, h, w = x.shape
        oh, ow = geom[4]
        ctx.taps, ctx.shape, ctx.divisor = _tap_pairs((h, w), geom), x.shape, divisor
        out = np.zeros_like(x, order="C", shape=(n, c, oh, ow))
        for _, _, (ro, co), (ri, ci) in ctx.taps:
            out[:, :, ro, co] += x[:, :, ri, ci]
        out /= divisor
        return out

    def vjp(ctx, g):
        gd = g / ctx.divisor
        gx = np.zeros_like(g, order="C", shape=ctx.shape)
        for _, _, (ro, co), (ri, ci) in ctx.taps:
            gx[:, :, ri, ci] += gd[:, :, ro, co]
        return (gx,)


def _window_counts(size: int, out: int, k: int, s: int, p: int, include_pad: bool, like):
    """Entries of each window along one axis, as PyTorch's avg_pool2d counts them (with
    ``count_include_pad``, the padding counts but not what ceil_mode adds beyond it); on
    the device of the array ``like``."""
    start = arange_on(like, out) * s - p
    end = np.minimum(start + k, size + p)
    if not include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return end - start


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None, *,
               _name: str = "avg_pool2d") -> Tensor:
    """Average pooling over (kH, kW) windows of an (N, C, H, W) or (C, H, W) input,
    zero-padded; the divisor counts the padding with ``count_include_pad``, or is
    ``divisor_override`` when given."""
    x, batched = _batched(input, _name, 2, floating=True)
    geom = _geometry(x, _name, kernel_size, stride, padding, 1, ceil_mode)
    (kh, kw), (sh, sw), (ph, pw), _, (oh, ow) = geom
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{_name}: divisor_override must not be 0")
        divisor = x.dtype.type(divisor_override)  # a NumPy scalar: every device takes it
    else:
        h, w = x.shape[2:]
        rows = _window_counts(h, oh, kh, sh, ph, count_include_pad, x._array)
        cols = _window_counts(w, ow, kw, sw, pw, count_include_pad, x._array)
        divisor = (rows[:, None] * cols[None, :]).astype(x.dtype)
    out = apply(AvgPool2d, x, geom=geom, divisor=divisor)
    return out if batched else out.squeeze(0)


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_bounds(size: int, out: int, like=None):
    """PyTorch's adaptive windows along one axis: [floor(i size / out),
    ceil((i + 1) size / out)), on the device of the array ``like`` (None: the host)."""
    i = backend.arange(out) if like is None else arange_on(like, out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _averaging_matrix(size: int, out: int, like):
    """The (out, size) matrix whose row i averages adaptive window i, of the dtype and
    on the device of the array ``like``."""
    start, end = _adaptive_bounds(size, out, like)
    pos = arange_on(like, size)
    inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(like.dtype)


@register("adaptive_avg_pool2d", saves_inputs=False)
class AdaptiveAvgPool2d:
    """z = A_h x A_w^T, A the averaging matrices of the windows;
    dx = A_h^T g A_w"""

    def forward(ctx, x, a_h, a_w):
        ctx.a_h, ctx.a_w = a_h, a_w
        return a_h @ x @ a_w.T

    def vjp(ctx, g):
        return (ctx.a_h.T @ g @ ctx.a_w,)


def adaptive_avg_pool2d(input: Tensor, output_size, *,
                        _name: str = "adaptive_avg_pool2d") -> Tensor:
    """Average pooling to a fixed (OH, OW) output (an int for both; None keeps that
    axis's input size), from an (N, C, H, W) or (C, H, W) input."""
    x, batched = _batched(input, _name, 2, floating=True)
    oh, ow = _adaptive_size(x, output_size, _name)
    h, w = x.shape[2:]
    out = apply(AdaptiveAvgPool2d, x, a_h=_averaging_matrix(h, oh, x._array),
                a_w=_averaging_matrix(w, ow, x._array))
    return out if batched else out.squeeze(0)


# ------------------------------------------------------------------ 1-D, through 2-D
def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False, *,
               _name: str = "max_pool1d"):
    """Max pooling over windows of the last axis of an (N, C, L) or (C, L) input; the
    indices are positions in L."""
    return _pool1d(max_pool2d, input, _name, kernel_size, stride, padding,
                   (1, _one(dilation, _name, "dilation")), ceil_mode, return_indices)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, *, _name: str = "avg_pool1d") -> Tensor:
    """Average pooling over windows of the last axis of an (N, C, L) or (C, L) input."""
    return _pool1d(avg_pool2d, input, _name, kernel_size, stride, padding, ceil_mode,
                   count_include_pad)


def _pool1d(pool2d, input, name: str, kernel_size, stride, padding, *args):
    """A 1-D pooling as the 2-D one on a unit height: (N, C, L) seen as (N, C, 1, L)."""
    x = _rank(input, name, 1)
    k = (1, _one(kernel_size, name, "kernel_size"))
    s = None if stride is None else (1, _one(stride, name, "stride"))
    try:
        out = pool2d(x.unsqueeze(-2), k, s, (0, _one(padding, name, "padding")), *args,
                     _name=name)
    except (ValueError, TypeError) as e:  # say how the 2-D shapes of the message arose
        raise type(e)(f"{e} (the {x.ndim}-D input of shape {tuple(x.shape)} is pooled as "
                      f"{x.shape[:-1] + (1, x.shape[-1])}, with a unit height)") from None
    return tuple(o.squeeze(-2) for o in out) if isinstance(out, tuple) else out.squeeze(-2)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None) -> Tensor:
    """Resize the spatial axes of an (N, C, L), (N, C, H, W) or (N, C, D, H, W) input
    (``mode="nearest"`` only): output entry o reads input ``floor(o * scale)`` (in
    float32, as PyTorch), scale = in / out for ``size`` or ``recompute_scale_factor``,
    1 / ``scale_factor`` otherwise. The gradient goes through indexing (summed over the
    copies)."""
    x = as_input(input, "interpolate")
    if mode != "nearest" or align_corners is not None:
        raise NotImplementedError(f"interpolate: only mode='nearest' (without align_corners) "
                                  f"is implemented, got mode={mode!r}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D (N, C, ...) input, got "
                         f"shape {tuple(x.shape)}")
    dims = x.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    sizes = size if size is not None else scale_factor
    sizes = tuple(sizes) if isinstance(sizes, (tuple, list)) else (sizes,) * len(dims)
    if len(sizes) != len(dims):
        raise ValueError(f"interpolate: {len(sizes)} sizes or scale factors for "
                         f"{len(dims)} spatial axes (input shape {tuple(x.shape)})")
    index = [slice(None), slice(None)]
    for axis, (n, v) in enumerate(zip(dims, sizes)):
        out = int(v) if size is not None else int(np.floor(n * v))
        if out < 1:
            raise ValueError(f"interpolate: output size {out} along spatial axis {axis} must "
                             f"be positive (input shape {tuple(x.shape)})")
        exact = size is not None or recompute_scale_factor
        scale = np.float32(n / out if exact else 1.0 / v)
        pos = arange_on(x._array, out).astype(np.float32) * scale
        src = np.minimum(np.floor(pos).astype(np.int64), n - 1)
        index.append(src.reshape((-1,) + (1,) * (len(dims) - 1 - axis)))
    return x[tuple(index)]


# ------------------------------------------------------------------ argument checks
def _one(v, name: str, arg: str) -> int:
    """An int, or a sequence of one int (PyTorch's 1-D arguments)."""
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"{name}: {arg} must be an int or a tuple of 1 int, got {v!r}")
        v = v[0]
    return int(v)


def _pair(v, name: str, arg: str) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            v = (v[0], v[0])
        if len(v) != 2:
            raise ValueError(f"{name}: {arg} must be an int or a pair of ints, got {v!r}")
        return int(v[0]), int(v[1])
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name}: {arg} must be an int or a pair of ints, got {v!r}")
    return int(v), int(v)


def _rank(input, name: str, spatial: int) -> Tensor:
    """``input`` as a tensor of rank spatial + 1 or spatial + 2, or a clear error."""
    x = as_input(input, name)
    if x.ndim not in (spatial + 1, spatial + 2):
        axes = "H, W" if spatial == 2 else "L"
        raise ValueError(
            f"{name}: expected a {spatial + 2}-D input (N, C, {axes}) or an unbatched "
            f"{spatial + 1}-D input (C, {axes}), got shape {tuple(x.shape)}")
    if any(s == 0 for s in x.shape[-spatial - 1:]):
        raise ValueError(f"{name}: expected non-empty channel and spatial axes, got input "
                         f"shape {tuple(x.shape)}")
    return x


def _batched(input, name: str, spatial: int, floating: bool = False) -> tuple[Tensor, bool]:
    x = _rank(input, name, spatial)
    if floating and x.dtype.kind != "f":
        raise TypeError(f"{name}: averaging needs a floating-point input, got dtype {x.dtype} "
                        f"(shape {tuple(x.shape)}); convert it with x.float()")
    return (x, True) if x.ndim == spatial + 2 else (x.unsqueeze(0), False)


def _geometry(x: Tensor, name, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """((kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow)) after PyTorch's checks."""
    k = _pair(kernel_size, name, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pair(stride, name, "stride")
    p, d = _pair(padding, name, "padding"), _pair(dilation, name, "dilation")
    for arg, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if min(v) <= 0:
            raise ValueError(f"{name}: {arg} must be positive, got {v}")
    if min(p) < 0 or p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{name}: padding {p} must be at least 0 and at most half the "
                         f"kernel size {k} (as PyTorch requires); use a larger kernel or "
                         f"less padding")
    h, w = x.shape[2:]
    out = tuple(_out_size(n, *a, bool(ceil_mode)) for n, a in zip((h, w), zip(k, s, p, d)))
    if min(out) < 1:
        raise ValueError(
            f"{name}: the input of spatial size {(h, w)} (shape {tuple(x.shape)}), padded by "
            f"{p}, is smaller than the kernel {k} with dilation {d}: the output would be "
            f"{out}; use a smaller kernel or a larger input")
    for axis, (n, o, kk, ss, pp, dd) in enumerate(zip((h, w), out, k, s, p, d)):
        if dd > 1 and _empty_window(n, o, kk, ss, pp, dd):
            raise ValueError(  # PyTorch returns -inf with an out-of-range index there
                f"{name}: with dilation {d} and padding {p}, a window along spatial axis "
                f"{axis} holds only padding (input shape {tuple(x.shape)}, kernel {k}); "
                f"use less padding or dilation")
    return k, s, p, d, out


def _empty_window(size: int, out: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether some window along one axis has no position inside the input."""
    hit = backend.zeros(out, bool)
    for _, o, _ in _taps(size, out, k, s, p, d):
        hit[o] = True
    return not bool(hit.all())


def _adaptive_size(x: Tensor, output_size, name: str) -> tuple[int, int]:
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) != 2:
        raise ValueError(f"{name}: output_size must be an int or a pair, got {output_size!r}")
    size = tuple(int(n) if o is None else int(o) for o, n in zip(size, x.shape[2:]))
    if min(size) < 1:
        raise ValueError(f"{name}: output_size must be positive, got {output_size!r}")
    return size
