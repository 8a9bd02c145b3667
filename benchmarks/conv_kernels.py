"""Which NumPy kernel for conv2d? Forward and backward of the alternatives, float32, at the
layer sizes of LeNet-5 and of PyTorch's MNIST example network (batch 64), with PyTorch's
own convolution (oneDNN) at the same thread count for scale.

    python benchmarks/conv_kernels.py                    # 1 thread, 7 repetitions
    python benchmarks/conv_kernels.py --threads 1 2 --repeat 11 --json conv.json

Each thread count runs in a fresh worker process whose environment is set before NumPy
is imported (suite.py's ``benchmark_env``: BLAS thread variables, OpenBLAS free to pick
this processor's kernel). Every kernel is checked against the first one before it is
timed; the repetitions are interleaved (one round runs every kernel once) so that a
busy machine slows them all alike. Times are medians, in milliseconds, split into

    fwd     y = conv(x, w) + b, returning NCHW (what the kernel keeps for the backward
            is built here);
    bwd_w   dw and db from dy (all a first layer needs: its input needs no gradient);
    bwd_x   dx from dy (the column gradient and col2im, or a full correlation);
    step    fwd + bwd_w (+ bwd_x when the layer is not the first one).

Kernels (stride 1 here; the strided slicing of (a) is what general strides need):

    a   im2col as kh*kw strided copies into an (N, C, kh, kw, OH, OW) buffer, one batched
        matmul W(O, K) @ cols(N, K, L) giving (N, O, L) = NCHW directly; dw as a batched
        matmul dy(N, O, L) @ cols(N, K, L)^T summed over N; col2im as kh*kw slice-adds
    a-dw1  as a, but dw as one GEMM through tensordot (which copies cols to (K, N*L))
    a-fc  as a, but dx as the full correlation of the padded dy with the flipped kernel:
        im2col of dy and one batched matmul, no col2im (stride 1 only)
    a-flat  as a, on the padded width: each copy and slice-add is one contiguous run of
        OH*Wp values (not OH runs of OW); the GEMMs compute Wp - OW extra columns
    a-caffe  cols in (C, kh, kw, N, OH, OW): one GEMM W @ cols(K, N*L), then a transpose
        copy to NCHW (and dy transposed to (O, N*L) for the backward)
    b-td  sliding_window_view + tensordot (tensordot makes the column copy itself); dx as
        the full correlation of the padded dy with the flipped weights
    b-es  sliding_window_view + einsum(optimize=True), dx likewise
    c-nhwc  channels-last end to end: cols (N, OH, OW, kh, kw, C), one GEMM
        cols(N*L, K) @ W(K, O) giving NHWC, dw = cols^T @ dy, col2im slice-adds
    c-nchw  the same kernel behind an NCHW interface (transposes in and out)
    d   as a, col2im by np.add.at (the reference the issue measured at 2-3x slower)
    e-chwn  batch last: x as (C, H, W, N), cols (C, kh, kw, OH, OW, N), so that every copy
        and slice-add moves runs of OW*N values; one GEMM per product, giving (O, OH, OW,
        N); NCHW in and out, the four transposed copies counted
    reseau  the forward and VJP of reseau's conv2d op, on arrays (whatever it uses)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# name, (N, C, H, W), (O, kh, kw), padding, first layer (its input needs no gradient)
LAYERS = [
    ("lenet-c1", (64, 1, 28, 28), (6, 5, 5), 2, True),
    ("lenet-c2", (64, 6, 14, 14), (16, 5, 5), 0, False),
    ("example-c1", (64, 1, 28, 28), (32, 3, 3), 0, True),
    ("example-c2", (64, 32, 26, 26), (64, 3, 3), 0, False),
]
KERNELS = ["a", "a-dw1", "a-fc", "a-flat", "a-caffe", "b-td", "b-es", "c-nhwc", "c-nchw", "d",
           "e-chwn", "reseau"]


# ---------------------------------------------------------------- kernels (NumPy only)
def _np():
    import numpy as np

    return np


def pad(x, p, axes=(2, 3)):
    """Zero padding of the two spatial ``axes`` (np.pad is several times slower)."""
    np = _np()
    if p == 0:
        return x
    shape, inner = list(x.shape), [slice(None)] * x.ndim
    for a in axes:
        shape[a] += 2 * p
        inner[a] = slice(p, p + x.shape[a])
    out = np.zeros(shape, x.dtype)
    out[tuple(inner)] = x
    return out


def pad_nchw(x, p):
    return pad(x, p)


def im2col(xp, kh, kw, oh, ow, stride=1):
    """cols[n, c, i, j] = xp[n, c, i::stride, j::stride] (oh x ow): kh*kw strided copies."""
    np = _np()
    n, c = xp.shape[:2]
    cols = np.empty((n, c, kh, kw, oh, ow), xp.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + stride * (oh - 1) + 1:stride,
                                  j:j + stride * (ow - 1) + 1:stride]
    return cols


def col2im(gcols, padded_shape, stride=1):
    """The adjoint of im2col: kh*kw slice-adds into the padded input's gradient."""
    np = _np()
    _, _, kh, kw, oh, ow = gcols.shape
    gxp = np.zeros(padded_shape, gcols.dtype)
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + stride * (oh - 1) + 1:stride,
                j:j + stride * (ow - 1) + 1:stride] += gcols[:, :, i, j]
    return gxp


