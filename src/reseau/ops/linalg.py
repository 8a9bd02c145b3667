"""Products and norms: mm, bmm, addmm, dot, outer (checked forms of matmul), einsum
(one op whose VJP is an einsum of the other operands), and the vector norm behind
``norm``, ``linalg.norm``, ``linalg.vector_norm`` and ``linalg.matrix_norm``."""

from __future__ import annotations

import math

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor
from ._args import alias, arange_on, floating, write_out
from ._convert import as_input, normalize_dims
from .arithmetic import abs, add, matmul, mul
from .elementwise import where
from .reduce import _axes, _drop, _expand_back, amax, amin, sum
from .registry import apply, register
from .shape import getitem

__all__ = [
    "mm", "bmm", "addmm", "dot", "outer", "mv", "trace", "einsum", "norm", "vector_norm",
    "matrix_norm", "linalg_norm",
]


def _check_ndim(op: str, expected: int, *tensors: Tensor) -> None:
    for i, t in enumerate(tensors):
        if t.ndim != expected:
            raise RuntimeError(
                f"{op}: expected {expected}-D tensors, but argument {i + 1} has shape "
                f"{tuple(t.shape)} ({t.ndim}-D); use matmul for other shapes"
            )


def mm(input, mat2, *, out=None) -> Tensor:
    """The product of two matrices, ``(n, m) @ (m, p)``."""
    a, b = as_input(input, "mm"), as_input(mat2, "mm")
    _check_ndim("mm", 2, a, b)
    return write_out(out, matmul(a, b), "mm")


