"""The table of test cases of the primitives: one or more per op registered in
``reseau.OPS``.

A case says how to call the op with reseau (``fn``) and with PyTorch (``tfn``, the
oracle), and the input domain of each argument (``Arg``): log and sqrt get positive
inputs, denominators stay away from 0, kinks (0 for relu/abs/sign, the bounds of
clamp) are avoided so that finite differences are meaningful. The kinks themselves are
tested with exact values in ``test_op_edges.py``.

``test_op_table.py`` fails when an op of ``OPS`` has no case here.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import reseau
from reseau.ops.nn import binary_cross_entropy_with_logits, cross_entropy, linear
from reseau.ops.shape import expand

try:  # the oracle is optional: the table is also used without it
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = F = None


@dataclass(frozen=True)
class Arg:
    """One float input: its shape and domain. Values are uniform in [low, high]; with
    ``signed`` their magnitude is, with a random sign; ``avoid`` keeps them at least
    0.1 away from the given points; ``ints`` draws integers in [low, high] (ties for
    comparisons); ``values`` fixes them."""

    shape: tuple = ()
    low: float = -2.0
    high: float = 2.0
    signed: bool = False
    avoid: tuple = ()
    ints: bool = False
    values: object = None
    grad: bool = True

    def make(self, rng: np.random.Generator, dtype) -> np.ndarray:
        if self.values is not None:
            return np.asarray(self.values, dtype=dtype).reshape(self.shape)
        if self.ints:
            x = rng.integers(int(self.low), int(self.high) + 1, size=self.shape).astype(float)
            return np.asarray(x, dtype=dtype)
        x = rng.uniform(self.low, self.high, size=self.shape)
        if self.signed:
            x = x * rng.choice([-1.0, 1.0], size=self.shape)
        for p in self.avoid:
            near = np.abs(x - p) < 0.1
            x = np.where(near, p + np.where(x >= p, 0.1, -0.1) + 0.1 * (x - p), x)
        return np.asarray(x, dtype=dtype)


@dataclass(frozen=True)
class Case:
    """``fn(*tensors)`` calls op ``op`` with reseau, ``tfn(*torch_tensors)`` does the
    same with PyTorch (None: no oracle). ``gradcheck`` holds keyword overrides for
    ``reseau.gradcheck``."""

    op: str
    id: str
    fn: Callable
    tfn: Callable | None
    args: tuple
    gradcheck: dict = field(default_factory=dict)
    float32: bool = True

    @property
    def name(self) -> str:
        return f"{self.op}-{self.id}"

    def arrays(self, dtype) -> list[np.ndarray]:
        """The inputs as arrays, the same for every run of the same case."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        return [a.make(rng, dtype) for a in self.args]

    def tensors(self, dtype=np.float64) -> list:
        return [
            reseau.tensor(x, requires_grad=a.grad) for x, a in zip(self.arrays(dtype), self.args)
        ]


def sid(shape) -> str:
    return "x".join(map(str, shape)) if shape else "scalar"


CASES: list[Case] = []


def case(op, id, fn, tfn, *args, **kw) -> None:
    CASES.append(Case(op, id, fn, tfn, tuple(args), **kw))


# ------------------------------------------------------------------ binary, broadcast
BINARY_SHAPES = [
    ((2, 3), (2, 3)),
    ((), ()),
    ((2, 3), ()),
    ((), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 3), (1, 3)),
    ((1, 3), (2, 1)),
    ((2, 1), (2, 3)),
    ((4, 1, 3), (2, 1)),
]

BINARY = {
    # op: (reseau fn, torch fn (by name, resolved lazily), domain of x, domain of y)
    "add": (reseau.add, "add", {}, {}),
    "sub": (reseau.sub, "sub", {}, {}),
    "mul": (reseau.mul, "mul", {}, {}),
    "div": (reseau.div, "div", {}, dict(low=0.5, high=2.0, signed=True)),
    "pow": (reseau.pow, "pow", dict(low=0.5, high=2.0), {}),
    "maximum": (reseau.maximum, "maximum", {}, {}),
    "minimum": (reseau.minimum, "minimum", {}, {}),
}


def _torch(name):
    return lambda *ts: getattr(torch, name)(*ts)


for _op, (_fn, _tname, _dx, _dy) in BINARY.items():
    for _sx, _sy in BINARY_SHAPES:
        case(_op, f"{sid(_sx)}_{sid(_sy)}", _fn, _torch(_tname), Arg(_sx, **_dx), Arg(_sy, **_dy))
    # one operand a constant (no gradient asked of it)
    case(_op, "const_y", _fn, _torch(_tname), Arg((2, 3), **_dx), Arg((3,), grad=False, **_dy))

# Python numbers as operands, through the operators
case("add", "plus_number", lambda x: x + 2.5, lambda x: x + 2.5, Arg((2, 3)))
case("add", "number_plus", lambda x: 2.5 + x, lambda x: 2.5 + x, Arg((2, 3)))
case("sub", "number_minus", lambda x: 3.0 - x, lambda x: 3.0 - x, Arg((2, 3)))
case("mul", "operator", lambda x, y: x * y, lambda x, y: x * y, Arg((2, 3)), Arg((3,)))
case("mul", "same_input_twice", lambda x: x * x, lambda x: x * x, Arg((2, 3)))
case("div", "number_over", lambda x: 2.0 / x, lambda x: 2.0 / x,
     Arg((2, 3), low=0.5, high=2.0, signed=True))
case("div", "operator", lambda x, y: x / y, lambda x, y: x / y, Arg((2, 3)),
     Arg((2, 1), low=0.5, high=2.0, signed=True))

# where: the condition is a constant, broadcast with both branches
_COND = np.array([[True], [False]])
_COND3 = np.array([True, False, True])
case("where", "2x3_2x3", lambda x, y: reseau.where(reseau.tensor(_COND3), x, y),
     lambda x, y: torch.where(torch.from_numpy(_COND3), x, y), Arg((2, 3)), Arg((2, 3)))
case("where", "cond2x1_1x3_scalar", lambda x, y: reseau.where(reseau.tensor(_COND), x, y),
     lambda x, y: torch.where(torch.from_numpy(_COND), x, y), Arg((1, 3)), Arg(()))
case("where", "number_branch", lambda x: reseau.where(x > 0, x, 0.0),
     lambda x: torch.where(x > 0, x, 0.0), Arg((2, 3), avoid=(0,)))

# comparisons: no gradient; integer values so that ties (eq, le, ge) happen
for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    _f = getattr(reseau, _op)
    for _sx, _sy in [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), ())]:
        case(_op, f"{sid(_sx)}_{sid(_sy)}", _f, _torch(_op),
             Arg(_sx, low=-1, high=1, ints=True), Arg(_sy, low=-1, high=1, ints=True))
    case(_op, "number", lambda x, _f=_f: _f(x, 0.0), lambda x, _op=_op: getattr(torch, _op)(x, 0.0),
         Arg((2, 3), low=-1, high=1, ints=True))

