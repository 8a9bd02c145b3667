"""Each primitive of the op table (``reseau.ops.OPS``) written as ONNX nodes.

A converter receives the graph being built (``g``, an ``export._Graph``), the names of the
op's inputs, the op's keyword attributes and the arrays it ran on and returned; it adds
nodes and returns the name of the value that holds the op's result. Shapes the trace saw
are constants of the graph, except the batch axis (axis 0 of the input), which a
converter keeps symbolic where the op's attributes carry it (reshape, expand, slices).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CONVERTERS", "MaxPoolIndices"]

# ONNX's "to the end" for Slice (an int64 larger than any axis)
_END = np.iinfo(np.int64).max
_START_FROM_END = np.iinfo(np.int64).min


class MaxPoolIndices:
    """The value of a max pooling's window arg-max: it has no ONNX form of its own; the
    gather that follows it (``max_pool2d``) becomes one MaxPool node."""

    def __init__(self, x: str, in_shape, geom=None, out_size=None):
        self.x, self.in_shape, self.geom, self.out_size = x, in_shape, geom, out_size


CONVERTERS: dict = {}


def _converts(*names):
    def deco(fn):
        for name in names:
            CONVERTERS[name] = fn
        return fn
    return deco


# ------------------------------------------------------------------ elementwise
_UNARY = {
    "relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exp": "Exp", "log": "Log",
    "sqrt": "Sqrt", "sign": "Sign", "neg": "Neg", "abs": "Abs", "erf": "Erf",
    "reciprocal": "Reciprocal", "floor": "Floor", "ceil": "Ceil", "clone": "Identity",
    "sin": "Sin", "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan",
    "sinh": "Sinh", "cosh": "Cosh",
}
_BINARY = {
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "matmul": "MatMul",
    "maximum": "Max", "minimum": "Min", "eq": "Equal", "gt": "Greater", "lt": "Less",
    "ge": "GreaterOrEqual", "le": "LessOrEqual",
}


@_converts(*_UNARY)
def _unary(g, op, ins, attrs, arrays, out):
    return g.node(_UNARY[op], ins)


@_converts(*_BINARY)
def _binary(g, op, ins, attrs, arrays, out):
    return g.node(_BINARY[op], ins)


@_converts("ne")
def _ne(g, op, ins, attrs, arrays, out):
    return g.node("Not", [g.node("Equal", ins)])


@_converts("where")
def _where(g, op, ins, attrs, arrays, out):
    return g.node("Where", ins)


@_converts("square")
def _square(g, op, ins, attrs, arrays, out):
    return g.node("Mul", [ins[0], ins[0]])


@_converts("rsqrt")
def _rsqrt(g, op, ins, attrs, arrays, out):
    return g.node("Reciprocal", [g.node("Sqrt", ins)])


@_converts("log2", "log10")
def _log_base(g, op, ins, attrs, arrays, out):
    base = 2.0 if op == "log2" else 10.0
    return g.node("Div", [g.node("Log", ins), g.scalar(math.log(base), out.dtype)])


@_converts("log1p")
def _log1p(g, op, ins, attrs, arrays, out):
    return g.node("Log", [g.node("Add", [ins[0], g.scalar(1, out.dtype)])])


@_converts("expm1")
def _expm1(g, op, ins, attrs, arrays, out):
    return g.node("Sub", [g.node("Exp", ins), g.scalar(1, out.dtype)])


@_converts("round")
def _round(g, op, ins, attrs, arrays, out):
    decimals = attrs.get("decimals", 0)
    if not decimals:
        return g.node("Round", ins)  # half to even, as NumPy and PyTorch
    scale = g.scalar(10.0 ** decimals, out.dtype)
    return g.node("Div", [g.node("Round", [g.node("Mul", [ins[0], scale])]), scale])


@_converts("trunc")
def _trunc(g, op, ins, attrs, arrays, out):
    return g.node("Mul", [g.node("Sign", ins), g.node("Floor", [g.node("Abs", ins)])])


@_converts("pow_scalar")
def _pow_scalar(g, op, ins, attrs, arrays, out):
    e = attrs["exponent"]
    if e == 2:
        return g.node("Mul", [ins[0], ins[0]])
    return g.node("Pow", [ins[0], g.scalar(e, out.dtype)])


@_converts("rpow_scalar")
def _rpow_scalar(g, op, ins, attrs, arrays, out):
    return g.node("Pow", [g.scalar(attrs["base"], out.dtype), ins[0]])


@_converts("cast")
def _cast(g, op, ins, attrs, arrays, out):
    return g.node("Cast", ins, to=g.elem_type(out.dtype))


@_converts("clamp")
def _clamp(g, op, ins, attrs, arrays, out):
    lo, hi = attrs["lo"], attrs["hi"]
    bounds = [g.scalar(v, out.dtype) if v is not None else "" for v in (lo, hi)]
    while bounds and bounds[-1] == "":
        bounds.pop()
    return g.node("Clip", [ins[0], *bounds])


# ------------------------------------------------------------------ activations
@_converts("leaky_relu")
def _leaky_relu(g, op, ins, attrs, arrays, out):
    return g.node("LeakyRelu", ins, alpha=float(attrs["negative_slope"]))


@_converts("softplus")
def _softplus(g, op, ins, attrs, arrays, out):
    """log(1 + e^(b x)) / b, and x itself where b x > threshold (PyTorch's switch)."""
    beta, threshold = float(attrs["beta"]), float(attrs["threshold"])
    bx = ins[0] if beta == 1.0 else g.node("Mul", [ins[0], g.scalar(beta, out.dtype)])
    soft = g.node("Softplus", [bx])
    if beta != 1.0:
        soft = g.node("Div", [soft, g.scalar(beta, out.dtype)])
    above = g.node("Greater", [bx, g.scalar(threshold, out.dtype)])
    return g.node("Where", [above, ins[0], soft])


@_converts("log_sigmoid")
def _log_sigmoid(g, op, ins, attrs, arrays, out):
    """log sigmoid(x) = -softplus(-x)."""
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", ins)])])


@_converts("gelu")
def _gelu(g, op, ins, attrs, arrays, out):
    """x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, or with approximate='tanh'
    x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 (the Gelu op needs opset 20)."""
    x, dt = ins[0], out.dtype
    if attrs["approximate"] == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, dt)])])
        t = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dt)])])
    else:
        t = g.node("Erf", [g.node("Div", [x, g.scalar(math.sqrt(2.0), dt)])])
    half = g.node("Mul", [x, g.scalar(0.5, dt)])
    return g.node("Mul", [half, g.node("Add", [t, g.scalar(1.0, dt)])])


