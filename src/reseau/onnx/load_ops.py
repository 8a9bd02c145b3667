"""The ONNX operators that ``reseau.onnx.load`` runs, each written with reseau's ops (so
gradients flow through an imported graph): ``OPS`` maps an operator type to a function
``run(ctx, xs, attrs) -> Tensor | tuple``, where ``xs`` are the node's inputs (``None`` for an
omitted optional one), ``attrs`` its attributes as Python values and ``ctx`` carries the
opset version and whether the module trains.

Where an operator changed between opsets, the function reads ``ctx.opset`` (Softmax's axis
before 13, Squeeze's axes as an input from 13, Pad's pads as an input from 11...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..dtypes import as_dtype, is_floating
from ..ops.arithmetic import matmul
from ..ops.elementwise import clamp, where
from ..ops.shape import cat
from ..ops.special import erf
from ..tensor import Tensor
from ..nn import functional as F

__all__ = ["OPS", "Ctx", "MAX_ELEMENTS"]

# A tensor a node creates from numbers in the graph (ConstantOfShape, Expand, Pad) may hold
# at most this many elements: a hostile file cannot make forward allocate without bound.
MAX_ELEMENTS = 1 << 28


@dataclass(frozen=True)
class Ctx:
    opset: int  # the version of the default ONNX domain the model imports
    training: bool  # the module's mode: Dropout drops, BatchNormalization uses the batch


Run = Callable[[Ctx, list, dict], object]
OPS: dict[str, Run] = {}


def op(*names: str):
    def add(fn: Run) -> Run:
        for name in names:
            OPS[name] = fn
        return fn
    return add


def const(array) -> Tensor:
    array = np.asarray(array)  # (np.ascontiguousarray would make a 0-d array 1-d)
    return Tensor._make(array if array.flags.c_contiguous else array.copy())


def ints(t: Tensor | None) -> list[int]:
    return [] if t is None else [int(v) for v in np.ravel(t.detach().numpy())]


def scalar(t: Tensor) -> float:
    return float(np.ravel(t.detach().numpy())[0])


def _check_size(op_type: str, shape) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape) or math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(f"{op_type}: refusing to create a tensor of shape {shape} (at most "
                         f"{MAX_ELEMENTS} elements, no negative size)")
    return shape


# --- elementwise -------------------------------------------------------------------------


def _both_int(a: Tensor, b: Tensor) -> bool:
    return not is_floating(a.dtype) and not is_floating(b.dtype)


@op("Add")
def add(ctx, xs, at):
    return xs[0] + xs[1]


@op("Sub")
def sub(ctx, xs, at):
    return xs[0] - xs[1]


@op("Mul")
def mul(ctx, xs, at):
    return xs[0] * xs[1]


@op("Div")
def div(ctx, xs, at):
    a, b = xs
    if _both_int(a, b):  # ONNX divides integers with truncation (shape arithmetic)
        x, y = a.numpy(), b.numpy()
        return const((np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype))
    return a / b


@op("Pow")
def pow_(ctx, xs, at):
    return xs[0] ** xs[1]


@op("Sum")
def sum_(ctx, xs, at):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


@op("Neg")
def neg(ctx, xs, at):
    return -xs[0]


@op("Abs")
def abs_(ctx, xs, at):
    return xs[0].abs()


@op("Sqrt")
def sqrt(ctx, xs, at):
    return xs[0].sqrt()


@op("Exp")
def exp(ctx, xs, at):
    return xs[0].exp()


@op("Log")
def log(ctx, xs, at):
    return xs[0].log()


@op("Reciprocal")
def reciprocal(ctx, xs, at):
    return 1.0 / xs[0]


@op("Erf")
def erf_(ctx, xs, at):
    return erf(xs[0])


@op("Greater")
def greater(ctx, xs, at):
    return xs[0] > xs[1]


@op("Less")
def less(ctx, xs, at):
    return xs[0] < xs[1]


@op("Equal")
def equal(ctx, xs, at):
    return xs[0] == xs[1]


@op("Where")
def where_(ctx, xs, at):
    return where(xs[0], xs[1], xs[2])


@op("Relu")
def relu(ctx, xs, at):
    return F.relu(xs[0])


@op("Tanh")
def tanh(ctx, xs, at):
    return F.tanh(xs[0])


@op("Sigmoid")
def sigmoid(ctx, xs, at):
    return F.sigmoid(xs[0])


@op("LeakyRelu")
def leaky_relu(ctx, xs, at):
    return F.leaky_relu(xs[0], at.get("alpha", 0.01))


@op("Elu")
def elu(ctx, xs, at):
    return F.elu(xs[0], at.get("alpha", 1.0))


@op("Gelu")
def gelu(ctx, xs, at):
    return F.gelu(xs[0], approximate=at.get("approximate", "none"))


@op("Softplus")
def softplus(ctx, xs, at):
    return F.softplus(xs[0])


@op("Clip")
def clip(ctx, xs, at):
    if ctx.opset < 11:  # bounds were attributes
        return clamp(xs[0], at.get("min"), at.get("max"))
    lo = scalar(xs[1]) if len(xs) > 1 and xs[1] is not None else None
    hi = scalar(xs[2]) if len(xs) > 2 and xs[2] is not None else None
    return clamp(xs[0], lo, hi)


def _softmax(fn, ctx, x, at):
    if ctx.opset >= 13:
        return fn(x, dim=at.get("axis", -1))
    # before opset 13 the input is seen as a matrix (prod(shape[:axis]), prod(shape[axis:]))
    axis = at.get("axis", 1) % max(x.ndim, 1)
    rows = math.prod(x.shape[:axis])
    return fn(x.reshape(rows, -1), dim=1).reshape(tuple(x.shape))


@op("Softmax")
def softmax(ctx, xs, at):
    return _softmax(F.softmax, ctx, xs[0], at)


@op("LogSoftmax")
def log_softmax(ctx, xs, at):
    return _softmax(F.log_softmax, ctx, xs[0], at)


@op("Identity")
def identity(ctx, xs, at):
    return xs[0]


@op("Dropout")
def dropout(ctx, xs, at):
    x = xs[0]
    p = at.get("ratio", 0.5)
    if ctx.opset >= 12 and len(xs) > 1 and xs[1] is not None:
        p = scalar(xs[1])
    out = F.dropout(x, p, training=True) if ctx.training and p > 0 else x
    return out, const(np.ones(tuple(x.shape), dtype=bool))  # the mask, when asked for


@op("Cast")
def cast(ctx, xs, at):
    import onnx

    target = as_dtype(onnx.helper.tensor_dtype_to_np_dtype(at["to"]))
    x = xs[0]
    if is_floating(x.dtype) and is_floating(target):
        return x.to(target)  # keeps the gradient
    return const(x.detach().numpy().astype(target))


# --- linear algebra ----------------------------------------------------------------------


@op("MatMul")
def matmul_(ctx, xs, at):
    return matmul(xs[0], xs[1])


@op("Gemm")
def gemm(ctx, xs, at):
    """Y = alpha * A' B' + beta * C, A' = A or Aᵀ (transA), B' = B or Bᵀ (transB)."""
    a, b = xs[0], xs[1]
    c = xs[2] if len(xs) > 2 else None
    alpha, beta = at.get("alpha", 1.0), at.get("beta", 1.0)
    if at.get("transA", 0):
        a = a.transpose(0, 1)
    if (at.get("transB", 0) and alpha == 1.0 and beta == 1.0
            and (c is None or (c.ndim == 1 and c.shape[0] == b.shape[0]))):
        return F.linear(a, b, c)  # PyTorch's Linear, fused as reseau computes it
    if at.get("transB", 0):
        b = b.transpose(0, 1)
    y = matmul(a, b)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (c * beta if beta != 1.0 else c)
    return y


# --- shapes ------------------------------------------------------------------------------


@op("Flatten")
def flatten(ctx, xs, at):
    x = xs[0]
    axis = at.get("axis", 1)
    axis = axis + x.ndim if axis < 0 else axis
    return x.reshape(math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))


@op("Reshape")
def reshape(ctx, xs, at):
    x, shape = xs[0], ints(xs[1])
    if not at.get("allowzero", 0):  # a 0 copies the input's size on that axis
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(*shape)


@op("Transpose")
def transpose(ctx, xs, at):
    x = xs[0]
    perm = at.get("perm") or list(reversed(range(x.ndim)))
    return x.permute(*perm)


def _axes(ctx, xs, at, since: int) -> list[int] | None:
    """The axes of Squeeze/Unsqueeze/Reduce*: an attribute before opset ``since``, then the
    optional second input."""
    if ctx.opset < since:
        return at.get("axes")
    return ints(xs[1]) if len(xs) > 1 and xs[1] is not None else None


@op("Squeeze")
def squeeze(ctx, xs, at):
    x = xs[0]
    axes = _axes(ctx, xs, at, 13)
    if axes is None:
        return x.reshape(*[s for s in x.shape if s != 1])
    axes = {a % x.ndim for a in axes}
    bad = [a for a in axes if x.shape[a] != 1]
    if bad:
        raise ValueError(f"Squeeze: axis {bad[0]} of shape {tuple(x.shape)} is not of size 1")
    return x.reshape(*[s for i, s in enumerate(x.shape) if i not in axes])


@op("Unsqueeze")
def unsqueeze(ctx, xs, at):
    x = xs[0]
    axes = _axes(ctx, xs, at, 13) or []
    rank = x.ndim + len(axes)
    axes = sorted(a % rank for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return x.reshape(*shape)


@op("Concat")
def concat(ctx, xs, at):
    return cat([x for x in xs if x is not None], dim=at["axis"])


@op("Shape")
def shape_(ctx, xs, at):
    dims = list(xs[0].shape)
    start, end = at.get("start", 0), at.get("end", len(dims))
    return const(np.array(dims[start:end], dtype=np.int64))


@op("Gather")
def gather(ctx, xs, at):
    x, idx = xs[0], xs[1].detach().numpy().astype(np.int64)
    axis = at.get("axis", 0) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    if not is_floating(x.dtype):  # shape arithmetic: plain NumPy
        return const(np.take(x.numpy(), idx, axis=axis))
    return x[(slice(None),) * axis + (idx,)]


@op("Slice")
def slice_(ctx, xs, at):
    x = xs[0]
    if ctx.opset < 10:
        starts, ends, axes, steps = at["starts"], at["ends"], at.get("axes"), None
    else:
        starts, ends = ints(xs[1]), ints(xs[2])
        axes = ints(xs[3]) if len(xs) > 3 and xs[3] is not None else None
        steps = ints(xs[4]) if len(xs) > 4 and xs[4] is not None else None
    axes = list(range(len(starts))) if axes is None else axes
    steps = steps or [1] * len(starts)
    index = [slice(None)] * x.ndim
    for a, s, e, st in zip(axes, starts, ends, steps):
        if st < 0 and e < -x.shape[a]:  # "to the start" written as a large negative end
            e = None
        index[a % x.ndim] = slice(s, e, st)
    return x[tuple(index)]


@op("Expand")
def expand(ctx, xs, at):
    x = xs[0]
    shape = _check_size("Expand", np.broadcast_shapes(tuple(x.shape), tuple(ints(xs[1]))))
    return x.expand(*shape)


@op("Constant")
def constant(ctx, xs, at):
    return const(at["value"])  # load() turned every form of the value into an array


@op("ConstantOfShape")
def constant_of_shape(ctx, xs, at):
    shape = _check_size("ConstantOfShape", ints(xs[0]))
    value = at.get("value")
    value = np.zeros(1, np.float32) if value is None else value
    return const(np.full(shape, value.reshape(-1)[0], dtype=value.dtype))


# --- reductions --------------------------------------------------------------------------


def _reduce(ctx, xs, at, since: int, name: str):
    x = xs[0]
    axes = _axes(ctx, xs, at, since)
    keep = bool(at.get("keepdims", 1))
    if not axes:
        if at.get("noop_with_empty_axes", 0):
            return x
        axes = list(range(x.ndim))
    dims = tuple(a % x.ndim for a in axes)
    if name == "mean":
        return x.mean(dim=dims, keepdim=keep)
    if name == "sum":
        return x.sum(dim=dims, keepdim=keep)
    return x.amax(dim=dims, keepdim=keep)


@op("ReduceMean")
def reduce_mean(ctx, xs, at):
    return _reduce(ctx, xs, at, 18, "mean")


@op("ReduceSum")
def reduce_sum(ctx, xs, at):
    return _reduce(ctx, xs, at, 13, "sum")


@op("ReduceMax")
def reduce_max(ctx, xs, at):
    return _reduce(ctx, xs, at, 18, "max")


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
    _check_size("Pad", grown)
    first = min((a for a, p in per_axis.items() if p != (0, 0)), default=x.ndim)
    torch_pads = []
    for a in range(x.ndim - 1, first - 1, -1):  # torch lists the last axis first
        torch_pads += list(per_axis.get(a, (0, 0)))
    if not torch_pads:
        return x
    if mode == "constant":
        return F.pad(x, torch_pads, value=value)
    return F.pad(x, torch_pads, mode=mode)
