"""Convolution primitives with PyTorch's semantics: ``conv2d``, its adjoint
``conv_transpose2d``, and the column transforms ``unfold`` (im2col) and ``fold``
(col2im); ``conv1d`` is ``conv2d`` on a unit height. The array kernels (im2col, col2im,
the grouped matmuls) are in ``im2col.py``; this file holds the ops and the checks of
their arguments.

Geometry along one axis: ``out = (size + pad_lo + pad_hi - dilation*(k - 1) - 1) //
stride + 1``; ``padding="same"`` pads ``dilation*(k - 1)`` in all, the extra one at the
end (as PyTorch), and needs stride 1.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import promote_float
from ..tensor import Tensor
from .im2col import (
    col2im, conv_out_size, gemm, gemm_t, gemm_weight, im2col, to_layout, use_batch_last,
)
from .registry import apply, register

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "unfold", "fold"]


# ------------------------------------------------------------------ arguments
def _pair(v, what: str, name: str, low: int = 1) -> tuple[int, int]:
    """``v`` (an int or a pair of ints, each >= ``low``) as a pair."""
    vals = (v, v) if isinstance(v, (int, np.integer)) else tuple(v) \
        if isinstance(v, (tuple, list)) else None
    if vals is None or len(vals) != 2 or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= low
            for a in vals):
        bound = "positive" if low == 1 else "non-negative"
        raise ValueError(f"{name}: {what} must be a {bound} int or a pair of them, got {v!r}")
    return int(vals[0]), int(vals[1])


def _padding(padding, kernel, stride, dilation, name: str) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair, "valid" or "same"."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise ValueError(f"{name}: padding must be an int, a pair, 'same' or 'valid', "
                             f"got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{name}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride}); give the padding as numbers")
        th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
        return th // 2, th - th // 2, tw // 2, tw - tw // 2
    ph, pw = _pair(padding, "padding", name, low=0)
    return ph, ph, pw, pw


def _operands(x: Tensor, w: Tensor, bias, name: str, in_dim: int, groups):
    """Check the shapes of a 2-D convolution's operands (``in_dim``: the weight axis of
    the input channels, 1 for conv2d, 0 for conv_transpose2d) and convert integer
    inputs to the weight's dtype. Returns (x as 4-D, unbatched?, x)."""
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    if w.ndim != 4:
        raise ValueError(f"{name}: weight must be 4-D, got shape {tuple(w.shape)}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{name}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got shape {tuple(x.shape)}")
    unbatched = x.ndim == 3
    x4 = x.reshape((1,) + x.shape) if unbatched else x
    channels = w.shape[1] * groups if in_dim == 1 else w.shape[0]
    if x4.shape[1] != channels:
        raise ValueError(f"{name}: input has {x4.shape[1]} channels but the layer expects "
                         f"{channels} (input shape {x._array.shape}, weight shape"
                         f" {w._array.shape})")
    o = w.shape[0] if in_dim == 1 else w.shape[1] * groups
    if w.shape[0] % groups:
        raise ValueError(f"{name}: weight shape {tuple(w.shape)}: {w.shape[0]} channels are not "
                         f"divisible by groups={groups}")
    if bias is not None and bias.shape != (o,):
        raise ValueError(f"{name}: bias must have shape ({o},), got {tuple(bias.shape)}")
    if x4.dtype is not w.dtype and promote_float(x4.dtype, w.dtype) is w.dtype:
        x4 = x4.to(w.dtype)  # integer or bool inputs (pixels) meet float weights
    return x4, unbatched


def _too_small(name, shape, kernel, dilation, pads):
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    return ValueError(
        f"{name}: input of shape {tuple(shape)} is smaller than the kernel: {tuple(kernel)} "
        f"with dilation {dilation} spans {eff}, the padded input is "
        f"({shape[-2] + pads[0] + pads[1]}, {shape[-1] + pads[2] + pads[3]}); "
        "use a larger input, more padding or a smaller kernel")


def _bias_grad(g):
    """The sum of g (N, O, OH, OW) over N, OH, OW; summing the batch first runs over
    contiguous memory (measured 2x faster than ``g.sum(axis=(0, 2, 3))``)."""
    return g.reshape(g.shape[0], g.shape[1], -1).sum(axis=0).sum(axis=1)