# ------------------------------------------------------------------ unary
UNARY_SHAPES = [(), (3,), (2, 3), (2, 1, 3)]
POS = dict(low=0.5, high=2.0)
UNARY = {
    "neg": (reseau.neg, lambda x: -x, {}),
    "exp": (reseau.exp, torch.exp if torch else None, {}),
    "log": (reseau.log, torch.log if torch else None, POS),
    "sqrt": (reseau.sqrt, torch.sqrt if torch else None, POS),
    "abs": (reseau.abs, torch.abs if torch else None, dict(avoid=(0,))),
    "sign": (reseau.sign, torch.sign if torch else None, dict(avoid=(0,))),
    "relu": (reseau.relu, torch.relu if torch else None, dict(avoid=(0,))),
    "sigmoid": (reseau.sigmoid, torch.sigmoid if torch else None, {}),
    "tanh": (reseau.tanh, torch.tanh if torch else None, {}),
    "log_sigmoid": (reseau.log_sigmoid, F.logsigmoid if torch else None, dict(low=-5, high=5)),
    "clone": (reseau.clone, lambda x: x.clone(), {}),
}
for _op, (_fn, _tfn, _dom) in UNARY.items():
    for _s in UNARY_SHAPES:
        case(_op, sid(_s), _fn, _tfn, Arg(_s, **_dom))

case("neg", "operator", lambda x: -x, lambda x: -x, Arg((2, 3)))
case("abs", "operator", lambda x: abs(x), lambda x: abs(x), Arg((2, 3), avoid=(0,)))
for _s in UNARY_SHAPES:
    for _slope in (0.01, 0.2):
        case("leaky_relu", f"{sid(_s)}_slope{_slope}",
             lambda x, a=_slope: reseau.leaky_relu(x, a),
             lambda x, a=_slope: F.leaky_relu(x, a), Arg(_s, avoid=(0,)))
    case("softplus", sid(_s), reseau.softplus, F.softplus if torch else None,
         Arg(_s, low=-5, high=5))
    case("gelu", sid(_s), reseau.gelu, F.gelu if torch else None, Arg(_s, low=-3, high=3))
    case("gelu", f"{sid(_s)}_tanh", lambda x: reseau.gelu(x, approximate="tanh"),
         lambda x: F.gelu(x, approximate="tanh"), Arg(_s, low=-3, high=3))
# beta and the linear region above the threshold (x * beta > threshold: x itself)
case("softplus", "beta2_threshold3", lambda x: reseau.softplus(x, beta=2.0, threshold=3.0),
     lambda x: F.softplus(x, beta=2.0, threshold=3.0), Arg((3, 4), avoid=(1.5,)))
case("softplus", "above_threshold", lambda x: reseau.softplus(x, threshold=5.0),
     lambda x: F.softplus(x, threshold=5.0), Arg((2, 3), low=6, high=9))

# clamp: one or both bounds, values kept away from the bounds
for _id, _lo, _hi in [("both", -0.5, 0.8), ("min", -0.5, None), ("max", None, 0.8)]:
    _avoid = tuple(b for b in (_lo, _hi) if b is not None)
    for _s in [(), (2, 3)]:
        case("clamp", f"{_id}_{sid(_s)}", lambda x, lo=_lo, hi=_hi: reseau.clamp(x, lo, hi),
             lambda x, lo=_lo, hi=_hi: torch.clamp(x, lo, hi), Arg(_s, avoid=_avoid))
case("clamp", "method_clip", lambda x: x.clip(-1.0, 1.0), lambda x: x.clip(-1.0, 1.0),
     Arg((2, 3), avoid=(-1.0, 1.0)))

# pow with a number as exponent (pow_scalar) or as base (rpow_scalar)
for _c, _dom in [
    (2, {}), (3, {}), (0.5, POS), (-1.5, POS), (0, {}), (1, {}), (-2, dict(POS, signed=True)),
]:
    for _s in [(), (2, 3)]:
        case("pow_scalar", f"{_c}_{sid(_s)}", lambda x, c=_c: reseau.pow(x, c),
             lambda x, c=_c: torch.pow(x, c), Arg(_s, **_dom))
case("pow_scalar", "operator", lambda x: x**2.5, lambda x: x**2.5, Arg((2, 3), **POS))
case("pow_scalar", "method", lambda x: x.pow(3), lambda x: x.pow(3), Arg((2, 3)))
for _b in (2.0, 0.5, 3):
    for _s in [(), (2, 3)]:
        case("rpow_scalar", f"{_b}_{sid(_s)}", lambda x, b=_b: b**x, lambda x, b=_b: b**x, Arg(_s))
case("rpow_scalar", "function", lambda x: reseau.pow(2.0, x), lambda x: torch.pow(2.0, x),
     Arg((3,)))


# cast: float64 <-> float32, differentiable; the gradient keeps the input's dtype.
# Finite differences through a float32 result need a larger step.
def _other_float(x):
    return reseau.float32 if x.dtype == np.float64 else reseau.float64


def _other_float_t(x):
    return torch.float32 if x.dtype == torch.float64 else torch.float64


for _s in [(), (2, 3)]:
    case("cast", sid(_s), lambda x: x.to(_other_float(x)), lambda x: x.to(_other_float_t(x)),
         Arg(_s), gradcheck=dict(eps=1e-2, atol=1e-4))
case("cast", "float_method", lambda x: x.float(), lambda x: x.float(), Arg((2, 3)),
     gradcheck=dict(eps=1e-2, atol=1e-4))

# to_device: a copy on the cpu here (the stand-in's cuda devices: tests/test_devices_cuda.py)
case("to_device", "cpu_copy", lambda x: reseau.ops.to_device(x, reseau.device("cpu")),
     lambda x: x.to("cpu", copy=True), Arg((2, 3)))

# ------------------------------------------------------------------ matmul
MATMUL_SHAPES = [
    ((3,), (3,)),  # dot product
    ((2, 3), (3,)),  # matrix-vector
    ((3,), (3, 4)),  # vector-matrix
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),  # batched @ matrix
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),  # broadcast batch dims
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
]
for _sx, _sy in MATMUL_SHAPES:
    case("matmul", f"{sid(_sx)}_{sid(_sy)}", reseau.matmul, _torch("matmul"), Arg(_sx), Arg(_sy))
case("matmul", "operator", lambda x, y: x @ y, lambda x, y: x @ y, Arg((2, 3)), Arg((3, 2)))
case("matmul", "const_x", reseau.matmul, _torch("matmul"), Arg((2, 3), grad=False), Arg((3, 4)))


# ------------------------------------------------------------------ reductions
def _all(t):
    return tuple(range(t.ndim))


def _tred(name, dim, keepdim, **kw):
    """PyTorch's reduction ``name`` over ``dim`` (None: all dims)."""

    def f(t):
        return getattr(torch, name)(t, dim=_all(t) if dim is None else dim, keepdim=keepdim, **kw)

    return f


X3 = (2, 3, 4)
REDUCE_DIMS = [
    (None, False), (None, True), (0, False), (1, True), (-1, False), ((0, 2), False),
    ((-1, 0), True),
]
for _op in ("sum", "mean", "amax", "amin", "logsumexp"):
    _f = getattr(reseau, _op)
    for _dim, _keep in REDUCE_DIMS:
        case(_op, f"dim{_dim}_keep{_keep}".replace(" ", ""),
             lambda x, f=_f, d=_dim, k=_keep: f(x, d, k), _tred(_op, _dim, _keep), Arg(X3))
    if _op != "logsumexp":
        case(_op, "scalar", lambda x, f=_f: f(x), lambda x, _op=_op: getattr(torch, _op)(x),
             Arg(()))
        case(_op, "method", lambda x, _op=_op: getattr(x, _op)(1),
             lambda x, _op=_op: getattr(x, _op)(1), Arg((3, 4)))