def col2im_add_at(gcols, padded_shape):
    np = _np()
    n, c, kh, kw, oh, ow = gcols.shape
    gxp = np.zeros(padded_shape, gcols.dtype)
    rows = (np.arange(kh)[:, None] + np.arange(oh)[None, :])[:, None, :, None]  # kh,1,oh,1
    cols = (np.arange(kw)[:, None] + np.arange(ow)[None, :])[None, :, None, :]  # 1,kw,1,ow
    np.add.at(gxp, (np.arange(n)[:, None, None, None, None, None],
                    np.arange(c)[None, :, None, None, None, None], rows, cols), gcols)
    return gxp


def unpad(gxp, p):
    return gxp if p == 0 else gxp[:, :, p:-p, p:-p]


class ConvA:
    """(a): NCHW im2col + batched matmul; ``dw_mode`` and ``col2im_fn`` give a-dw1 and d."""

    def __init__(self, dw_mode="batched", col2im_fn=col2im, dx_mode="col2im"):
        self.dw_mode, self.col2im_fn, self.dx_mode = dw_mode, col2im_fn, dx_mode

    def forward(self, x, w, b, p):
        np = _np()
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        oh, ow = h + 2 * p - kh + 1, wd + 2 * p - kw + 1
        xp = pad_nchw(x, p)
        cols = im2col(xp, kh, kw, oh, ow).reshape(n, c * kh * kw, oh * ow)
        y = np.matmul(w.reshape(o, -1), cols)
        y += b[:, None]
        return y.reshape(n, o, oh, ow), (cols, w, p, xp.shape)

    def backward(self, ctx, gy, need_w, need_x):
        np = _np()
        cols, w, p, xp_shape = ctx
        n, o = gy.shape[:2]
        gy2 = gy.reshape(n, o, -1)
        gw = gb = gx = None
        if need_w:
            gb = gy2.sum(0).sum(1)  # twice as fast as sum((0, 2)): the first sum is contiguous
            if self.dw_mode == "batched":
                gw = np.matmul(gy2, cols.transpose(0, 2, 1)).sum(0).reshape(w.shape)
            else:
                gw = np.tensordot(gy2, cols, axes=([0, 2], [0, 2])).reshape(w.shape)
        gx = None
        if need_x and self.dx_mode == "fullcorr":
            # dx = full correlation of dy with the flipped kernel (stride 1): the same
            # im2col and one batched matmul, no col2im
            c, kh, kw = w.shape[1:]
            gyp = pad_nchw(gy, kh - 1 - p)
            gcols = im2col(gyp, kh, kw, *gyp.shape[2:] - np.array([kh - 1, kw - 1]))
            wf = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(c, -1)
            gx = np.matmul(wf, gcols.reshape(n, o * kh * kw, -1))
            gx = gx.reshape(n, c, *gcols.shape[4:])
        elif need_x:
            gcols = np.matmul(w.reshape(o, -1).T, gy2)
            kh, kw = w.shape[2:]
            gcols = gcols.reshape(n, w.shape[1], kh, kw, gy.shape[2], gy.shape[3])
            gx = unpad(self.col2im_fn(gcols, xp_shape), p)
        return gw, gb, gx