@_converts("softmax", "log_softmax")
def _softmax(g, op, ins, attrs, arrays, out):
    return g.node("Softmax" if op == "softmax" else "LogSoftmax", ins, axis=int(attrs["dim"]))


# ------------------------------------------------------------------ reductions
def _axes_input(g, attrs, ndim):
    axes = attrs.get("axes")
    return g.ints(range(ndim) if axes is None else axes)


@_converts("sum", "mean", "amax", "amin", "logsumexp")
def _reduce(g, op, ins, attrs, arrays, out):
    kind = {"sum": "ReduceSum", "mean": "ReduceMean", "amax": "ReduceMax",
            "amin": "ReduceMin", "logsumexp": "ReduceLogSumExp"}[op]
    return g.node(kind, [ins[0], _axes_input(g, attrs, arrays[0].ndim)],
                  keepdims=int(bool(attrs["keepdim"])))


@_converts("var")
def _var(g, op, ins, attrs, arrays, out):
    """mean((x - mean)^2) n / (n - correction), n the entries reduced (counted in the
    graph where the batch axis is one of them)."""
    x, correction = arrays[0], attrs["correction"]
    axes = list(range(x.ndim) if attrs["axes"] is None else attrs["axes"])
    mean = g.node("ReduceMean", [ins[0], g.ints(axes)], keepdims=1)
    centred = g.node("Sub", [ins[0], mean])
    var = g.node("ReduceMean", [g.node("Mul", [centred, centred]), g.ints(axes)],
                 keepdims=int(bool(attrs["keepdim"])))
    if not correction:
        return var
    if g.batch is not None and 0 in axes:
        sizes = g.node("Gather", [g.node("Shape", [ins[0]]), g.ints(axes)], axis=0)
        n = g.node("Cast", [g.node("ReduceProd", [sizes], keepdims=0)],
                   to=g.elem_type(out.dtype))
    else:
        n = g.scalar(int(np.prod([x.shape[a] for a in axes])), out.dtype)
    factor = g.node("Div", [n, g.node("Sub", [n, g.scalar(correction, out.dtype)])])
    return g.node("Mul", [var, factor])