case("sum", "scalar_dim0", lambda x: x.sum(0), lambda x: x.sum(0), Arg(()))

for _dim, _keep in REDUCE_DIMS:
    for _corr in (0, 1):
        case("var", f"dim{_dim}_keep{_keep}_corr{_corr}".replace(" ", ""),
             lambda x, d=_dim, k=_keep, c=_corr: reseau.var(x, d, keepdim=k, correction=c),
             _tred("var", _dim, _keep, correction=_corr), Arg(X3))
case("var", "unbiased_false", lambda x: x.var(1, unbiased=False),
     lambda x: x.var(1, unbiased=False), Arg((3, 4)))
case("var", "std", lambda x: reseau.std(x, 1), lambda x: torch.std(x, 1), Arg((3, 4)))
case("var", "std_all_corr0", lambda x: x.std(correction=0), lambda x: x.std(correction=0),
     Arg((3, 4)))

for _op, _top in (("max_dim", "max"), ("min_dim", "min")):
    _f = getattr(reseau, _top)
    for _dim in (0, 1, -1):
        for _keep in (False, True):
            case(_op, f"dim{_dim}_keep{_keep}", lambda x, f=_f, d=_dim, k=_keep: f(x, d, k).values,
                 lambda x, t=_top, d=_dim, k=_keep: getattr(torch, t)(x, d, k).values, Arg(X3))
    case(_op, "method_1d", lambda x, t=_top: getattr(x, t)(0)[0],
         lambda x, t=_top: getattr(x, t)(0)[0], Arg((5,)))

for _op in ("argmax", "argmin"):
    _f = getattr(reseau, _op)
    for _dim, _keep in [(None, False), (0, False), (1, True), (-1, False)]:
        case(_op, f"dim{_dim}_keep{_keep}", lambda x, f=_f, d=_dim, k=_keep: f(x, d, k),
             lambda x, o=_op, d=_dim, k=_keep: getattr(torch, o)(x, d, k), Arg(X3))
    case(_op, "indices_of_max", lambda x, t=_op[3:]: getattr(reseau, t)(x, 1).indices,
         lambda x, t=_op[3:]: getattr(torch, t)(x, 1).indices, Arg((3, 4)))

for _op in ("softmax", "log_softmax"):
    _f = getattr(reseau, _op)
    for _dim in (0, 1, -1):
        case(_op, f"dim{_dim}", lambda x, f=_f, d=_dim: f(x, d),
             lambda x, o=_op, d=_dim: getattr(torch, o)(x, d), Arg(X3, low=-3, high=3))
    case(_op, "1d", lambda x, f=_f: f(x, 0), lambda x, o=_op: getattr(torch, o)(x, 0), Arg((5,)))
    case(_op, "method", lambda x, o=_op: getattr(x, o)(-1), lambda x, o=_op: getattr(x, o)(-1),
         Arg((2, 3)))

# ------------------------------------------------------------------ shape
case("reshape", "2x3_to_3x2", lambda x: x.reshape(3, 2), lambda x: x.reshape(3, 2), Arg((2, 3)))
case("reshape", "infer", lambda x: reseau.reshape(x, (-1, 4)), lambda x: x.reshape(-1, 4), Arg(X3))
case("reshape", "view", lambda x: x.view(6), lambda x: x.view(6), Arg((2, 3)))
case("reshape", "scalar_to_1x1", lambda x: x.reshape(1, 1), lambda x: x.reshape(1, 1), Arg(()))
case("reshape", "flatten", lambda x: x.flatten(), lambda x: x.flatten(), Arg(X3))
case("reshape", "flatten_1_2", lambda x: reseau.flatten(x, 1), lambda x: torch.flatten(x, 1),
     Arg(X3))
case("reshape", "squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(), Arg((2, 1, 3, 1)))
case("reshape", "squeeze_dim", lambda x: x.squeeze(-1), lambda x: x.squeeze(-1), Arg((2, 1, 3, 1)))
case("reshape", "unsqueeze", lambda x: x.unsqueeze(1), lambda x: x.unsqueeze(1), Arg((2, 3)))
case("reshape", "unsqueeze_neg", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), Arg((2, 3)))

case("permute", "201", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), Arg(X3))
case("permute", "function_neg", lambda x: reseau.permute(x, (-1, 0, 1)),
     lambda x: torch.permute(x, (-1, 0, 1)), Arg(X3))
case("permute", "transpose", lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2), Arg(X3))
case("permute", "transpose_neg", lambda x: reseau.transpose(x, -1, -2),
     lambda x: torch.transpose(x, -1, -2), Arg(X3))
case("permute", "T", lambda x: x.T, lambda x: x.T, Arg((2, 3)))
case("permute", "t", lambda x: x.t(), lambda x: x.t(), Arg((2, 3)))

case("expand", "3x1_to_2x3x4", lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4),
     Arg((3, 1)))
case("expand", "scalar", lambda x: expand(x, (2, 3)), lambda x: x.expand(2, 3), Arg(()))
case("expand", "keep_dim", lambda x: x.expand(4, -1), lambda x: x.expand(4, -1), Arg((1, 3)))
case("expand", "expand_as", lambda x: x.expand_as(reseau.zeros(2, 3)),
     lambda x: x.expand_as(torch.zeros(2, 3)), Arg((3,)))

# getitem: basic (ints, slices, None, Ellipsis) and advanced (integer arrays, masks)
_MASK = np.array([
    [True, False, True, True], [False, False, True, False], [True, True, False, False],
])
GETITEM = [
    # id, reseau index, torch index (None: the same)
    ("int", 1, None),
    ("neg_int", (-1, 2), None),
    ("slices", (slice(1, None), slice(None, None, 2)), None),
    ("none_ellipsis", (None, Ellipsis, 1), None),
    ("ellipsis_slice", (Ellipsis, slice(1, 3)), None),
    ("int_array_repeats", [0, 0, 2, 0], None),
    ("two_int_arrays_repeats", ([0, 1, 1, 1], [3, 2, 2, 2]), None),
    ("slice_int_array", (slice(None), [1, 1, 0]), None),
    ("int_array_2d", np.array([[0, 2], [2, 2]]), None),
    ("bool_mask", _MASK, None),
    ("bool_rows", np.array([True, False, True]), None),
]


def _torch_index(index):
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    if isinstance(index, list):
        return torch.tensor(index)
    return index


for _id, _idx, _tidx in GETITEM:
    case("getitem", _id, lambda x, i=_idx: x[i], lambda x, i=_idx: x[_torch_index(i)], Arg((3, 4)))
case("getitem", "reversed", lambda x: x[::-1], lambda x: torch.flip(x, (0,)), Arg((4,)))
case("getitem", "3d_mixed", lambda x: x[:, [0, 0, 2], 1:], lambda x: x[:, [0, 0, 2], 1:], Arg(X3))
case("getitem", "tensor_index", lambda x: x[reseau.tensor([1, 1, 0])],
     lambda x: x[torch.tensor([1, 1, 0])], Arg((3, 4)))