class ConvFlat:
    """(a-flat): as a, but on the padded width (stride 1). Output pixel (r, q) and kernel
    offset (i, j) meet at flat index (r + i) * Wp + q + j of the padded image, so each of
    the kh*kw copies (and slice-adds) is one contiguous run of OH * Wp values per (n, c)
    instead of OH runs of OW; the price is Wp - OW extra output columns in every GEMM,
    dropped from y (and zero in dy, so they add nothing to dw and dx)."""

    def forward(self, x, w, b, p):
        np = _np()
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        hp, wp = h + 2 * p, wd + 2 * p
        oh, ow = hp - kh + 1, wp - kw + 1
        xf = np.zeros((n, c, hp * wp + kw - 1), x.dtype)  # kw - 1: the last run's tail
        xf[:, :, :hp * wp].reshape(n, c, hp, wp)[:, :, p:p + h, p:p + wd] = x
        cols = np.empty((n, c, kh, kw, oh * wp), x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = xf[:, :, i * wp + j:i * wp + j + oh * wp]
        cols = cols.reshape(n, c * kh * kw, oh * wp)
        y = np.matmul(w.reshape(o, -1), cols)
        y += b[:, None]
        y = np.ascontiguousarray(y.reshape(n, o, oh, wp)[:, :, :, :ow])
        return y, (cols, w, p, (hp, wp))

    def backward(self, ctx, gy, need_w, need_x):
        np = _np()
        cols, w, p, (hp, wp) = ctx
        n, o, oh, ow = gy.shape
        c, kh, kw = w.shape[1:]
        gyw = np.zeros((n, o, oh, wp), gy.dtype)
        gyw[:, :, :, :ow] = gy
        gyw = gyw.reshape(n, o, -1)
        gw = gb = gx = None
        if need_w:
            gb = gy.reshape(n, o, -1).sum(0).sum(1)
            gw = np.matmul(gyw, cols.transpose(0, 2, 1)).sum(0).reshape(w.shape)
        if need_x:
            gcols = np.matmul(w.reshape(o, -1).T, gyw).reshape(n, c, kh, kw, -1)
            gxf = np.zeros((n, c, hp * wp + kw - 1), gy.dtype)
            for i in range(kh):
                for j in range(kw):
                    gxf[:, :, i * wp + j:i * wp + j + oh * wp] += gcols[:, :, i, j]
            gx = gxf[:, :, :hp * wp].reshape(n, c, hp, wp)
            gx = unpad(gx, p)
        return gw, gb, gx


class ConvCaffe:
    """(a-caffe): cols as (C, kh, kw, N, OH, OW), one GEMM for each product."""

    def forward(self, x, w, b, p):
        np = _np()
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        oh, ow = h + 2 * p - kh + 1, wd + 2 * p - kw + 1
        xp = pad_nchw(x, p)
        cols = np.empty((c, kh, kw, n, oh, ow), x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = xp[:, :, i:i + oh, j:j + ow].transpose(1, 0, 2, 3)
        cols = cols.reshape(c * kh * kw, n * oh * ow)
        y = w.reshape(o, -1) @ cols
        y += b[:, None]
        y = np.ascontiguousarray(y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3))
        return y, (cols, w, p, xp.shape)

    def backward(self, ctx, gy, need_w, need_x):
        np = _np()
        cols, w, p, xp_shape = ctx
        n, o, oh, ow = gy.shape
        gyc = np.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(o, -1)
        gw = gb = gx = None
        if need_w:
            gb = gyc.sum(1)
            gw = (gyc @ cols.T).reshape(w.shape)
        if need_x:
            c, kh, kw = w.shape[1:]
            gcols = (w.reshape(o, -1).T @ gyc).reshape(c, kh, kw, n, oh, ow)
            gxp = np.zeros(xp_shape, gy.dtype)
            for i in range(kh):
                for j in range(kw):
                    gxp[:, :, i:i + oh, j:j + ow] += gcols[:, i, j].transpose(1, 0, 2, 3)
            gx = unpad(gxp, p)
        return gw, gb, gx


class ConvSWV:
    """(b): sliding_window_view with tensordot ("td") or einsum(optimize=True) ("es")."""

    def __init__(self, how):
        self.how = how

    def _windows(self, a):
        np = _np()
        return np.lib.stride_tricks.sliding_window_view(a, self.k, axis=(2, 3))

    def forward(self, x, w, b, p):
        np = _np()
        self.k = w.shape[2:]
        xp = pad_nchw(x, p)
        win = self._windows(xp)  # (N, C, OH, OW, kh, kw), a view
        if self.how == "td":
            y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, OH, OW, O)
            y += b
            y = np.ascontiguousarray(y.transpose(0, 3, 1, 2))
        else:
            y = np.einsum("nchwij,ocij->nohw", win, w, optimize=True)
            y += b[:, None, None]
        return y, (xp, w, p)

    def backward(self, ctx, gy, need_w, need_x):
        np = _np()
        xp, w, p = ctx
        win = self._windows(xp)
        gw = gb = gx = None
        if need_w:
            gb = gy.sum(0).sum((1, 2))
            if self.how == "td":
                gw = np.tensordot(gy, win, axes=([0, 2, 3], [0, 2, 3]))
            else:
                gw = np.einsum("nohw,nchwij->ocij", gy, win, optimize=True)
        if need_x:
            kh = w.shape[2]
            wflip = w[:, :, ::-1, ::-1]
            win2 = self._windows(pad_nchw(gy, kh - 1 - p))  # (N, O, H, W, kh, kw)
            if self.how == "td":
                gx = np.tensordot(win2, wflip, axes=([1, 4, 5], [0, 2, 3]))
                gx = np.ascontiguousarray(gx.transpose(0, 3, 1, 2))
            else:
                gx = np.einsum("nohwij,ocij->nchw", win2, wflip, optimize=True)
        return gw, gb, gx


