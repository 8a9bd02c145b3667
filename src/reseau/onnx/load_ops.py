"""The ONNX operators that ``reseau.onnx.load`` runs, each written with reseau's ops (so
gradients flow through an imported graph): elementwise maths, activations, matrix products
and shapes here, layers (convolution, pooling, normalisation, reductions, padding) in
``load_layers.py``. ``OPS`` maps an operator type to a function
``run(ctx, xs, attrs) -> Tensor | tuple``, where ``xs`` are the node's inputs (``None`` for an
omitted optional one), ``attrs`` its attributes as Python values and ``ctx`` carries the
opset version and whether the module trains.

Where an operator changed between opsets, the function reads ``ctx.opset`` (Softmax's axis
before 13, Squeeze's axes as an input from 13, Pad's pads as an input from 11...).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..dtypes import as_dtype, is_floating
from ..ops.arithmetic import matmul
from ..ops.elementwise import clamp, maximum, minimum, where
from ..ops.index import gather
from ..ops.linalg import einsum
from ..ops.rounding import fmod, remainder
from ..ops.shape import cat
from ..ops.special import erf
from ..tensor import Tensor
from ..nn import functional as F

__all__ = ["OPS", "Ctx", "MAX_ELEMENTS", "registrar", "const", "ints", "scalar", "check_size",
           "axes_arg"]

# A tensor a node creates from numbers in the graph (ConstantOfShape, Expand, Pad) may hold
# at most this many elements: a hostile file cannot make forward allocate without bound.
MAX_ELEMENTS = 1 << 28


@dataclass(frozen=True)
class Ctx:
    opset: int  # the version of the default ONNX domain the model imports
    training: bool  # the module's mode: Dropout drops, BatchNormalization uses the batch
    op_type: str = ""  # the node's operator (for functions that serve several)


Run = Callable[[Ctx, list, dict], object]


def registrar(table: dict[str, Run]):
    """A decorator ``@op("Name", ...)`` that enters a function in ``table``."""
    def op(*names: str):
        def add(fn: Run) -> Run:
            for name in names:
                table[name] = fn
            return fn
        return add
    return op


OPS: dict[str, Run] = {}
op = registrar(OPS)


def const(array) -> Tensor:
    array = np.asarray(array)  # (np.ascontiguousarray would make a 0-d array 1-d)
    return Tensor._make(array if array.flags.c_contiguous else array.copy())


def ints(t: Tensor | None) -> list[int]:
    return [] if t is None else [int(v) for v in np.ravel(t.detach().numpy())]


def scalar(t: Tensor) -> float:
    return float(np.ravel(t.detach().numpy())[0])


def check_size(op_type: str, shape) -> tuple[int, ...]:
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


@op("Mod")
def mod(ctx, xs, at):
    """fmod=1: the sign of the dividend (C's fmod); fmod=0: the sign of the divisor."""
    return (fmod if at.get("fmod", 0) else remainder)(xs[0], xs[1])


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




def _method(name: str) -> Run:
    return lambda ctx, xs, at: getattr(xs[0], name)()


for _onnx, _name in (("Exp", "exp"), ("Log", "log"), ("Floor", "floor"), ("Ceil", "ceil"),
                     ("Round", "round"), ("Sign", "sign"), ("Sin", "sin"), ("Cos", "cos"),
                     ("Tan", "tan"), ("Asin", "asin"), ("Acos", "acos"), ("Atan", "atan"),
                     ("Sinh", "sinh"), ("Cosh", "cosh")):
    OPS[_onnx] = _method(_name)


def _unary(fn) -> Run:
    return lambda ctx, xs, at: fn(xs[0])


def _binary(fn) -> Run:
    return lambda ctx, xs, at: fn(xs[0], xs[1])


# the activations without attributes, and the comparisons (no gradient)
for _onnx, _fn in (("Relu", F.relu), ("Tanh", F.tanh), ("Sigmoid", F.sigmoid),
                   ("Softplus", F.softplus), ("HardSwish", F.hardswish), ("Mish", F.mish),
                   ("Softsign", F.softsign)):
    OPS[_onnx] = _unary(_fn)
for _onnx, _fn in (("Greater", operator.gt), ("Less", operator.lt), ("Equal", operator.eq),
                   ("GreaterOrEqual", operator.ge), ("LessOrEqual", operator.le)):
    OPS[_onnx] = _binary(_fn)


@op("Max", "Min")
def max_min(ctx, xs, at):
    pick = maximum if ctx.op_type == "Max" else minimum
    out = xs[0]
    for x in xs[1:]:
        out = pick(out, x)
    return out


@op("Reciprocal")
def reciprocal(ctx, xs, at):
    return 1.0 / xs[0]


@op("Erf")
def erf_(ctx, xs, at):
    return erf(xs[0])







@op("Not")
def not_(ctx, xs, at):
    return const(np.logical_not(xs[0].numpy()))


@op("Where")
def where_(ctx, xs, at):
    return where(xs[0], xs[1], xs[2])





@op("LeakyRelu")
def leaky_relu(ctx, xs, at):
    return F.leaky_relu(xs[0], at.get("alpha", 0.01))


@op("Elu")
def elu(ctx, xs, at):
    return F.elu(xs[0], at.get("alpha", 1.0))


@op("Gelu")
def gelu(ctx, xs, at):
    return F.gelu(xs[0], approximate=at.get("approximate", "none"))



@op("Celu")
def celu(ctx, xs, at):
    return F.celu(xs[0], at.get("alpha", 1.0))


@op("Selu")
def selu(ctx, xs, at):
    """y = gamma * (x if x > 0 else alpha * (exp(x) - 1))."""
    x = xs[0]
    alpha = at.get("alpha", 1.67326319217681884765625)  # float32 of SELU's constants
    return F.elu(x, alpha) * at.get("gamma", 1.05070102214813232421875)


@op("HardSigmoid")
def hard_sigmoid(ctx, xs, at):
    """y = clamp(alpha * x + beta, 0, 1) (ONNX's defaults alpha = 0.2, beta = 0.5)."""
    return clamp(xs[0] * at.get("alpha", 0.2) + at.get("beta", 0.5), 0.0, 1.0)





@op("Shrink")
def shrink(ctx, xs, at):
    """y = x - bias if x > lambd, x + bias if x < -lambd, else 0."""
    x, bias, lambd = xs[0], at.get("bias", 0.0), at.get("lambd", 0.5)
    return where(x > lambd, x - bias, where(x < -lambd, x + bias, x * 0.0))


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
    if target.kind not in "biuf":
        raise ValueError(f"Cast: reseau casts to bool, integer and float types, not {target}")
    x = xs[0]
    if is_floating(x.dtype) and is_floating(target):
        return x.to(target)  # keeps the gradient
    return const(x.detach().numpy().astype(target))


# --- linear algebra ----------------------------------------------------------------------


@op("Einsum")
def einsum_(ctx, xs, at):
    return einsum(at["equation"], *xs)


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


def axes_arg(ctx, xs, at, since: int) -> list[int] | None:
    """The axes of Squeeze/Unsqueeze/Reduce*: an attribute before opset ``since``, then the
    optional second input."""
    if ctx.opset < since:
        return at.get("axes")
    return ints(xs[1]) if len(xs) > 1 and xs[1] is not None else None


@op("Squeeze")
def squeeze(ctx, xs, at):
    x = xs[0]
    axes = axes_arg(ctx, xs, at, 13)
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
    axes = axes_arg(ctx, xs, at, 13) or []
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
def gather_(ctx, xs, at):
    x, idx = xs[0], xs[1].detach().numpy().astype(np.int64)
    axis = at.get("axis", 0) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    if not is_floating(x.dtype):  # shape arithmetic: plain NumPy
        return const(np.take(x.numpy(), idx, axis=axis))
    return x[(slice(None),) * axis + (idx,)]


@op("GatherElements")
def gather_elements(ctx, xs, at):
    x, idx = xs[0], xs[1].detach().numpy().astype(np.int64)
    axis = at.get("axis", 0) % x.ndim
    return gather(x, axis, const(np.where(idx < 0, idx + x.shape[axis], idx)))


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
    shape = check_size("Expand", np.broadcast_shapes(tuple(x.shape), tuple(ints(xs[1]))))
    return x.expand(*shape)


@op("Constant")
def constant(ctx, xs, at):
    return const(at["value"])  # load() turned every form of the value into an array


@op("ConstantOfShape")
def constant_of_shape(ctx, xs, at):
    shape = check_size("ConstantOfShape", ints(xs[0]))
    value = at.get("value")
    value = np.zeros(1, np.float32) if value is None else value
    return const(np.full(shape, value.reshape(-1)[0], dtype=value.dtype))
