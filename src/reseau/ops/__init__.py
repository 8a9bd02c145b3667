"""The differentiable primitives of reseau, each registered once in ``OPS`` with its
forward and its vector-Jacobian product side by side.

Modules by kind: ``arithmetic`` (add, mul, matmul...), ``elementwise`` (exp, log,
clamp, maximum, where...), ``activation`` (relu, sigmoid, tanh, softplus, gelu...),
``reduce`` (sum, mean, var, max, logsumexp, softmax...), ``shape`` (reshape, permute,
indexing, cat, stack...), ``compare`` (no gradient), ``nn`` (fused linear and losses),
``losses`` (binary cross-entropy on probabilities), ``trig`` and ``special`` (sin...,
log1p, erf...), ``rounding``, ``linalg`` (mm, einsum, norms), ``index`` (gather,
scatter...), ``sort``, ``cumulative``, ``rearrange`` (repeat, split, flip, tril...),
``logical`` and ``counting`` (no gradient).

The public function of every op is also a name of this package (``ops.add``,
``ops.getitem``): ``tensor.py`` reaches all of them through its one ``ops`` import.
"""

from . import losses  # noqa: F401 (registers binary_cross_entropy)
from .activation import gelu, leaky_relu, log_sigmoid, relu, sigmoid, softplus, tanh
from .arithmetic import abs, add, cast, clone, div, matmul, mul, neg, pow, sub
from .compare import eq, ge, gt, le, lt, ne
from .conv import conv1d, conv2d, conv_transpose2d, fold, unfold
from .device import to_device
from .elementwise import clamp, exp, log, maximum, minimum, sign, sqrt, where
from .nn import binary_cross_entropy_with_logits, cross_entropy, linear
from .pool import (
    adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, interpolate, max_pool1d,
    max_pool2d,
)
from .reduce import (
    amax, amin, argmax, argmin, log_softmax, logsumexp, max, mean, min, softmax, std, sum, var,
)
from .registry import OPS, OpDef, apply, register
from .trig import acos, asin, atan, atan2, cos, cosh, sin, sinh, tan
from .special import erf, exp2, expm1, log1p, log2, log10, reciprocal, rsqrt, square
from .rounding import ceil, floor, floor_divide, fmod, frac, remainder, round, trunc
from .linalg import (
    addmm, bmm, dot, einsum, linalg_norm, matrix_norm, mm, mv, norm, outer, trace, vector_norm,
)
from .index import (
    gather, index_select, masked_fill, masked_fill_, scatter, scatter_, scatter_add,
    scatter_add_,
)
from .sort import argsort, median, msort, sort, topk
from .cumulative import cumprod, cumsum, prod
from .rearrange import (
    broadcast_to, chunk, diag, diff, flip, hstack, meshgrid, movedim, narrow, ravel, repeat, roll,
    select, split, swapaxes, take_along_dim, tile, tril, triu, unbind, vstack,
)
from .logical import (
    all, allclose, any, argwhere, count_nonzero, equal, is_tensor, isclose, isfinite, isinf, isnan,
    logical_and, logical_not, logical_or, logical_xor, nonzero,
)
from .counting import bincount, histc, histogram, numel, unique
from . import methods  # noqa: E402,F401 (the op functions as Tensor methods)
from .shape import (
    cat, expand, flatten, getitem, permute, reshape, setitem, squeeze, stack, transpose,
    unsqueeze,
)

__all__ = [
    "OPS", "OpDef", "apply", "register",
    "gelu", "leaky_relu", "log_sigmoid", "relu", "sigmoid", "softplus", "tanh",
    "abs", "add", "cast", "clone", "div", "matmul", "mul", "neg", "pow", "sub",
    "eq", "ge", "gt", "le", "lt", "ne",
    "conv1d", "conv2d", "conv_transpose2d", "fold", "unfold",
    "to_device",
    "clamp", "exp", "log", "maximum", "minimum", "sign", "sqrt", "where",
    "binary_cross_entropy_with_logits", "cross_entropy", "linear",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d", "interpolate",
    "max_pool1d", "max_pool2d",
    "amax", "amin", "argmax", "argmin", "log_softmax", "logsumexp", "max", "mean", "min",
    "softmax", "std", "sum", "var",
    "cat", "expand", "flatten", "getitem", "permute", "reshape", "setitem", "squeeze", "stack",
    "transpose", "unsqueeze",
    "acos", "asin", "atan", "atan2", "cos", "cosh", "sin", "sinh", "tan",
    "erf", "expm1", "log1p", "log2", "log10", "reciprocal", "rsqrt", "square",
    "ceil", "floor", "floor_divide", "fmod", "frac", "remainder", "round", "trunc",
    "addmm", "bmm", "dot", "einsum", "linalg_norm", "matrix_norm", "mm", "norm", "outer",
    "vector_norm",
    "gather", "index_select", "masked_fill", "masked_fill_", "scatter", "scatter_",
    "scatter_add", "scatter_add_",
    "argsort", "median", "msort", "sort", "topk", "cumprod", "cumsum",
    "chunk", "diag", "flip", "narrow", "ravel", "repeat", "roll", "split", "tile", "tril",
    "triu", "all", "allclose", "any", "equal", "isclose", "isfinite", "isinf", "isnan",
    "bincount", "histc", "histogram", "numel", "unique",
    "exp2", "mv", "trace", "prod", "broadcast_to", "diff", "hstack", "meshgrid", "movedim",
    "select", "swapaxes", "take_along_dim", "unbind", "vstack", "argwhere", "count_nonzero",
    "is_tensor", "logical_and", "logical_not", "logical_or", "logical_xor", "nonzero",
]