class ConvNHWC:
    """(c): channels-last. ``nchw=True`` wraps it in NCHW in/out (the transposes count)."""

    def __init__(self, nchw):
        self.nchw = nchw

    def forward(self, x, w, b, p):
        np = _np()
        if self.nchw:
            x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        n, h, wd, c = x.shape
        o, _, kh, kw = w.shape
        oh, ow = h + 2 * p - kh + 1, wd + 2 * p - kw + 1
        wk = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(-1, o)  # (kh kw C, O)
        xp = pad(x, p, axes=(1, 2))
        cols = np.empty((n, oh, ow, kh, kw, c), x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, :, i, j] = xp[:, i:i + oh, j:j + ow]
        cols = cols.reshape(n * oh * ow, -1)
        y = cols @ wk
        y += b
        y = y.reshape(n, oh, ow, o)
        if self.nchw:
            y = np.ascontiguousarray(y.transpose(0, 3, 1, 2))
        return y, (cols, wk, w.shape, p, xp.shape)

    def backward(self, ctx, gy, need_w, need_x):
        np = _np()
        cols, wk, wshape, p, xp_shape = ctx
        if self.nchw:
            gy = np.ascontiguousarray(gy.transpose(0, 2, 3, 1))
        n, oh, ow, o = gy.shape
        _, c, kh, kw = wshape
        gy2 = gy.reshape(-1, o)
        gw = gb = gx = None
        if need_w:
            gb = gy2.sum(0)
            gw = np.ascontiguousarray((cols.T @ gy2).reshape(kh, kw, c, o).transpose(3, 2, 0, 1))
        if need_x:
            gcols = (gy2 @ wk.T).reshape(n, oh, ow, kh, kw, c)
            gxp = np.zeros(xp_shape, gy.dtype)
            for i in range(kh):
                for j in range(kw):
                    gxp[:, i:i + oh, j:j + ow] += gcols[:, :, :, i, j]
            gx = gxp if p == 0 else gxp[:, p:-p, p:-p]
            if self.nchw:
                gx = np.ascontiguousarray(gx.transpose(0, 3, 1, 2))
        return gw, gb, gx