case("getitem", "bool_tensor_mask", lambda x: x[x > 0], lambda x: x[x > 0], Arg((3, 4)))


def _torch_setitem(x, v, index):
    z = x.clone()
    z[index] = v
    return z


# setitem: x[index] = v inside a graph (Tensor.__setitem__ records it), both differentiable
for _id, _idx, _vshape in [("basic", (slice(None), 1), (3,)), ("broadcast", (0,), ()),
                           ("advanced", ([0, 2, 1], [1, 0, 3]), (3,)),
                           ("rows", ([2, 0],), (1, 4))]:
    case("setitem", _id, lambda x, v, i=_idx: reseau.ops.setitem(x, i, v),
         lambda x, v, i=_idx: _torch_setitem(x, v, i), Arg((3, 4)), Arg(_vshape))

for _dim, _shapes in [
    (0, [(2, 3), (1, 3)]), (1, [(2, 1), (2, 3), (2, 2)]), (-1, [(2, 2, 1), (2, 2, 3)]),
]:
    case("cat", f"dim{_dim}", lambda *xs, d=_dim: reseau.cat(xs, d),
         lambda *xs, d=_dim: torch.cat(xs, d), *[Arg(s) for s in _shapes])
case("cat", "one_input", lambda x: reseau.cat([x]), lambda x: torch.cat([x]), Arg((2, 3)))
case("cat", "const_input", lambda x, y: reseau.cat([x, y], 1), lambda x, y: torch.cat([x, y], 1),
     Arg((2, 3)), Arg((2, 1), grad=False))
for _dim in (0, 1, -1):
    case("stack", f"dim{_dim}", lambda *xs, d=_dim: reseau.stack(xs, d),
         lambda *xs, d=_dim: torch.stack(xs, d), Arg((2, 3)), Arg((2, 3)), Arg((2, 3)))
case("stack", "scalars", lambda x, y: reseau.stack([x, y]), lambda x, y: torch.stack([x, y]),
     Arg(()), Arg(()))

# ------------------------------------------------------------------ fused nn primitives
case("linear", "bias", linear, F.linear if torch else None, Arg((4, 3)), Arg((2, 3)), Arg((2,)))
case("linear", "no_bias", linear, F.linear if torch else None, Arg((4, 3)), Arg((2, 3)))
case("linear", "batch3d", linear, F.linear if torch else None, Arg((2, 4, 3)), Arg((2, 3)),
     Arg((2,)))
case("linear", "vector_input", linear, F.linear if torch else None, Arg((3,)), Arg((2, 3)),
     Arg((2,)))
case("linear", "const_weight", linear, F.linear if torch else None, Arg((4, 3)),
     Arg((2, 3), grad=False), Arg((2,)))

_TARGET = np.array([0, 3, 4, 3])
_TARGET_IGN = np.array([0, -100, 4, 1])
_CW = np.array([0.5, 1.0, 2.0, 1.5, 0.25])


def _ce(**kw):
    t = kw.pop("target", _TARGET)
    w = kw.pop("weight", None)
    return (
        lambda z: cross_entropy(z, reseau.tensor(t), None if w is None else reseau.tensor(w), **kw),
        lambda z: F.cross_entropy(z, torch.from_numpy(t),
                                  None if w is None else torch.from_numpy(w).to(z.dtype), **kw),
    )


for _id, _kw in [
    ("mean", {}), ("sum", dict(reduction="sum")), ("none", dict(reduction="none")),
    ("weight", dict(weight=_CW)), ("weight_sum", dict(weight=_CW, reduction="sum")),
    ("ignore_index", dict(target=_TARGET_IGN)),
    ("ignore_index_none", dict(target=_TARGET_IGN, reduction="none")),
    ("smoothing", dict(label_smoothing=0.1)),
    ("smoothing_weight", dict(label_smoothing=0.2, weight=_CW)),
    ("smoothing_weight_ignore", dict(label_smoothing=0.2, weight=_CW, target=_TARGET_IGN)),
]:
    case("cross_entropy", _id, *_ce(**dict(_kw)), Arg((4, 5), low=-3, high=3))
case("cross_entropy", "1d_logits",
     lambda z: cross_entropy(z, reseau.tensor(2)), lambda z: F.cross_entropy(z, torch.tensor(2)),
     Arg((5,), low=-3, high=3))

_BW = np.array([0.5, 1.0, 2.0])


def _bce(**kw):
    w, pw = kw.pop("weight", None), kw.pop("pos_weight", None)

    def t(a, z):
        return None if a is None else torch.from_numpy(a).to(z.dtype)

    return (
        lambda z, y: binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=pw, **kw),
        lambda z, y: F.binary_cross_entropy_with_logits(z, y, weight=t(w, z),
                                                        pos_weight=t(pw, z), **kw),
    )


for _id, _kw, _ygrad in [
    ("mean", {}, False), ("sum", dict(reduction="sum"), False),
    ("none", dict(reduction="none"), False), ("target_grad", {}, True),
    ("weight", dict(weight=_BW), True), ("pos_weight", dict(pos_weight=_BW), True),
    ("both_weights_none", dict(weight=_BW, pos_weight=_BW, reduction="none"), True),
]:
    case("binary_cross_entropy_with_logits", _id, *_bce(**dict(_kw)),
         Arg((2, 3), low=-4, high=4), Arg((2, 3), low=0, high=1, grad=_ygrad))

# 0-d tensors reduced over dim 0 or -1 (no axis to reduce, as in PyTorch); the same
# method calls work on reseau and torch tensors
for _op, _fn in [
    ("logsumexp", lambda x: x.logsumexp(0)), ("softmax", lambda x: x.softmax(-1)),
    ("log_softmax", lambda x: x.log_softmax(0)), ("amax", lambda x: x.amax(0, True)),
    ("mean", lambda x: x.mean(-1)), ("max_dim", lambda x: x.max(0).values),
    ("min_dim", lambda x: x.min(-1).values), ("argmax", lambda x: x.argmax(0)),
    ("var", lambda x: x.var(0, correction=0)),
]:
    case(_op, "scalar_dim", _fn, _fn, Arg(()))

# binary cross-entropy on probabilities (src/reseau/ops/losses.py), through its
# nn.functional wrapper; the logs are clamped at -100 only near 0 and 1, avoided here
_BCE_W = np.array([0.5, 1.0, 2.0])
for _id, _kw, _ygrad in [
    ("none", dict(reduction="none"), True), ("mean", {}, False),
    ("weight_sum", dict(reduction="sum", weight=_BCE_W), True),
]:
    def _bce_prob(x, y, _kw=_kw):
        from reseau.nn.functional import binary_cross_entropy
        return binary_cross_entropy(x, y, **_kw)

    def _bce_prob_torch(x, y, _kw=_kw):
        kw = dict(_kw)
        if "weight" in kw:
            kw["weight"] = torch.from_numpy(kw["weight"]).to(x.dtype)
        return F.binary_cross_entropy(x, y, **kw)

    case("binary_cross_entropy", _id, _bce_prob, _bce_prob_torch,
         Arg((2, 3), low=0.05, high=0.95), Arg((2, 3), low=0, high=1, grad=_ygrad))