# ------------------------------------------------------------------ conv2d
@register("conv2d")
class Conv2d:
    """z = W @ im2col(x) + b, i.e. z[n,o,p,q] = sum W[o,c,i,j] x[n,c,p*s+i*d-pad,q*s+j*d-pad];
    dx = col2im(W^T @ g), dW = sum over n of g @ im2col(x)^T, db = sum of g over n, p, q"""

    def forward(ctx, x, w, b=None, *, stride, padding, dilation, groups, out_hw, keep_cols):
        last = use_batch_last(out_hw[1])  # the layout of the columns (im2col.py)
        cols = im2col(x, w.shape[2:], out_hw, stride, padding, dilation, last)
        # the columns are needed only for the weight's gradient
        ctx.w, ctx.cols = w, cols if keep_cols else None
        ctx.geom = (x.shape[2:], stride, padding, dilation, groups, last)
        return gemm(w, cols, groups, b, last)

    def vjp(ctx, g):
        needs = ctx.needs_input_grad
        w, (in_hw, stride, padding, dilation, groups, last) = ctx.w, ctx.geom
        gx = gw = gb = None
        gl = to_layout(g, last) if needs[0] or needs[1] else None
        if needs[1]:
            gw = gemm_weight(gl, ctx.cols, groups, w.shape, last)
        if needs[0]:
            gx = col2im(gemm_t(w, gl, groups, last), in_hw, stride, padding, dilation, last)
        if len(needs) == 3 and needs[2]:
            gb = _bias_grad(g)
        return gx, gw, gb


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1, *, name: str = "conv2d") -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of an (N, C, H, W) input, or an
    unbatched (C, H, W) one, with a weight (O, C/groups, kh, kw): (N, O, OH, OW).

    ``padding``: int, pair, ``"valid"`` (none) or ``"same"`` (output as large as the
    input; stride 1 only); zeros are padded. ``name`` is the layer named in errors.
    """
    x, unbatched = _operands(input, weight, bias, name, 1, groups)
    kernel = weight.shape[2:]
    stride = _pair(stride, "stride", name)
    dilation = _pair(dilation, "dilation", name)
    pads = _padding(padding, kernel, stride, dilation, name)
    out_hw = tuple(conv_out_size(x.shape[2 + a], kernel[a], stride[a], pads[2 * a],
                                 pads[2 * a + 1], dilation[a]) for a in (0, 1))
    if min(out_hw) < 1:
        raise _too_small(name, input.shape, kernel, dilation, pads)
    args = (x, weight) if bias is None else (x, weight, bias)
    z = apply(Conv2d, *args, stride=stride, padding=(pads[0], pads[2]), dilation=dilation,
              groups=int(groups), out_hw=out_hw, keep_cols=weight.requires_grad)
    return z.reshape(z.shape[1:]) if unbatched else z


# ------------------------------------------------------------------ conv_transpose2d
@register("conv_transpose2d")
class ConvTranspose2d:
    """z = col2im(W^T @ x) + b (the VJP of conv2d with respect to its input);
    dx = W @ im2col(g) (conv2d of g), dW = sum over n of x @ im2col(g)^T, db = sum of g"""

    def forward(ctx, x, w, b=None, *, stride, padding, dilation, groups, out_hw):
        last = use_batch_last(x.shape[3])  # the layout of the columns (im2col.py)
        cols = gemm_t(w, to_layout(x, last), groups, last)
        z = col2im(cols, out_hw, stride, padding, dilation, last)
        if b is not None:
            z += b.reshape(-1, 1, 1)
        ctx.x, ctx.w, ctx.geom = x, w, (stride, padding, dilation, groups, last)
        return z

    def vjp(ctx, g):
        needs = ctx.needs_input_grad
        x, w, (stride, padding, dilation, groups, last) = ctx.x, ctx.w, ctx.geom
        gx = gw = gb = None
        if needs[0] or needs[1]:
            cols = im2col(g, w.shape[2:], x.shape[2:], stride, padding, dilation, last)
            if needs[1]:
                gw = gemm_weight(to_layout(x, last), cols, groups, w.shape, last)
            if needs[0]:
                gx = gemm(w, cols, groups, None, last)
            del cols  # the largest buffer: gone before the engine goes on
        if len(needs) == 3 and needs[2]:
            gb = _bias_grad(g)
        return gx, gw, gb


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1, *,
                     name: str = "conv_transpose2d") -> Tensor:
    """Transposed 2-D convolution (the gradient of ``conv2d`` with respect to its input)
    of an (N, C_in, H, W) or (C_in, H, W) input with a weight (C_in, C_out/groups, kh,
    kw): ``OH = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1``."""
    x, unbatched = _operands(input, weight, bias, name, 0, groups)
    kernel = weight.shape[2:]
    stride = _pair(stride, "stride", name)
    dilation = _pair(dilation, "dilation", name)
    pad = _pair(padding, "padding", name, low=0)
    extra = _pair(output_padding, "output_padding", name, low=0)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{name}: output_padding {extra} must be smaller than the stride "
                         f"{stride} or the dilation {dilation}")
    out_hw = tuple((x.shape[2 + a] - 1) * stride[a] - 2 * pad[a] + dilation[a] * (kernel[a] - 1)
                   + extra[a] + 1 for a in (0, 1))
    if min(out_hw) < 1:
        raise ValueError(f"{name}: the output would be {out_hw} for input shape"
                         f" {input._array.shape}"
                         f", weight shape {weight._array.shape} and padding {pad}; use less"
                         f" padding")
    args = (x, weight) if bias is None else (x, weight, bias)
    z = apply(ConvTranspose2d, *args, stride=stride, padding=pad, dilation=dilation,
              groups=int(groups), out_hw=out_hw)
    return z.reshape(z.shape[1:]) if unbatched else z


# ------------------------------------------------------------------ unfold / fold
def _sliding(kernel_size, dilation, padding, stride, name):
    return (_pair(kernel_size, "kernel_size", name), _pair(dilation, "dilation", name),
            _pair(padding, "padding", name, low=0), _pair(stride, "stride", name))


@register("unfold")
class Unfold:
    """z[n, (c,i,j), (p,q)] = x[n, c, p*s+i*d-pad, q*s+j*d-pad] (im2col);
    dx = col2im(g)"""

    def forward(ctx, x, *, kernel, dilation, padding, stride, out_hw):
        ctx.geom = (x.shape, kernel, out_hw, stride, padding, dilation)
        cols = im2col(x, kernel, out_hw, stride, padding, dilation)
        return cols.reshape(x.shape[0], -1, out_hw[0] * out_hw[1])

    def vjp(ctx, g):
        shape, kernel, out_hw, stride, padding, dilation = ctx.geom
        cols = g.reshape(shape[:2] + kernel + out_hw)
        return (col2im(cols, shape[2:], stride, padding, dilation),)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding blocks of an (N, C, H, W) input as columns: (N, C*kh*kw, L), L the
    number of blocks (``torch.nn.functional.unfold``)."""
    kernel, dilation, padding, stride = _sliding(kernel_size, dilation, padding, stride,
                                                 "unfold")
    if input.ndim != 4:
        raise ValueError(f"unfold: expected a 4-D (N, C, H, W) input, got shape"
                         f" {input._array.shape}")
    out_hw = tuple(conv_out_size(input.shape[2 + a], kernel[a], stride[a], padding[a],
                                 padding[a], dilation[a]) for a in (0, 1))
    if min(out_hw) < 1:
        raise _too_small("unfold", input.shape, kernel, dilation, padding * 2)
    return apply(Unfold, input, kernel=kernel, dilation=dilation, padding=padding,
                 stride=stride, out_hw=out_hw)