class ConvCHWN:
    """(e-chwn): batch last. x as (C, H, W, N), cols (C, kh, kw, OH, OW, N): each copy and
    slice-add moves runs of OW*N contiguous values; one GEMM W(O, K) @ cols(K, OH*OW*N)
    per product, dw = dy(O, L*N) @ cols^T with no sum over the batch. ``nchw=True``: NCHW
    in and out (the transposed copies of x, y, dy and dx count)."""

    def __init__(self, nchw=True):
        self.nchw = nchw

    def forward(self, x, w, b, p):
        np = _np()
        if self.nchw:
            x = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
        c, h, wd, n = x.shape
        o, _, kh, kw = w.shape
        oh, ow = h + 2 * p - kh + 1, wd + 2 * p - kw + 1
        xp = pad(x, p, axes=(1, 2))
        cols = np.empty((c, kh, kw, oh, ow, n), x.dtype)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = xp[:, i:i + oh, j:j + ow]
        cols = cols.reshape(c * kh * kw, -1)
        y = w.reshape(o, -1) @ cols
        y += b[:, None]
        y = y.reshape(o, oh, ow, n)
        if self.nchw:
            y = np.ascontiguousarray(y.transpose(3, 0, 1, 2))
        return y, (cols, w, p, xp.shape)

    def backward(self, ctx, gy, need_w, need_x):
        np = _np()
        cols, w, p, xp_shape = ctx
        if self.nchw:
            gy = np.ascontiguousarray(gy.transpose(1, 2, 3, 0))
        o, oh, ow, n = gy.shape
        c, kh, kw = w.shape[1:]
        gy2 = gy.reshape(o, -1)
        gw = gb = gx = None
        if need_w:
            gb = gy2.sum(1)
            gw = (gy2 @ cols.T).reshape(w.shape)
        if need_x:
            gcols = (w.reshape(o, -1).T @ gy2).reshape(c, kh, kw, oh, ow, n)
            gxp = np.zeros(xp_shape, gy.dtype)
            for i in range(kh):
                for j in range(kw):
                    gxp[:, i:i + oh, j:j + ow] += gcols[:, i, j]
            gx = gxp if p == 0 else gxp[:, p:-p, p:-p]
            if self.nchw:
                gx = np.ascontiguousarray(gx.transpose(3, 0, 1, 2))
        return gw, gb, gx


class ConvReseau:
    """(reseau): the forward and VJP of reseau's conv2d op (src/reseau/ops/conv.py, on
    plain arrays: no graph, no Tensor), whatever kernels and layouts it uses."""

    class _Ctx:
        pass

    def forward(self, x, w, b, p):
        from reseau.ops.conv import Conv2d
        from reseau.ops.im2col import conv_out_size

        out_hw = tuple(conv_out_size(s, k, 1, p, p, 1) for s, k in zip(x.shape[2:],
                                                                      w.shape[2:]))
        ctx = self._Ctx()
        y = Conv2d.forward(ctx, x, w, b, stride=(1, 1), padding=(p, p), dilation=(1, 1),
                           groups=1, out_hw=out_hw, keep_cols=True)
        return y, ctx

    def backward(self, ctx, gy, need_w, need_x):
        from reseau.ops.conv import Conv2d

        ctx.needs_input_grad = (need_x, need_w, need_w)
        gx, gw, gb = Conv2d.vjp(ctx, gy)
        return gw, gb, gx