# mse_loss: one fused node (PyTorch's MseLossBackward0), mean or sum
for _id, _red, _shape in [("mean", "mean", (2, 3)), ("sum", "sum", (2, 3)),
                          ("scalar", "mean", ())]:
    case("mse_loss", _id,
         lambda x, y, r=_red: reseau.nn.functional.mse_loss(x, y, reduction=r),
         lambda x, y, r=_red: F.mse_loss(x, y, reduction=r), Arg(_shape), Arg(_shape))


# ------------------------------------------------------------------ convolutions
# (src/reseau/ops/conv.py): odd sizes, strides, paddings, dilations and groups; the
# random sweeps over many more geometries are in test_conv_ops.py
def _kw_case(op, id, fn, tfn, kw, *args, **extra):
    case(op, id, lambda *ts, _kw=kw: fn(*ts, **_kw),
         (lambda *ts, _kw=kw: tfn(*ts, **_kw)) if torch else None, *args, **extra)


def _conv_cases():
    from reseau.ops import conv as C

    tconv = F.conv2d if torch else None
    for id, xs, ws, bias, kw in [
        ("plain", (2, 3, 5, 6), (4, 3, 3, 3), True, {}),
        ("stride_pad", (2, 2, 7, 5), (3, 2, 3, 2), True, dict(stride=2, padding=1)),
        ("dilation_pair", (1, 2, 7, 8), (2, 2, 2, 3), False,
         dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1))),
        ("groups", (2, 4, 5, 5), (6, 2, 3, 3), True, dict(groups=2, padding=1)),
        ("depthwise", (2, 3, 6, 5), (3, 1, 3, 3), True, dict(groups=3, stride=2)),
        ("same_even", (1, 2, 5, 6), (2, 2, 2, 4), True, dict(padding="same")),
        ("pointwise", (2, 3, 4, 4), (5, 3, 1, 1), True, {}),
    ]:
        args = (Arg(xs), Arg(ws)) + ((Arg((ws[0],)),) if bias else ())
        _kw_case("conv2d", id, C.conv2d, tconv, kw, *args)
    _kw_case("conv2d", "const_weight", C.conv2d, tconv, dict(padding=1),
             Arg((2, 2, 4, 5)), Arg((3, 2, 3, 3), grad=False))
    _kw_case("conv2d", "unbatched", C.conv2d, tconv, dict(padding=1),
             Arg((2, 4, 5)), Arg((3, 2, 3, 3)), Arg((3,)))
    _kw_case("conv2d", "conv1d", C.conv1d, F.conv1d if torch else None,
             dict(stride=2, padding=1, dilation=2), Arg((2, 3, 9)), Arg((4, 3, 3)), Arg((4,)))
    tconvt = F.conv_transpose2d if torch else None
    for id, xs, ws, bias, kw in [
        ("plain", (2, 3, 4, 5), (3, 2, 3, 3), True, {}),
        ("stride_outpad", (2, 2, 3, 4), (2, 3, 3, 2), True,
         dict(stride=2, padding=1, output_padding=1)),
        ("groups_dilation", (1, 4, 3, 3), (4, 1, 2, 3), False,
         dict(groups=2, dilation=(2, 1), stride=(1, 3))),
    ]:
        args = (Arg(xs), Arg(ws)) + ((Arg((ws[1] * kw.get("groups", 1),)),) if bias else ())
        _kw_case("conv_transpose2d", id, C.conv_transpose2d, tconvt, kw, *args)
    for id, kw in [("plain", dict(kernel_size=2)),
                   ("all", dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2))]:
        _kw_case("unfold", id, C.unfold, F.unfold if torch else None, kw, Arg((2, 3, 5, 6)))
    _kw_case("fold", "plain", C.fold, F.fold if torch else None,
             dict(output_size=(4, 5), kernel_size=2), Arg((2, 12, 12)))
    _kw_case("fold", "all", C.fold, F.fold if torch else None,
             dict(output_size=(5, 6), kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2),
             Arg((2, 12, 6)))


_conv_cases()

# ------------------------------------------------------------------ pooling (ops/pool.py)
# Random continuous inputs have no ties, so max pooling is differentiable at them; ties
# and the index chosen among them are tested in tests/ops/test_pool.py.
from reseau.ops import pool as _pool  # noqa: E402

_MAXPOOL = [
    # id, input shape, keyword arguments (the same for reseau and torch)
    ("k2", (2, 3, 6, 6), dict(kernel_size=2)),
    ("k3_s2_p1", (2, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1)),
    ("k2_s1_overlap", (1, 2, 5, 4), dict(kernel_size=2, stride=1)),
    ("k3x2_s2x1_p1x0_ceil", (2, 2, 6, 5), dict(kernel_size=(3, 2), stride=(2, 1),
                                              padding=(1, 0), ceil_mode=True)),
    ("k2_dil2_p1_ceil", (1, 2, 7, 8), dict(kernel_size=2, stride=2, padding=1, dilation=2,
                                           ceil_mode=True)),
    ("k3_dil2x1_s1", (1, 2, 7, 6), dict(kernel_size=3, stride=1, dilation=(2, 1))),
    ("unbatched", (3, 5, 5), dict(kernel_size=2, stride=2, ceil_mode=True)),
]
for _id, _s, _kw in _MAXPOOL:
    case("max_pool2d", _id, lambda x, kw=_kw: _pool.max_pool2d(x, **kw),
         lambda x, kw=_kw: F.max_pool2d(x, **kw), Arg(_s))
    case("max_pool2d_indices", _id,
         lambda x, kw=_kw: _pool.max_pool2d(x, return_indices=True, **kw)[1],
         lambda x, kw=_kw: F.max_pool2d(x, return_indices=True, **kw)[1], Arg(_s))
for _id, _s, _kw in [
    ("k2", (2, 3, 8), dict(kernel_size=2)),
    ("k3_s2_p1_dil2_ceil", (2, 2, 9), dict(kernel_size=3, stride=2, padding=1, dilation=2,
                                           ceil_mode=True)),
    ("unbatched", (3, 7), dict(kernel_size=3, stride=1)),
]:
    case("max_pool2d", f"1d_{_id}", lambda x, kw=_kw: _pool.max_pool1d(x, **kw),
         lambda x, kw=_kw: F.max_pool1d(x, **kw), Arg(_s))
    case("max_pool2d_indices", f"1d_{_id}",
         lambda x, kw=_kw: _pool.max_pool1d(x, return_indices=True, **kw)[1],
         lambda x, kw=_kw: F.max_pool1d(x, return_indices=True, **kw)[1], Arg(_s))

for _id, _s, _kw in [
    ("k2", (2, 3, 6, 6), dict(kernel_size=2)),
    ("k3_s2_p1", (2, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1)),
    ("k3_s2_p1_exclude_pad", (2, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1,
                                                count_include_pad=False)),
    ("k3x2_s2_p1_ceil", (1, 2, 6, 7), dict(kernel_size=(3, 2), stride=2, padding=1,
                                           ceil_mode=True)),
    ("ceil_exclude_pad", (1, 2, 6, 7), dict(kernel_size=3, stride=2, padding=1,
                                            ceil_mode=True, count_include_pad=False)),
    ("overlap_s1", (1, 2, 5, 4), dict(kernel_size=2, stride=1)),
    ("divisor_override", (2, 2, 5, 5), dict(kernel_size=3, stride=2, padding=1,
                                            divisor_override=5)),
    ("unbatched", (3, 5, 5), dict(kernel_size=2)),
]:
    case("avg_pool2d", _id, lambda x, kw=_kw: _pool.avg_pool2d(x, **kw),
         lambda x, kw=_kw: F.avg_pool2d(x, **kw), Arg(_s))
