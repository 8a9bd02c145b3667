"""reseau: a deep-learning library on NumPy with its own reverse-mode autodiff engine.

The public API follows PyTorch's names: ``reseau.tensor``, ``reseau.zeros``,
``x.backward()``, ``reseau.no_grad()``, ``reseau.nn``, ``reseau.optim``...
"""

from __future__ import annotations

import numpy as _np

from . import autograd, backend
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import set_default_dtype
from . import random  # noqa: A004  (torch.random: PyTorch's streams)
from .random import (
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
    set_rng_state,
)
from .tensor import Tensor
from .creation import (
    arange, as_tensor, empty, eye, from_numpy, full, full_like, linspace, ones, ones_like,
    rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .creation import bernoulli, empty_like, is_floating_point, multinomial, normal, randint_like
from .ops import OPS
from .ops.activation import gelu, leaky_relu, log_sigmoid, relu, sigmoid, softplus, tanh
from .ops.arithmetic import abs, add, clone, div, matmul, mul, neg, pow, sub
from .ops.arithmetic import div as divide, mul as multiply, sub as subtract
from .ops.compare import eq, ge, gt, le, lt, ne
from .ops.elementwise import clamp, exp, log, maximum, minimum, sign, sqrt, where
from .ops.reduce import (
    amax, amin, argmax, argmin, logsumexp, log_softmax, max, mean, min, softmax, std, sum, var,
)
from .ops.shape import cat, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze
from .ops.shape import cat as concat, cat as concatenate
# section 3 of issue 13: more maths, products and norms, indexing, sorting, counting
from .ops.trig import acos, asin, atan, atan2, cos, cosh, sin, sinh, tan
from .ops.trig import acos as arccos, asin as arcsin, atan as arctan, atan2 as arctan2
from .ops.special import erf, expm1, log1p, log2, log10, reciprocal, rsqrt, square
from .ops.rounding import ceil, floor, floor_divide, fmod, frac, remainder, round, trunc
from .ops.linalg import addmm, bmm, dot, einsum, mm, norm, outer
from .ops.index import gather, index_select, masked_fill, scatter, scatter_add
from .ops.sort import argsort, median, msort, sort, topk
from .ops.cumulative import cumprod, cumsum
from .ops.rearrange import chunk, diag, flip, narrow, ravel, roll, split, tile, tril, triu
from .ops.logical import all, allclose, any, equal, isclose, isfinite, isinf, isnan
from .ops.counting import bincount, histc, histogram, numel, unique
from .ops.special import exp2
from .ops.linalg import mv, trace
from .ops.cumulative import prod
from .ops.rearrange import (
    broadcast_to, diff, hstack, meshgrid, movedim, select, swapaxes, take_along_dim, unbind, vstack,
)
from .ops.logical import (
    argwhere, count_nonzero, is_tensor, logical_and, logical_not, logical_or, logical_xor, nonzero,
)
from . import linalg  # torch.linalg's names
from .gradcheck import GradcheckError, gradcheck
autograd.gradcheck = gradcheck  # torch.autograd.gradcheck (gradcheck.py is above the core)
from .autograd import inference_mode  # torch.inference_mode
from .gradcheck_module import gradcheck_module
from . import nn  # noqa: E402  (after the core: nn builds on it)
from . import optim  # noqa: E402  (after Tensor: optimizers update tensors)
from .compile import compile  # noqa: E402,A004  (torch.compile: a recorded training step)
from . import utils  # noqa: E402  (torch.utils.data: Dataset, DataLoader, samplers)
from . import data  # noqa: E402  (datasets and loaders; NumPy only at import)
from . import backends, cuda  # noqa: E402  (torch.cuda / torch.backends answers: CPU only)
from .compat import install_as_torch  # noqa: E402  (`import torch` loads reseau)
from .io import load, save  # noqa: E402  (model files: .npz weights + JSON, no pickle)

# dtypes as PyTorch names them; each prints as reseau.float32 and is equal to NumPy's
from .dtypes import DType as dtype, public_default_dtype as get_default_dtype  # noqa: E402
from .dtypes import public_dtype as _public  # noqa: E402

float32 = _public(_np.dtype("float32"))
float64 = _public(_np.dtype("float64"))
float16 = _public(_np.dtype("float16"))
int8 = _public(_np.dtype("int8"))
int16 = _public(_np.dtype("int16"))
int32 = _public(_np.dtype("int32"))
int64 = _public(_np.dtype("int64"))
uint8 = _public(_np.dtype("uint8"))
bool = _public(_np.dtype("bool"))  # noqa: A001  (PyTorch's name)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

from .size import Size  # noqa: E402
from .devices import device, get_default_device, set_default_device  # noqa: E402
from .printing import set_printoptions  # noqa: E402
from .creation import (  # noqa: E402  (legacy constructors)
    BoolTensor, ByteTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor,
)

from .version import __version__  # noqa: E402

__all__ = [
    "Tensor", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
    "linspace", "eye", "randn", "rand", "randint", "randperm", "zeros_like", "ones_like",
    "full_like", "randn_like", "rand_like", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode", "detect_anomaly", "manual_seed", "get_default_dtype",
    "Generator", "default_generator", "initial_seed", "seed", "get_rng_state",
    "set_rng_state", "random", "normal", "bernoulli", "multinomial", "randint_like",
    "set_default_dtype", "gradcheck", "gradcheck_module", "GradcheckError", "OPS",
    "autograd", "backend", "nn", "optim", "data", "save", "load", "cuda", "backends",
    "install_as_torch",
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "abs", "clone", "exp", "log", "sqrt",
    "sign", "clamp", "maximum", "minimum", "where", "relu", "leaky_relu", "sigmoid", "tanh",
    "softplus", "log_sigmoid", "gelu", "sum", "mean", "var", "std", "max", "min", "amax",
    "amin", "argmax", "argmin", "logsumexp", "softmax", "log_softmax", "reshape", "permute",
    "transpose", "squeeze", "unsqueeze", "flatten", "cat", "stack", "eq", "ne", "lt", "le",
    "gt", "ge", "float32", "float64", "float16", "int32", "int64", "long", "bool", "float",
    "double",
    "sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "atan2", "arcsin", "arccos",
    "arctan", "arctan2", "erf", "expm1", "log1p", "log2", "log10", "reciprocal", "rsqrt",
    "square", "ceil", "floor", "floor_divide", "fmod", "frac", "remainder", "round", "trunc",
    "addmm", "bmm", "dot", "einsum", "mm",
    "norm", "outer", "gather", "index_select", "masked_fill", "scatter", "scatter_add",
    "argsort", "median", "msort", "sort", "topk", "cumprod", "cumsum", "chunk", "diag", "flip",
    "narrow",
    "roll", "split", "tile", "tril", "triu", "all", "allclose", "any", "equal", "isclose",
    "isfinite", "isinf", "isnan", "ravel", "bincount", "histc", "histogram", "numel", "unique",
    "linalg", "concat", "concatenate", "exp2", "mv", "trace", "prod", "broadcast_to", "diff",
    "hstack", "meshgrid", "movedim", "select", "swapaxes", "take_along_dim", "unbind", "vstack",
    "argwhere", "count_nonzero", "is_tensor", "logical_and", "logical_not", "logical_or",
    "logical_xor", "nonzero", "divide", "multiply", "subtract",
]


def __getattr__(name: str):
    """``reseau.onnx`` (``torch.onnx.export`` after a plain ``import torch``), imported on
    first use: it is not needed to train, and import time is paid by everyone."""
    if name == "onnx":
        import importlib

        return importlib.import_module(".onnx", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