def make_kernel(name):
    return {
        "a": lambda: ConvA(),
        "a-dw1": lambda: ConvA(dw_mode="tensordot"),
        "a-flat": ConvFlat,
        "a-caffe": ConvCaffe,
        "b-td": lambda: ConvSWV("td"),
        "b-es": lambda: ConvSWV("es"),
        "c-nhwc": lambda: ConvNHWC(nchw=False),
        "c-nchw": lambda: ConvNHWC(nchw=True),
        "a-fc": lambda: ConvA(dx_mode="fullcorr"),
        "d": lambda: ConvA(col2im_fn=col2im_add_at),
        "e-chwn": ConvCHWN,
        "reseau": ConvReseau,
    }[name]()


# ---------------------------------------------------------------- measurement
def layer_data(shape, wshape, seed=0):
    np = _np()
    n, c, h, wd = shape
    o, kh, kw = wshape
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(c * kh * kw)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.uniform(-bound, bound, (o, c, kh, kw)).astype(np.float32)
    b = rng.uniform(-bound, bound, o).astype(np.float32)
    return x, w, b


def _to_layout(name, a):
    """NHWC kernels take and give channels-last activations."""
    return a.transpose(0, 2, 3, 1).copy() if name == "c-nhwc" else a


def _from_layout(name, a):
    return a.transpose(0, 3, 1, 2) if name == "c-nhwc" and a is not None else a


def check(layer, names):
    """Every kernel's y, dw, db, dx against kernel a's (float32, relative 1e-4)."""
    np = _np()
    _, shape, wshape, p, _ = layer
    x, w, b = layer_data(shape, wshape)
    gy = None
    ref = None
    for name in names:
        k = make_kernel(name)
        y, ctx = k.forward(_to_layout(name, x), w, b, p)
        y = _from_layout(name, y)
        if gy is None:
            gy = np.random.default_rng(1).standard_normal(y.shape, dtype=np.float32)
        gw, gb, gx = k.backward(ctx, _to_layout(name, gy), True, True)
        got = [y, gw, gb, _from_layout(name, gx)]
        if ref is None:
            ref = got
            continue
        for what, r, g in zip(("y", "dw", "db", "dx"), ref, got):
            scale = float(np.abs(r).max())
            err = float(np.abs(np.asarray(g) - r).max()) / scale
            if err > 1e-4:
                raise AssertionError(f"{layer[0]} kernel {name}: {what} off by {err:.2e}")


def _stamp():
    return time.perf_counter(), time.process_time()


def _summary(parts, scale=1e3) -> dict:
    """Medians of each part and of the step (the sum of the parts), for the wall clock and
    for the process's CPU time (the latter is what a kernel costs when the machine is
    shared: time spent waiting for a core is not counted; at one thread, on a quiet
    machine, the two agree)."""
    out = {}
    for clock, suffix in ((0, ""), (1, "_cpu")):
        for part, values in parts.items():
            out[part + suffix] = statistics.median(v[clock] for v in values) * scale
    out["step_min_cpu"] = min(v[1] for v in parts["step"]) * scale  # the least disturbed
    return out


def _diff(a, b):
    return b[0] - a[0], b[1] - a[1]


def time_numpy(layer, names, repeat):
    np = _np()
    _, shape, wshape, p, first = layer
    x, w, b = layer_data(shape, wshape)
    xs = {name: _to_layout(name, x) for name in names}
    kernels = {name: make_kernel(name) for name in names}
    gys = {}
    times = {name: {"fwd": [], "bwd_w": [], "bwd_x": [], "step": []} for name in names}
    for r in range(repeat + 1):  # the first round warms up and is dropped
        for name in names:
            k = kernels[name]
            t0 = _stamp()
            y, ctx = k.forward(xs[name], w, b, p)
            t1 = _stamp()
            if name not in gys:  # drawn once, outside the timed part
                gys[name] = np.random.default_rng(1).standard_normal(y.shape, dtype=np.float32)
                t1 = _stamp()
            gy = gys[name]
            k.backward(ctx, gy, True, False)
            t2 = _stamp()
            k.backward(ctx, gy, False, True)
            t3 = _stamp()
            del y, ctx
            if r:
                t = times[name]
                t["fwd"].append(_diff(t0, t1))
                t["bwd_w"].append(_diff(t1, t2))
                t["bwd_x"].append(_diff(t2, t3))
                parts = [t["fwd"][-1], t["bwd_w"][-1]] + ([] if first else [t["bwd_x"][-1]])
                t["step"].append(tuple(map(sum, zip(*parts))))
    return {name: _summary(t) for name, t in times.items()}