for _id, _s, _kw in [
    ("k2", (2, 3, 8), dict(kernel_size=2)),
    ("k3_s2_p1_ceil_exclude_pad", (2, 2, 8), dict(kernel_size=3, stride=2, padding=1,
                                                  ceil_mode=True, count_include_pad=False)),
    ("unbatched", (3, 7), dict(kernel_size=3, stride=1)),
]:
    case("avg_pool2d", f"1d_{_id}", lambda x, kw=_kw: _pool.avg_pool1d(x, **kw),
         lambda x, kw=_kw: F.avg_pool1d(x, **kw), Arg(_s))

for _id, _s, _out in [
    ("5x7_to_3x4", (2, 3, 5, 7), (3, 4)), ("global", (2, 3, 4, 5), 1),
    ("none_keeps_width", (2, 2, 6, 5), (None, 2)), ("upsample_5_to_7", (1, 2, 5, 3), (7, 4)),
    ("unbatched", (3, 6, 6), 4),
]:
    case("adaptive_avg_pool2d", _id, lambda x, o=_out: _pool.adaptive_avg_pool2d(x, o),
         lambda x, o=_out: F.adaptive_avg_pool2d(x, o), Arg(_s))
    case("max_pool2d", f"adaptive_{_id}", lambda x, o=_out: _pool.adaptive_max_pool2d(x, o),
         lambda x, o=_out: F.adaptive_max_pool2d(x, o), Arg(_s))
    case("adaptive_max_pool2d_indices", _id,
         lambda x, o=_out: _pool.adaptive_max_pool2d(x, o, return_indices=True)[1],
         lambda x, o=_out: F.adaptive_max_pool2d(x, o, return_indices=True)[1], Arg(_s))

# nearest interpolation is indexing (its gradient sums over the copies)
for _id, _s, _kw in [
    ("nearest_scale2", (1, 2, 3, 4), dict(scale_factor=2)),
    ("nearest_size", (2, 2, 5, 3), dict(size=(7, 2))),
    ("nearest_1d_scale1.5", (2, 3, 4), dict(scale_factor=1.5)),
]:
    case("getitem", f"interpolate_{_id}", lambda x, kw=_kw: _pool.interpolate(x, **kw),
         lambda x, kw=_kw: F.interpolate(x, **kw), Arg(_s))

# ------------------------------------------------------------------ issue 13: more maths
from reseau import ops as O  # noqa: E402


def _t(name):
    """PyTorch's function ``name`` (resolved when the case runs)."""
    return lambda *ts, **kw: getattr(torch, name)(*ts, **kw)


UNARY_MORE = {
    # op: domain (kept inside the function's domain, away from its singular points)
    "sin": {}, "cos": {}, "tan": dict(low=-1.2, high=1.2), "sinh": {}, "cosh": {},
    "asin": dict(low=-0.9, high=0.9), "acos": dict(low=-0.9, high=0.9), "atan": {},
    "log2": POS, "log10": POS, "log1p": dict(low=-0.5, high=2.0), "expm1": {},
    "square": {}, "reciprocal": dict(POS, signed=True), "rsqrt": POS,
    "erf": dict(low=-3.0, high=3.0),
    "floor": dict(avoid=(-1, 0, 1)), "ceil": dict(avoid=(-1, 0, 1)),
    "round": dict(avoid=(-1.5, -0.5, 0.5, 1.5)), "trunc": dict(avoid=(-1, 0, 1)),
    "frac": dict(avoid=(-1, 0, 1)),
}
for _op, _dom in UNARY_MORE.items():
    for _s in UNARY_SHAPES:
        case(_op, sid(_s), getattr(O, _op), _t(_op), Arg(_s, **_dom))
case("erf", "tails", O.erf, _t("erf"), Arg((8,), low=2.0, high=6.5, signed=True))
case("erf", "near_zero", O.erf, _t("erf"), Arg((5,), low=1e-9, high=1e-3, signed=True))
case("log1p", "tiny", O.log1p, _t("log1p"), Arg((4,), low=1e-12, high=1e-6, signed=True))
case("expm1", "tiny", O.expm1, _t("expm1"), Arg((4,), low=1e-12, high=1e-6, signed=True))
for _d in (1, 2, -1):
    case("round", f"decimals{_d}", lambda x, d=_d: O.round(x * 10, decimals=d),
         lambda x, d=_d: torch.round(x * 10, decimals=d), Arg((3, 4), avoid=(0,)))
for _sx, _sy in [((2, 3), (2, 3)), ((2, 3), (3,)), ((), (2, 1)), ((4, 1, 3), (2, 1))]:
    case("atan2", f"{sid(_sx)}_{sid(_sy)}", O.atan2, _t("atan2"), Arg(_sx),
         Arg(_sy, low=0.3, high=2.0, signed=True))
case("atan2", "const_x", O.atan2, _t("atan2"), Arg((2, 3)), Arg((2, 3), grad=False))

# ------------------------------------------------------------------ products, norms
case("matmul", "mm", O.mm, _t("mm"), Arg((2, 3)), Arg((3, 4)))
case("matmul", "bmm", O.bmm, _t("bmm"), Arg((5, 2, 3)), Arg((5, 3, 4)))
case("matmul", "dot", O.dot, _t("dot"), Arg((4,)), Arg((4,)))
case("mul", "outer", O.outer, _t("outer"), Arg((3,)), Arg((4,)))
case("matmul", "addmm", O.addmm, _t("addmm"), Arg((2, 4)), Arg((2, 3)), Arg((3, 4)))
case("matmul", "addmm_beta_alpha", lambda c, a, b: O.addmm(c, a, b, beta=0.5, alpha=-2.0),
     lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=-2.0), Arg((4,)), Arg((2, 3)),
     Arg((3, 4)))
case("matmul", "addmm_beta0", lambda c, a, b: O.addmm(c, a, b, beta=0),
     lambda c, a, b: torch.addmm(c, a, b, beta=0), Arg((2, 4)), Arg((2, 3)), Arg((3, 4)))