@_converts("max_dim", "min_dim")
def _max_dim(g, op, ins, attrs, arrays, out):
    kind = "ReduceMax" if op == "max_dim" else "ReduceMin"
    return g.node(kind, [ins[0], g.ints([attrs["dim"]])], keepdims=int(bool(attrs["keepdim"])))


@_converts("argmax", "argmin")
def _argmax(g, op, ins, attrs, arrays, out):
    kind = "ArgMax" if op == "argmax" else "ArgMin"
    x, dim = ins[0], attrs["dim"]
    if dim is None:  # over the flattened tensor
        x, dim = g.node("Reshape", [x, g.ints([-1])]), 0
    return g.node(kind, [x], axis=int(dim), keepdims=int(bool(attrs["keepdim"])))


# ------------------------------------------------------------------ shapes
def _batch_kept(g, in_shape, out_shape) -> bool:
    """Whether axis 0 passes through: the traced batch size on both sides."""
    return (g.batch is not None and len(in_shape) > 0 and len(out_shape) > 0
            and in_shape[0] == out_shape[0] == g.batch)


@_converts("reshape")
def _reshape(g, op, ins, attrs, arrays, out):
    """A constant target where the sizes are fixed; a size that follows the batch is 0
    (ONNX's "this axis of the input") where axis 0 passes through, else -1 (inferred)
    when it is the only one, else computed from the input's batch."""
    shape, other = list(out.shape), g.other_out()
    if other is None:  # no probe: axis 0 passes through when it has the batch's size
        if _batch_kept(g, arrays[0].shape, shape):
            shape[0] = 0
        return g.node("Reshape", [ins[0], g.ints(shape)])
    moving = [i for i, (a, b) in enumerate(zip(shape, other)) if a != b]
    if moving and moving[0] == 0 and shape[0] == arrays[0].shape[0] and \
            g.other_in(0)[0] == other[0]:
        shape[0], moving = 0, moving[1:]
    if len(moving) == 1:
        shape[moving[0]] = -1
    elif moving:
        return g.node("Reshape", [ins[0], g.shape_of(out.shape, other)])
    return g.node("Reshape", [ins[0], g.ints(shape)])


@_converts("permute")
def _permute(g, op, ins, attrs, arrays, out):
    return g.node("Transpose", ins, perm=[int(d) for d in attrs["dims"]])


@_converts("expand")
def _expand(g, op, ins, attrs, arrays, out):
    # where the input already has the size, 1 keeps it (ONNX's Expand broadcasts both ways),
    # so a batch axis passing through stays dynamic
    src, shape, other = arrays[0].shape, list(out.shape), g.other_out()
    lead = len(shape) - len(src)
    kept = [i >= lead and src[i - lead] == s for i, s in enumerate(shape)]
    shape = [1 if k else s for k, s in zip(kept, shape)]
    if other is not None:  # a size the input does not have, following the batch
        other = [1 if k else s for k, s in zip(kept, other)]
    return g.node("Expand", [ins[0], g.shape_of(shape, other)])


@_converts("cat")
def _cat(g, op, ins, attrs, arrays, out):
    return g.node("Concat", ins, axis=int(attrs["dim"]))