@register("fold")
class Fold:
    """z = col2im(x): sums the columns (N, C*kh*kw, L) back into (N, C, H, W);
    dx = im2col(g)"""

    def forward(ctx, x, *, out_size, kernel, dilation, padding, stride, blocks):
        ctx.geom = (x.shape, kernel, blocks, stride, padding, dilation)
        cols = x.reshape((x.shape[0], -1) + kernel + blocks)
        return col2im(cols, out_size, stride, padding, dilation)

    def vjp(ctx, g):
        shape, kernel, blocks, stride, padding, dilation = ctx.geom
        return (im2col(g, kernel, blocks, stride, padding, dilation).reshape(shape),)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of :func:`unfold`: columns (N, C*kh*kw, L) summed into an
    (N, C, H, W) output, ``output_size`` = (H, W) (``torch.nn.functional.fold``)."""
    kernel, dilation, padding, stride = _sliding(kernel_size, dilation, padding, stride,
                                                 "fold")
    out_size = _pair(output_size, "output_size", "fold")
    blocks = tuple(conv_out_size(out_size[a], kernel[a], stride[a], padding[a], padding[a],
                                 dilation[a]) for a in (0, 1))
    k = kernel[0] * kernel[1]
    if input.ndim != 3 or input.shape[1] % k or input.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(
            f"fold: expected an input (N, C*{k}, {blocks[0] * blocks[1]}) for output_size "
            f"{out_size}, kernel {kernel}, got shape {tuple(input.shape)}")
    return apply(Fold, input, out_size=out_size, kernel=kernel, dilation=dilation,
                 padding=padding, stride=stride, blocks=blocks)


# ------------------------------------------------------------------ conv1d
def _single(v, what: str, name: str):
    """An int, or the one int of a 1-tuple (PyTorch's 1-D arguments)."""
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"{name}: {what} must be an int or a 1-tuple, got {v!r}")
        v = v[0]
    return v


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1, *, name: str = "conv1d") -> Tensor:
    """1-D convolution of an (N, C, L) or (C, L) input with a weight (O, C/groups, k):
    ``conv2d`` on a unit height."""
    if weight.ndim != 3:
        raise ValueError(f"{name}: weight must be 3-D (O, C/groups, k), got {tuple(weight.shape)}")
    if input.ndim not in (2, 3):
        raise ValueError(f"{name}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                         f"{tuple(input.shape)}")
    s, d = _single(stride, "stride", name), _single(dilation, "dilation", name)
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding", name))
    try:
        z = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), pad, (1, d),
                   groups, name=name)
    except ValueError as err:  # say it with the 1-D shapes
        msg = str(err)
        for t in (input, weight):
            msg = msg.replace(str(t.unsqueeze(-2)._array.shape), str(t._array.shape))
        raise ValueError(msg) from None
    return z.squeeze(-2)