def time_torch(layer, repeat, threads):
    import torch

    torch.set_num_threads(threads)
    _, shape, wshape, p, first = layer
    x, w, b = (torch.from_numpy(a) for a in layer_data(shape, wshape))
    w.requires_grad_(True)
    b.requires_grad_(True)
    x.requires_grad_(not first)
    conv = torch.nn.functional.conv2d
    gy = None
    times = {"fwd": [], "step": []}
    for r in range(repeat + 1):
        t0 = _stamp()
        y = conv(x, w, b, padding=p)
        t1 = _stamp()
        if gy is None:
            gy = torch.randn(y.shape)
            t1 = _stamp()
        y.backward(gy)
        t2 = _stamp()
        w.grad = b.grad = x.grad = None
        if r:
            times["fwd"].append(_diff(t0, t1))
            times["step"].append(_diff(t0, t2))
    return _summary(times)


def worker(args):
    import numpy as np

    results = {"numpy": np.__version__, "layers": {}}
    for layer in LAYERS:
        if args.layers and layer[0] not in args.layers:
            continue
        check(layer, args.kernels)
        res = time_numpy(layer, args.kernels, args.repeat)
        if not args.no_torch:
            res["torch"] = time_torch(layer, args.repeat, args.threads)
        results["layers"][layer[0]] = res
    print(json.dumps(results))


def run_worker(threads, args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from suite import benchmark_env

    cmd = [sys.executable, __file__, "--worker", "--threads", str(threads),
           "--repeat", str(args.repeat), "--kernels", *args.kernels]
    if args.layers:
        cmd += ["--layers", *args.layers]
    if args.no_torch:
        cmd.append("--no-torch")
    proc = subprocess.run(cmd, env=benchmark_env(threads), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_table(threads, res) -> None:
    print(f"\nthreads {threads}, NumPy {res['numpy']}: median ms, wall clock [CPU time] "
          "(step = fwd + bwd_w, + bwd_x except for a first layer)")
    for lname, by_kernel in res["layers"].items():
        tt = by_kernel.get("torch")
        print(f"{lname}  (torch: fwd {tt['fwd']:.2f}, step {tt['step']:.2f} "
              f"[{tt['step_cpu']:.2f}, min {tt['step_min_cpu']:.2f}])" if tt else lname)
        for name, t in by_kernel.items():
            if name == "torch":
                continue
            ratio = (f"  x{t['step'] / tt['step']:.2f} [x{t['step_cpu'] / tt['step_cpu']:.2f}]"
                     " torch" if tt else "")
            print(f"  {name:8} fwd {t['fwd']:7.2f}  bwd_w {t['bwd_w']:7.2f}  "
                  f"bwd_x {t['bwd_x']:7.2f}  step {t['step']:7.2f} [{t['step_cpu']:7.2f}, "
                  f"min {t['step_min_cpu']:7.2f}]{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="*", default=[1])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--kernels", nargs="*", default=KERNELS, choices=KERNELS)
    parser.add_argument("--layers", nargs="*", help="a subset of " +
                        ", ".join(name for name, *_ in LAYERS))
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.threads = args.threads[0]
        return worker(args)
    all_res = {}
    for threads in args.threads:
        all_res[threads] = run_worker(threads, args)
        print_table(threads, all_res[threads])
    if args.json:
        Path(args.json).write_text(json.dumps(all_res, indent=2))


if __name__ == "__main__":
    main()