@_converts("stack")
def _stack(g, op, ins, attrs, arrays, out):
    axes = g.ints([attrs["dim"]])
    return g.node("Concat", [g.node("Unsqueeze", [i, axes]) for i in ins], axis=int(attrs["dim"]))


@_converts("getitem")
def _getitem(g, op, ins, attrs, arrays, out):
    """Basic indexing (ints, slices, None, ...) as Slice, Squeeze and Unsqueeze; one
    integer array (or index tensor) on one axis as Gather."""
    x = arrays[0]
    index = attrs["index"]
    index = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in index):
        at = index.index(Ellipsis)
        used = sum(1 for i in index if i is not None and i is not Ellipsis)
        index = index[:at] + (slice(None),) * (x.ndim - used) + index[at + 1:]
    arrays_at = [k for k, i in enumerate(index) if isinstance(i, np.ndarray)]
    if arrays_at:
        return _gather_index(g, ins[0], x, index, arrays_at)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = 0  # the input axis the next index entry applies to
    out_axis = 0
    for i in index:
        if i is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(i, slice):
            if i != slice(None):
                start, stop, step = i.indices(x.shape[axis])
                if step < 0 and stop < 0:
                    stop = _START_FROM_END  # ran past the front
                elif step > 0 and stop == x.shape[axis]:
                    stop = _END  # to the end, whatever the size (the batch's)
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            out_axis += 1
        else:  # an int: a slice of one, then squeezed away
            k = int(i) % x.shape[axis]
            starts.append(k), ends.append(k + 1), axes.append(axis), steps.append(1)
            squeeze.append(axis)
        axis += 1
    name = ins[0]
    if axes:
        name = g.node("Slice", [name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        name = g.node("Squeeze", [name, g.ints(squeeze)])
    if unsqueeze:
        name = g.node("Unsqueeze", [name, g.ints(unsqueeze)])
    return name if name != ins[0] else g.node("Identity", [name])


def _outer(index, arrays_at) -> bool:
    """Whether k integer arrays on k consecutive axes pick an outer product: array j
    varies along its axis j alone (``x[:, :, rows[:, None], cols]``, nearest upsampling),
    so one Gather per axis gives the same result."""
    k = len(arrays_at)
    if arrays_at != list(range(arrays_at[0], arrays_at[0] + k)):
        return False
    for j, at in enumerate(arrays_at):
        shape = (1,) * (k - index[at].ndim) + index[at].shape
        if len(shape) != k or any(n != 1 for a, n in enumerate(shape) if a != j):
            return False
    return True


def _gather_index(g, x_name, x, index, arrays_at):
    full = all(isinstance(i, slice) and i == slice(None) for k, i in enumerate(index)
               if k not in arrays_at)
    if full and len(arrays_at) > 1 and _outer(index, arrays_at) and all(
            g.known(index[a]) is None and index[a].dtype != bool for a in arrays_at):
        for a in arrays_at:
            x_name = g.node("Gather", [x_name, g.const(index[a].reshape(-1))], axis=a)
        return x_name
    if len(arrays_at) != 1 or not full:
        kinds = ", ".join(f"array{i.shape}" if isinstance(i, np.ndarray) else repr(i)
                          for i in index)
        raise g.unsupported("getitem", f"index ({kinds}) (ONNX export takes one integer "
                            "array on one axis, with full slices elsewhere)")
    axis = arrays_at[0]
    idx = index[axis]
    if idx.dtype == bool:
        raise g.unsupported("getitem", "a boolean mask (its output size depends on the data)")
    return g.node("Gather", [x_name, g.value_of(idx)], axis=axis)


@_converts("gather")
def _gather(g, op, ins, attrs, arrays, out):
    index = attrs["index"]
    return g.node("GatherElements", [ins[0], g.value_of(index.astype(np.int64, copy=False))],
                  axis=int(attrs["dim"]))


@_converts("cumsum")
def _cumsum(g, op, ins, attrs, arrays, out):
    return g.node("CumSum", [ins[0], g.ints(int(attrs["dim"]), scalar=True)])


@_converts("einsum")
def _einsum(g, op, ins, attrs, arrays, out):
    return g.node("Einsum", ins, equation=",".join(attrs["subs"]) + "->" + attrs["out"])


# ------------------------------------------------------------------ layers
@_converts("linear")
def _linear(g, op, ins, attrs, arrays, out):
    """x W^T + b: Gemm for a 2-D input, MatMul and Add otherwise."""
    if arrays[0].ndim == 2:
        return g.node("Gemm", ins, transB=1)
    z = g.node("MatMul", [ins[0], g.node("Transpose", [ins[1]], perm=[1, 0])])
    return g.node("Add", [z, ins[2]]) if len(ins) == 3 else z


@_converts("conv2d")
def _conv2d(g, op, ins, attrs, arrays, out):
    x, k = arrays[0].shape[2:], arrays[1].shape[2:]
    s, p, d, o = attrs["stride"], attrs["padding"], attrs["dilation"], attrs["out_hw"]
    # the end pads are what the output size needs ('same' pads one more at the end)
    ends = [max(0, (o[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 - x[a] - p[a]) for a in (0, 1)]
    return g.node("Conv", ins, kernel_shape=list(k), strides=list(s),
                  pads=[p[0], p[1], ends[0], ends[1]], dilations=list(d),
                  group=int(attrs["groups"]))


@_converts("conv_transpose2d")
def _conv_transpose2d(g, op, ins, attrs, arrays, out):
    x, w = arrays[0], arrays[1]
    s, p, d = attrs["stride"], attrs["padding"], attrs["dilation"]
    k = w.shape[2:]
    # the output size without output_padding, and the rows or columns PyTorch adds
    extra = [attrs["out_hw"][a] - ((x.shape[2 + a] - 1) * s[a] - 2 * p[a]
                                   + d[a] * (k[a] - 1) + 1) for a in (0, 1)]
    return g.node("ConvTranspose", ins, kernel_shape=list(k), strides=list(s),
                  pads=[p[0], p[1], p[0], p[1]], dilations=list(d), group=int(attrs["groups"]),
                  output_padding=extra)


def _pool_pads(in_hw, geom):
    """Pads (begin, end) for a floor-mode pooling whose output is the traced one: the
    end pad grows where ceil_mode let a last window hang over the edge."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geom
    ends = []
    for size, k, s, p, d, o in ((in_hw[0], kh, sh, ph, dh, oh), (in_hw[1], kw, sw, pw, dw, ow)):
        ends.append(max(p, (o - 1) * s + d * (k - 1) + 1 - size - p))
    return [ph, pw, ends[0], ends[1]]


@_converts("max_pool2d_indices")
def _max_pool_indices(g, op, ins, attrs, arrays, out):
    return MaxPoolIndices(ins[0], arrays[0].shape, geom=attrs["geom"])


@_converts("adaptive_max_pool2d_indices")
def _adaptive_max_pool_indices(g, op, ins, attrs, arrays, out):
    return MaxPoolIndices(ins[0], arrays[0].shape, out_size=tuple(attrs["out_size"]))


@_converts("max_pool2d")
def _max_pool2d(g, op, ins, attrs, arrays, out):
    if len(ins) == 1:  # windows that tile the input, pooled without indices (ops/pool.py)
        (kh, kw), stride, _, dil, _ = attrs["geom"]
        return g.node("MaxPool", ins, kernel_shape=[kh, kw], strides=list(stride),
                      dilations=list(dil), pads=_pool_pads(arrays[0].shape[2:], attrs["geom"]))
    marker = g.marker(ins[1])
    if not isinstance(marker, MaxPoolIndices):
        raise g.unsupported("max_pool2d", "a gather at indices not made by a max pooling")
    if marker.geom is not None:
        (kh, kw), stride, _, dil, _ = marker.geom
        return g.node("MaxPool", [marker.x], kernel_shape=[kh, kw], strides=list(stride),
                      dilations=list(dil), pads=_pool_pads(marker.in_shape[2:], marker.geom))
    (h, w), (oh, ow) = marker.in_shape[2:], marker.out_size
    if (oh, ow) == (1, 1):
        return g.node("GlobalMaxPool", [marker.x])
    if h % oh or w % ow:
        raise g.unsupported("adaptive_max_pool2d", f"output size {(oh, ow)} from input size "
                            f"{(h, w)} (the windows are not equal: ONNX export needs the "
                            "input size to be a multiple of the output size)")
    return g.node("MaxPool", [marker.x], kernel_shape=[h // oh, w // ow],
                  strides=[h // oh, w // ow])


@_converts("avg_pool2d")
def _avg_pool2d(g, op, ins, attrs, arrays, out):
    """AveragePool over the padded input, each window divided by kh kw; where PyTorch
    divides by another count (the padding left out, ceil_mode's clipped windows,
    divisor_override), a Mul by kh kw / divisor fixes it."""
    geom, divisor = attrs["geom"], np.asarray(attrs["divisor"])
    (kh, kw), stride = geom[0], geom[1]
    pads = _pool_pads(arrays[0].shape[2:], geom)
    full = float(kh * kw)
    if np.all(divisor == full):
        return g.node("AveragePool", ins, kernel_shape=[kh, kw], strides=list(stride),
                      pads=pads, count_include_pad=1)
    pooled = g.node("AveragePool", ins, kernel_shape=[kh, kw], strides=list(stride),
                    pads=pads, count_include_pad=1)
    factor = (full / divisor).astype(out.dtype)
    return g.node("Mul", [pooled, g.const(factor)])


@_converts("adaptive_avg_pool2d")
def _adaptive_avg_pool2d(g, op, ins, attrs, arrays, out):
    """GlobalAveragePool for a 1x1 output, AveragePool where the windows are equal, and
    otherwise A_h x A_w^T with the averaging matrices."""
    (h, w), (oh, ow) = arrays[0].shape[2:], out.shape[-2:]
    if (oh, ow) == (1, 1):
        return g.node("GlobalAveragePool", ins)
    if h % oh == 0 and w % ow == 0:
        return g.node("AveragePool", ins, kernel_shape=[h // oh, w // ow],
                      strides=[h // oh, w // ow])
    rows = g.node("MatMul", [g.const(attrs["a_h"]), ins[0]])
    return g.node("MatMul", [rows, g.const(np.ascontiguousarray(attrs["a_w"].T))])


# ------------------------------------------------------------------ more arithmetic
@_converts("frac")
def _frac(g, op, ins, attrs, arrays, out):
    """x - trunc(x)."""
    trunc = _trunc(g, "trunc", ins, attrs, arrays, out)
    return g.node("Sub", [ins[0], trunc])


@_converts("fmod", "remainder")
def _mod(g, op, ins, attrs, arrays, out):
    """fmod: the sign of x (ONNX Mod with fmod=1); remainder: the sign of y,
    x - floor(x / y) y for floats (ONNX's integer Mod already has it)."""
    if op == "fmod":
        return g.node("Mod", ins, fmod=1)
    if out.dtype.kind != "f":
        return g.node("Mod", ins, fmod=0)
    x, y = ins
    return g.node("Sub", [x, g.node("Mul", [g.node("Floor", [g.node("Div", [x, y])]), y])])


@_converts("vector_norm")
def _vector_norm(g, op, ins, attrs, arrays, out):
    """The 2-norm, 1-norm and max-norm as ONNX's reductions."""
    order = float(attrs["ord"])
    axes = _axes_input(g, attrs, arrays[0].ndim)
    keep = int(bool(attrs["keepdim"]))
    if order == 2:
        return g.node("ReduceL2", [ins[0], axes], keepdims=keep)
    if order == 1:
        return g.node("ReduceL1", [ins[0], axes], keepdims=keep)
    if order == float("inf"):
        return g.node("ReduceMax", [g.node("Abs", ins), axes], keepdims=keep)
    raise g.unsupported("vector_norm", f"ord={attrs['ord']} (ONNX export takes 1, 2 and inf)")
