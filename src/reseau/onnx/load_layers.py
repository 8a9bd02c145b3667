"""The ONNX operators of layers that ``reseau.onnx.load`` runs: reductions, convolution,
pooling, normalisation and padding (the table and its conventions: ``load_ops.py``)."""

from __future__ import annotations

import math

from ..nn import functional as F
from .load_ops import Run, axes_arg, check_size, const, ints, registrar, scalar

__all__ = ["OPS"]

OPS: dict[str, Run] = {}
op = registrar(OPS)


# --- reductions --------------------------------------------------------------------------


def _reduce(ctx, xs, at, since: int, name: str):
    x = xs[0]
    axes = axes_arg(ctx, xs, at, since)
    keep = bool(at.get("keepdims", 1))
    if not axes:
        if at.get("noop_with_empty_axes", 0):
            return x
        axes = list(range(x.ndim))
    dims = tuple(a % x.ndim for a in axes)
    if name == "prod":  # (prod takes one axis at a time)
        for d in sorted(set(dims), reverse=True):
            x = x.prod(dim=d, keepdim=keep)
        return x
    return getattr(x, name)(dim=dims, keepdim=keep)


@op("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceLogSumExp", "ReduceProd")
def reduce(ctx, xs, at):
    method = {"ReduceMean": "mean", "ReduceSum": "sum", "ReduceMax": "amax",
              "ReduceMin": "amin", "ReduceLogSumExp": "logsumexp",
              "ReduceProd": "prod"}[ctx.op_type]
    return _reduce(ctx, xs, at, 13 if ctx.op_type == "ReduceSum" else 18, method)


@op("ArgMax", "ArgMin")
def arg_max_min(ctx, xs, at):
    x, method = xs[0], "argmax" if ctx.op_type == "ArgMax" else "argmin"
    axis, keep = at.get("axis", 0) % x.ndim, bool(at.get("keepdims", 1))
    if at.get("select_last_index", 0):  # the last of tied entries: search the flipped axis
        i = getattr(x.flip(axis), method)(dim=axis, keepdim=keep)
        return const(x.shape[axis] - 1 - i.numpy())
    return getattr(x, method)(dim=axis, keepdim=keep)


@op("CumSum")
def cumsum(ctx, xs, at):
    x, axis = xs[0], ints(xs[1])[0]
    if at.get("reverse", 0):
        x = x.flip(axis)
    y = x.cumsum(dim=axis)
    if at.get("exclusive", 0):
        y = y - x
    return y.flip(axis) if at.get("reverse", 0) else y


@op("GlobalAveragePool")
def global_average_pool(ctx, xs, at):
    x = xs[0]
    return x.mean(dim=tuple(range(2, x.ndim)), keepdim=True)


@op("GlobalMaxPool")
def global_max_pool(ctx, xs, at):
    x = xs[0]
    return x.amax(dim=tuple(range(2, x.ndim)), keepdim=True)


# --- convolution, pooling, normalisation -------------------------------------------------