EINSUM = [
    # id, equation, operand shapes
    ("matmul", "ij,jk->ik", [(2, 3), (3, 4)]),
    ("implicit", "ij,jk", [(2, 3), (3, 4)]),
    ("batched", "bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ellipsis_broadcast", "...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),
    ("ellipsis_last", "i...->...i", [(2, 3, 4)]),
    ("trace", "ii", [(3, 3)]),
    ("diagonal", "ii->i", [(3, 3)]),
    ("diagonal_product", "iij,jk->ik", [(2, 2, 3), (3, 4)]),
    ("sum_all", "ij->", [(2, 3)]),
    ("summed_alone", "ij,k->i", [(2, 3), (4,)]),
    ("outer", "i,j->ij", [(2,), (3,)]),
    ("broadcast_size1", "ij,ij->i", [(2, 3), (1, 3)]),
    ("three", "ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("spaces_transpose", "b i j -> b j i", [(2, 3, 4)]),
]
for _id, _eq, _shapes in EINSUM:
    case("einsum", _id, lambda *xs, e=_eq: O.einsum(e, *xs),
         lambda *xs, e=_eq: torch.einsum(e, *xs), *[Arg(s) for s in _shapes])
case("einsum", "list_operands", lambda x, y: O.einsum("i,i->", [x, y]),
     lambda x, y: torch.einsum("i,i->", [x, y]), Arg((3,)), Arg((3,)))

_NORMS = [
    # id, reseau call, torch call
    ("default", lambda x: O.norm(x), lambda x: torch.norm(x)),
    ("p1_dim1", lambda x: O.norm(x, 1, 1), lambda x: torch.norm(x, 1, 1)),
    ("pinf_dim0_keep", lambda x: O.norm(x, float("inf"), 0, True),
     lambda x: torch.norm(x, float("inf"), 0, True)),
    ("fro_dims", lambda x: O.norm(x, "fro", (0, 1)), lambda x: torch.norm(x, "fro", (0, 1))),
    ("p3", lambda x: O.norm(x, 3, -1), lambda x: torch.norm(x, 3, -1)),
    ("vector_norm_ninf", lambda x: O.vector_norm(x, -float("inf"), 1),
     lambda x: torch.linalg.vector_norm(x, -float("inf"), 1)),
    ("vector_norm_p0.5", lambda x: O.vector_norm(x, 0.5), lambda x: torch.linalg.vector_norm(
        x, 0.5)),
    ("linalg_default", lambda x: O.linalg_norm(x), lambda x: torch.linalg.norm(x)),
    ("linalg_dim", lambda x: O.linalg_norm(x, dim=1, keepdim=True),
     lambda x: torch.linalg.norm(x, dim=1, keepdim=True)),
    ("linalg_matrix_fro", lambda x: O.linalg_norm(x, "fro"), lambda x: torch.linalg.norm(
        x, "fro")),
]
for _id, _f, _tf in _NORMS:
    case("vector_norm", _id, _f, _tf, Arg((3, 4), avoid=(0,)))
case("vector_norm", "3d_dim12", lambda x: O.norm(x, 2, (1, 2)), lambda x: torch.norm(x, 2, (1, 2)),
     Arg(X3))
for _ord in (1, -1, float("inf"), -float("inf")):
    case("amax" if _ord > 0 else "amin", f"matrix_norm_{_ord}",
         lambda x, o=_ord: O.linalg_norm(x, o), lambda x, o=_ord: torch.linalg.norm(x, o),
         Arg((3, 4), avoid=(0,)))
case("amax", "matrix_norm_batched_keep",
     lambda x: O.matrix_norm(x, 1, (-1, 0), keepdim=True),
     lambda x: torch.linalg.matrix_norm(x, 1, (-1, 0), keepdim=True), Arg(X3, avoid=(0,)))

# ------------------------------------------------------------------ index, sort, cumulative
_IDX = np.array([[0, 2, 2, 1], [1, 1, 0, 0]])
_IDX_SMALL = np.array([[2, 0], [0, 0]])
for _id, _dim, _idx, _shape in [("dim1", 1, _IDX, (2, 3)), ("dim0", 0, _IDX_SMALL, (3, 4)),
                                ("neg_dim_smaller", -1, _IDX_SMALL, (3, 4))]:
    case("gather", _id, lambda x, d=_dim, i=_idx: O.gather(x, d, reseau.tensor(i)),
         lambda x, d=_dim, i=_idx: torch.gather(x, d, torch.from_numpy(i)), Arg(_shape))
_SIDX = np.array([[0, 2, 1], [2, 0, 1]])  # no repeats along dim 1: a defined result
case("scatter", "src", lambda x, s: O.scatter(x, 1, reseau.tensor(_SIDX), s),
     lambda x, s: torch.scatter(x, 1, torch.from_numpy(_SIDX), s), Arg((2, 4)), Arg((2, 3)))
# (PyTorch's own backward rejects a src larger than index: its forward is in test_index.py)
case("scatter", "larger_src", lambda x, s: O.scatter(x, 0, reseau.tensor(_IDX_SMALL[:, :1]), s),
     None, Arg((3, 2)), Arg((3, 3)))
case("scatter", "value", lambda x: O.scatter(x, 1, reseau.tensor(_SIDX), value=1.5),
     lambda x: torch.scatter(x, 1, torch.from_numpy(_SIDX), value=1.5), Arg((2, 4)))
case("scatter", "add_repeats", lambda x, s: O.scatter_add(x, 1, reseau.tensor(_IDX), s),
     lambda x, s: torch.scatter_add(x, 1, torch.from_numpy(_IDX), s), Arg((2, 3)), Arg((2, 4)))
case("scatter", "reduce_add", lambda x, s: O.scatter(x, 0, reseau.tensor(_IDX), s, reduce="add"),
     lambda x, s: torch.scatter_add(x, 0, torch.from_numpy(_IDX), s), Arg((3, 4)), Arg((2, 4)))
case("getitem", "index_select", lambda x: O.index_select(x, 1, reseau.tensor([2, 0, 2])),
     lambda x: torch.index_select(x, 1, torch.tensor([2, 0, 2])), Arg(X3))
case("where", "masked_fill", lambda x: O.masked_fill(x, reseau.tensor(_MASK), -1.0),
     lambda x: x.masked_fill(torch.from_numpy(_MASK), -1.0), Arg((3, 4)))
case("where", "masked_fill_broadcast_tensor_value",
     lambda x, v: O.masked_fill(x, reseau.tensor(_COND3), v),
     lambda x, v: x.masked_fill(torch.from_numpy(_COND3), v), Arg((2, 3)), Arg((), grad=False))

for _dim, _desc in [(-1, False), (0, True), (1, False)]:
    case("gather", f"sort_dim{_dim}_desc{_desc}",
         lambda x, d=_dim, s=_desc: O.sort(x, d, s).values,
         lambda x, d=_dim, s=_desc: torch.sort(x, d, s).values, Arg(X3))
case("gather", "sort_scalar", lambda x: O.sort(x).values, lambda x: torch.sort(x).values,
     Arg(()))
for _k, _dim, _largest in [(2, -1, True), (1, 0, False), (3, 1, True)]:
    case("gather", f"topk{_k}_dim{_dim}_largest{_largest}",
         lambda x, k=_k, d=_dim, lg=_largest: O.topk(x, k, d, lg).values,
         lambda x, k=_k, d=_dim, lg=_largest: torch.topk(x, k, d, lg).values, Arg(X3))

for _op in ("cumsum", "cumprod"):
    for _dim in (0, 1, -1):
        case(_op, f"dim{_dim}", lambda x, o=_op, d=_dim: getattr(O, o)(x, d),
             lambda x, o=_op, d=_dim: getattr(torch, o)(x, d), Arg(X3))
    case(_op, "scalar", lambda x, o=_op: getattr(O, o)(x, 0),
         lambda x, o=_op: getattr(torch, o)(x, 0), Arg(()))
    case(_op, "axis", lambda x, o=_op: getattr(O, o)(x, axis=1),
         lambda x, o=_op: getattr(torch, o)(x, axis=1), Arg((3, 4)))
# zeros in the product: one, two in the same row, a zero first
_ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 1.2, 0.0, 3.0], [0.7, -1.3, 0.9, 0.0]])
case("cumprod", "zeros", lambda x: O.cumprod(x, 1), lambda x: torch.cumprod(x, 1),
     Arg((3, 4), values=_ZEROS))