def bmm(input, mat2, *, out=None) -> Tensor:
    """A batch of matrix products, ``(b, n, m) @ (b, m, p)``, without broadcasting."""
    a, b = as_input(input, "bmm"), as_input(mat2, "bmm")
    _check_ndim("bmm", 3, a, b)
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}")
    return write_out(out, matmul(a, b), "bmm")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; with ``beta = 0`` input is ignored
    (its NaNs do not spread), as in PyTorch."""
    a, b = as_input(mat1, "addmm"), as_input(mat2, "addmm")
    _check_ndim("addmm", 2, a, b)
    r = matmul(a, b)
    if alpha != 1:
        r = mul(r, alpha)
    if beta != 0:
        r = add(input if beta == 1 else mul(input, beta), r)
    elif isinstance(input, Tensor) and input.requires_grad:  # a zero gradient, as PyTorch
        r = where(Tensor._make(np.zeros_like(r._array, dtype=bool, shape=())), input, r)
    return write_out(out, r, "addmm")


def dot(input, tensor, *, out=None) -> Tensor:
    """The inner product of two 1-D tensors."""
    a, b = as_input(input, "dot"), as_input(tensor, "dot")
    _check_ndim("dot", 1, a, b)
    if a.shape != b.shape:
        raise RuntimeError(f"dot: the vectors have sizes {a.shape[0]} and {b.shape[0]}")
    return write_out(out, matmul(a, b), "dot")


def mv(input, vec, *, out=None) -> Tensor:
    """The product of a matrix and a vector, ``(n, m) @ (m,)``."""
    a, b = as_input(input, "mv"), as_input(vec, "mv")
    _check_ndim("mv", 2, a)
    _check_ndim("mv", 1, b)
    return write_out(out, matmul(a, b), "mv")


def trace(input) -> Tensor:
    """The sum of the diagonal of a matrix."""
    a = as_input(input, "trace")
    _check_ndim("trace", 2, a)
    i = arange_on(a._array, min(a.shape))
    return sum(getitem(a, (i, i)))


def outer(input, vec2, *, out=None) -> Tensor:
    """``z[i, j] = input[i] * vec2[j]``."""
    a, b = as_input(input, "outer"), as_input(vec2, "outer")
    _check_ndim("outer", 1, a, b)
    return write_out(out, mul(a.reshape(-1, 1), b.reshape(1, -1)), "outer")


# ---------------------------------------------------------------------------- einsum
def _parse_einsum(equation: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with '...' replaced by letters
    of its own (right-aligned across operands, as broadcasting aligns them)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(subs)} operands, "
                         f"got {len(shapes)}")
    used = set(eq)
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    n_ell = max([len(s) - len(sub) + 3 for sub, s in zip(subs, shapes) if "..." in sub],
                default=0)
    ell = "".join(spare[:n_ell])
    subs = [sub.replace("...", ell[n_ell - (len(s) - len(sub) + 3):]) if "..." in sub else sub
            for sub, s in zip(subs, shapes)]
    if arrow:
        out = rhs.replace("...", ell)
    else:  # implicit output: the ellipsis, then the letters seen once, in order
        letters = "".join(subs)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                   and c not in ell))
    return subs, out


def _einsum_input_grad(g, sub: str, out: str, others: list, shape) -> np.ndarray:
    """The VJP for one operand of subscripts ``sub``: ``einsum(out, others -> sub)``.
    A letter of ``sub`` seen nowhere else was summed away: the gradient is broadcast
    along it; a repeated letter (a diagonal) is written back on the diagonal."""
    sizes = dict(zip(sub, shape))
    letters = "".join(dict.fromkeys(sub))  # unique, in order
    seen = set(out).union(*[s for s, _ in others])
    kept = "".join(c for c in letters if c in seen)
    eq = ",".join([out] + [s for s, _ in others]) + "->" + kept
    r = np.einsum(eq, g, *[a for _, a in others])
    if kept != letters:
        r = r.reshape([sizes[c] if c in kept else 1 for c in letters])
        r = np.broadcast_to(r, [sizes[c] for c in letters]).copy()
    if letters == sub:
        return r
    gx = np.zeros_like(g, shape=shape)
    np.einsum(f"{sub}->{letters}", gx)[...] = r  # a writable view of the diagonal
    return gx


@register("einsum")
class Einsum:
    """z = einsum(equation, x_1, ..., x_n); dx_i = einsum(g and the other operands ->
    the subscripts of x_i), broadcast along the letters only x_i has, written on the
    diagonal where x_i repeats a letter"""

    def forward(ctx, *xs, subs, out):
        ctx.xs, ctx.subs, ctx.out = xs, subs, out
        return np.einsum(",".join(subs) + "->" + out, *xs)

    def vjp(ctx, g):
        xs, subs = ctx.xs, ctx.subs
        return tuple(
            _einsum_input_grad(g, subs[i], ctx.out,
                               [(s, a) for j, (s, a) in enumerate(zip(subs, xs)) if j != i],
                               xs[i].shape) if need else None
            for i, need in enumerate(ctx.needs_input_grad))


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, as ``numpy.einsum`` and ``torch.einsum`` (the operands may
    also come as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [as_input(t, "einsum") for t in operands]
    dtype = np.result_type(*[t._array.dtype for t in ts])
    ts = [t if t._array.dtype == dtype else t.to(dtype) for t in ts]
    subs, out = _parse_einsum(equation, [t.shape for t in ts])
    return apply(Einsum, *ts, subs=tuple(subs), out=out)


# ---------------------------------------------------------------------------- norms
@register("vector_norm")
class VectorNorm:
    """z = (sum |x|^p)^(1/p) over dims (p = inf: max |x|, -inf: min |x|);
    dx = g sign(x) (|x| / z)^(p-1) (p = 2: g x / z, p = 1: g sign x, p = +-inf: g sign x
    shared among the entries where |x| = z), 0 where z = 0"""

    def forward(ctx, x, ord, axes, keepdim):
        a = np.abs(x)
        if ord == math.inf or ord == -math.inf:
            z = (np.amax if ord > 0 else np.amin)(a, axis=axes, keepdims=True)
        elif ord == 2:
            z = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        elif ord == 1:
            z = np.sum(a, axis=axes, keepdims=True)
        else:
            z = np.sum(a**ord, axis=axes, keepdims=True) ** (1 / ord)
        ctx.x, ctx.z, ctx.ord, ctx.axes, ctx.keepdim = x, z, ord, axes, keepdim
        return z if keepdim else _drop(z, axes)

    def vjp(ctx, g):
        x, z, p = ctx.x, ctx.z, ctx.ord
        g = _expand_back(g, ctx.axes, ctx.keepdim, x.shape)
        if p == 1:
            return g * np.sign(x)
        if math.isinf(p):
            tie = np.abs(x) == z
            return g * np.sign(x) * tie / np.sum(tie, axis=ctx.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = x / z if p == 2 else np.sign(x) * (np.abs(x) / z) ** (p - 1)
        return g * np.where((z == 0) | (x == 0), 0, r)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """The ``ord``-norm of the entries over ``dim`` (None: all), as
    ``torch.linalg.vector_norm``; ``ord`` 0 counts the non-zero entries (no gradient)."""
    x = floating(x, "vector_norm")
    if dtype is not None:
        x = x.to(dtype)
    ord = float(ord)
    axes = _axes(dim, x, "vector_norm")
    if ord == 0:
        with no_grad():
            r = sum(x != 0, dim, keepdim).to(x.dtype)
    else:
        r = apply(VectorNorm, x, ord=ord, axes=axes, keepdim=keepdim)
    return write_out(out, r, "vector_norm")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """The matrix norm over the two dims ``dim``: ``'fro'`` (Frobenius), ``1`` / ``-1``
    (largest / smallest column sum of |A|), ``inf`` / ``-inf`` (the same for rows)."""
    A = floating(A, "matrix_norm")
    rows, cols = normalize_dims(dim[0], A.ndim, "matrix_norm")[0], normalize_dims(
        dim[1], A.ndim, "matrix_norm")[0]
    if ord == "fro":
        r = vector_norm(A, 2, (rows, cols), keepdim, dtype=dtype)
    elif ord in (1, -1, math.inf, -math.inf):
        summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)
        s = sum(abs(A if dtype is None else A.to(dtype)), summed, keepdim=True)
        r = (amax if ord > 0 else amin)(s, other, keepdim=True)
        if not keepdim:
            r = r.squeeze((rows, cols))
    else:
        raise NotImplementedError(
            f"matrix_norm: ord={ord!r} is not available (it needs singular values); "
            "use 'fro', 1, -1, inf or -inf")
    return write_out(out, r, "matrix_norm")


def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim (or over all entries when both
    ``ord`` and ``dim`` are None), a matrix norm over two."""
    A = as_input(A, "linalg.norm")
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: with ord={ord!r} and no dim, the input must be "
                               f"1-D or 2-D, got shape {tuple(A.shape)}")
        dim = tuple(range(A.ndim))
    if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype,
                           out=out)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """``torch.norm``: ``p='fro'`` (the default) and numbers give the vector norm over
    ``dim`` (None: all entries); ``'nuc'`` is not available."""
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm: p={p!r} is not available; use 'fro' or a number")
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)