def _window_pads(op_type, x, at, kernel, strides, dilations) -> tuple[list, list]:
    """The begin and end pads of each spatial axis, from ``pads`` or ``auto_pad``."""
    k = len(kernel)
    auto = at.get("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        pads = at.get("pads") or [0] * (2 * k)
        return list(pads[:k]), list(pads[k:])
    if auto == "VALID":
        return [0] * k, [0] * k
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"{op_type}: unknown auto_pad {auto!r}")
    begins, ends = [], []
    for size, kk, s, d in zip(x.shape[2:], kernel, strides, dilations):
        total = max(0, (-(-size // s) - 1) * s + (kk - 1) * d + 1 - size)
        small, big = total // 2, total - total // 2
        begins.append(small if auto == "SAME_UPPER" else big)
        ends.append(big if auto == "SAME_UPPER" else small)
    return begins, ends


def _window(op_type, x, at, kernel):
    """Strides, dilations and symmetric padding of a window op; an asymmetric padding is
    applied beforehand by ``F.pad`` and returned as ``pre`` (torch's order)."""
    if x.ndim - 2 not in (1, 2) or len(kernel) != x.ndim - 2:
        raise ValueError(f"{op_type}: reseau runs 1-D and 2-D windows, got an input of shape "
                         f"{tuple(x.shape)} and a kernel {tuple(kernel)}")
    k = len(kernel)
    strides = at.get("strides") or [1] * k
    dilations = at.get("dilations") or [1] * k
    begins, ends = _window_pads(op_type, x, at, kernel, strides, dilations)
    if begins == ends:
        return strides, dilations, begins, None
    pre = []
    for b, e in zip(reversed(begins), reversed(ends)):
        pre += [b, e]
    return strides, dilations, [0] * k, pre


def _one(v: list):
    return v[0] if len(v) == 1 else tuple(v)


@op("Conv")
def conv(ctx, xs, at):
    x, w = xs[0], xs[1]
    b = xs[2] if len(xs) > 2 else None
    kernel = at.get("kernel_shape") or list(w.shape[2:])
    strides, dilations, pads, pre = _window("Conv", x, at, kernel)
    if pre is not None:
        x = F.pad(x, pre)
    fn = F.conv2d if len(kernel) == 2 else F.conv1d
    return fn(x, w, b, stride=_one(strides), padding=_one(pads), dilation=_one(dilations),
              groups=at.get("group", 1))


@op("ConvTranspose")
def conv_transpose(ctx, xs, at):
    x, w = xs[0], xs[1]
    b = xs[2] if len(xs) > 2 else None
    kernel = at.get("kernel_shape") or list(w.shape[2:])
    if len(kernel) != 2 or x.ndim != 4:
        raise ValueError(f"ConvTranspose: reseau runs 2-D transposed convolutions, got an "
                         f"input of shape {tuple(x.shape)} and a kernel {tuple(kernel)}")
    strides, dilations, pads, pre = _window("ConvTranspose", x, at, kernel)
    if pre is not None:
        raise ValueError(f"ConvTranspose: asymmetric pads {at.get('pads')} are not supported")
    return F.conv_transpose2d(x, w, b, stride=tuple(strides), padding=tuple(pads),
                              output_padding=tuple(at.get("output_padding") or [0, 0]),
                              groups=at.get("group", 1), dilation=tuple(dilations))


@op("MaxPool")
def max_pool(ctx, xs, at):
    x, kernel = xs[0], at["kernel_shape"]
    strides, dilations, pads, pre = _window("MaxPool", x, at, kernel)
    if pre is not None:
        x = F.pad(x, pre, value=-math.inf)
    fn = F.max_pool2d if len(kernel) == 2 else F.max_pool1d
    return fn(x, _one(kernel), _one(strides), _one(pads), dilation=_one(dilations),
              ceil_mode=bool(at.get("ceil_mode", 0)))


@op("AveragePool")
def average_pool(ctx, xs, at):
    x, kernel = xs[0], at["kernel_shape"]
    strides, dilations, pads, pre = _window("AveragePool", x, at, kernel)
    include = bool(at.get("count_include_pad", 0))
    if any(d != 1 for d in dilations):
        raise ValueError(f"AveragePool: dilations {tuple(dilations)} are not supported")
    if pre is not None:
        if not include:
            raise ValueError(f"AveragePool: asymmetric pads {at.get('pads')} without "
                             "count_include_pad are not supported")
        x = F.pad(x, pre)
    fn = F.avg_pool2d if len(kernel) == 2 else F.avg_pool1d
    return fn(x, _one(kernel), _one(strides), _one(pads), ceil_mode=bool(at.get("ceil_mode", 0)),
              count_include_pad=include)


@op("BatchNormalization")
def batch_norm(ctx, xs, at):
    """y = (x - mean) / sqrt(var + epsilon) * scale + B; ONNX's momentum m keeps m of the
    running statistics (PyTorch's momentum is 1 - m)."""
    x, scale, bias, mean, var = xs[:5]
    y = F.batch_norm(x, mean, var, scale, bias, training=ctx.training,
                     momentum=1.0 - at.get("momentum", 0.9), eps=at.get("epsilon", 1e-5))
    return y, mean, var


@op("LayerNormalization")
def layer_norm(ctx, xs, at):
    """y = (x - mean) / sqrt(var + epsilon) * Scale + B over the axes from ``axis`` on."""
    x, scale = xs[0], xs[1]
    bias = xs[2] if len(xs) > 2 else None
    axis = at.get("axis", -1) % x.ndim
    return F.layer_norm(x, tuple(x.shape[axis:]), scale, bias, eps=at.get("epsilon", 1e-5))


@op("Pad")
def pad(ctx, xs, at):
    x = xs[0]
    mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate",
            "wrap": "circular"}.get(at.get("mode", "constant"))
    if mode is None:
        raise ValueError(f"Pad: unknown mode {at.get('mode')!r}")
    if ctx.opset < 11:
        pads, value, axes = at["pads"], at.get("value", 0.0), None
    else:
        pads = ints(xs[1])
        value = scalar(xs[2]) if len(xs) > 2 and xs[2] is not None else 0.0
        axes = ints(xs[3]) if len(xs) > 3 and xs[3] is not None else None
    axes = list(range(x.ndim)) if axes is None else [a % x.ndim for a in axes]
    k = len(axes)
    per_axis = {a: (pads[i], pads[i + k]) for i, a in enumerate(axes)}
    grown = [s + sum(per_axis.get(i, (0, 0))) for i, s in enumerate(x.shape)]
    check_size("Pad", grown)
    first = min((a for a, p in per_axis.items() if p != (0, 0)), default=x.ndim)
    torch_pads = []
    for a in range(x.ndim - 1, first - 1, -1):  # torch lists the last axis first
        torch_pads += list(per_axis.get(a, (0, 0)))
    if not torch_pads:
        return x
    if mode == "constant":
        return F.pad(x, torch_pads, value=value)
    return F.pad(x, torch_pads, mode=mode)