case("cumprod", "zeros_dim0", lambda x: O.cumprod(x, 0), lambda x: torch.cumprod(x, 0),
     Arg((3, 4), values=_ZEROS))

# ------------------------------------------------------------------ rearrangements
case("reshape", "repeat", lambda x: O.repeat(x, 2, 1, 3), lambda x: x.repeat(2, 1, 3),
     Arg((2, 3)))
case("reshape", "repeat_tuple", lambda x: O.repeat(x, (2, 2)), lambda x: x.repeat((2, 2)),
     Arg((3,)))
case("reshape", "tile_fewer_dims", lambda x: O.tile(x, (2,)), lambda x: torch.tile(x, (2,)),
     Arg((2, 3)))
case("getitem", "split_int", lambda x: O.split(x, 2, 1)[1], lambda x: torch.split(x, 2, 1)[1],
     Arg((2, 5)))
case("getitem", "split_sizes", lambda x: O.cat(O.split(x, [1, 3], 1)[::-1], 1),
     lambda x: torch.cat(torch.split(x, [1, 3], 1)[::-1], 1), Arg((2, 4)))
case("getitem", "chunk", lambda x: O.chunk(x, 3, 0)[-1], lambda x: torch.chunk(x, 3, 0)[-1],
     Arg((5, 2)))
case("getitem", "narrow", lambda x: O.narrow(x, 1, 1, 2), lambda x: torch.narrow(x, 1, 1, 2),
     Arg((2, 4)))
case("getitem", "flip", lambda x: O.flip(x, (0, 2)), lambda x: torch.flip(x, (0, 2)), Arg(X3))
case("getitem", "roll", lambda x: O.roll(x, (1, -2), (0, 1)),
     lambda x: torch.roll(x, (1, -2), (0, 1)), Arg((3, 4)))
case("getitem", "roll_flat", lambda x: O.roll(x, 3), lambda x: torch.roll(x, 3), Arg((3, 4)))
for _k in (0, 1, -1):
    for _op in ("tril", "triu"):
        case("where", f"{_op}{_k}", lambda x, o=_op, k=_k: getattr(O, o)(x, k),
             lambda x, o=_op, k=_k: getattr(torch, o)(x, k), Arg((2, 3, 4)))
    case("getitem", f"diag_of_matrix{_k}", lambda x, k=_k: O.diag(x, k),
         lambda x, k=_k: torch.diag(x, k), Arg((3, 4)))
    case("where", f"diag_from_vector{_k}", lambda x, k=_k: O.diag(x, k),
         lambda x, k=_k: torch.diag(x, k), Arg((3,)))

# remainder (Python's %) and fmod: away from the jumps, where x / y is an integer
_RX = np.array([[5.3, -5.3, 7.4], [-0.6, 2.2, -3.7]])
_RY = np.array([[3.0, 3.0, -2.1], [1.7, -0.9, 1.3]])
for _op in ("remainder", "fmod"):
    case(_op, "2x3", getattr(O, _op), _t(_op), Arg((2, 3), values=_RX), Arg((2, 3), values=_RY))
    case(_op, "number", lambda x, o=_op: getattr(O, o)(x, 1.5),
         lambda x, o=_op: getattr(torch, o)(x, 1.5), Arg((2, 3), values=_RX))
case("remainder", "operator", lambda x, y: x % y, lambda x, y: x % y,
     Arg((2, 3), values=_RX), Arg((3,), values=_RY[0]))
# (PyTorch has no derivative of number % tensor: gradcheck only; the values in test_keywords)
case("remainder", "number_mod_tensor", lambda y: 7.3 % y, None, Arg((2, 3), values=_RY))

# more names course code uses, built from the ops above (the case names the op they reach)
case("cumprod", "prod_all", lambda x: O.prod(x), lambda x: torch.prod(x), Arg((3, 4)))
case("cumprod", "prod_dim_keep", lambda x: O.prod(x, 1, True), lambda x: torch.prod(x, 1, True),
     Arg(X3))
case("cumprod", "prod_zeros", lambda x: O.prod(x, 1), lambda x: torch.prod(x, 1),
     Arg((3, 4), values=_ZEROS))
case("getitem", "trace", O.trace, _t("trace"), Arg((3, 4)))
case("matmul", "mv", O.mv, _t("mv"), Arg((2, 3)), Arg((3,)))
case("rpow_scalar", "exp2", O.exp2, _t("exp2"), Arg((2, 3)))
case("sub", "diff", lambda x: O.diff(x, 2, 0), lambda x: torch.diff(x, 2, 0), Arg((4, 3)))
case("permute", "movedim", lambda x: O.movedim(x, (0, 2), (2, 0)),
     lambda x: torch.movedim(x, (0, 2), (2, 0)), Arg(X3))
case("permute", "swapaxes", lambda x: O.swapaxes(x, 0, -1), lambda x: torch.swapaxes(x, 0, -1),
     Arg(X3))
case("getitem", "select", lambda x: O.select(x, 1, -1), lambda x: torch.select(x, 1, -1), Arg(X3))
case("getitem", "unbind", lambda x: O.unbind(x, 1)[2], lambda x: torch.unbind(x, 1)[2], Arg(X3))
case("gather", "take_along_dim", lambda x: O.take_along_dim(x, reseau.tensor(_IDX_SMALL), 1),
     lambda x: torch.take_along_dim(x, torch.from_numpy(_IDX_SMALL), 1), Arg((2, 4)))
case("gather", "take_along_dim_flat", lambda x: O.take_along_dim(x, reseau.tensor([5, 0, 5])),
     lambda x: torch.take_along_dim(x, torch.tensor([5, 0, 5])), Arg((2, 3)))
case("cat", "hstack", lambda x, y: O.hstack([x, y]), lambda x, y: torch.hstack([x, y]),
     Arg((2, 3)), Arg((2, 1)))
case("cat", "vstack_rows", lambda x, y: O.vstack([x, y]), lambda x, y: torch.vstack([x, y]),
     Arg((3,)), Arg((3,)))
case("expand", "broadcast_to", lambda x: O.broadcast_to(x, (2, 3, 4)),
     lambda x: torch.broadcast_to(x, (2, 3, 4)), Arg((3, 1)))
case("expand", "meshgrid_xy", lambda x, y: O.meshgrid(x, y, indexing="xy")[0] * 2
     + O.meshgrid(x, y, indexing="xy")[1],
     lambda x, y: torch.meshgrid(x, y, indexing="xy")[0] * 2
     + torch.meshgrid(x, y, indexing="xy")[1], Arg((2,)), Arg((3,)))
case("gather", "median_all", lambda x: O.median(x), lambda x: torch.median(x), Arg((3, 4)))
case("gather", "median_dim", lambda x: O.median(x, 1).values, lambda x: torch.median(x, 1).values,
     Arg(X3))
case("gather", "median_dim_keep", lambda x: O.median(x, 0, True).values,
     lambda x: torch.median(x, 0, True).values, Arg((4, 3)))
