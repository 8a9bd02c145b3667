"""Shape ops: reshape/view, permute/transpose, squeeze/unsqueeze, flatten, expand,
indexing, cat, stack. They move entries around; their VJPs move the gradient back."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._args import alias, write_out
from ._convert import as_input, normalize_dims, shape_arg, to_tensor
from .registry import apply, register

__all__ = [
    "reshape", "permute", "transpose", "squeeze", "unsqueeze", "flatten", "expand",
    "getitem", "setitem", "cat", "stack",
]


class ShapeError(ValueError, RuntimeError):
    """A shape that cannot be: a ValueError by reseau's convention, and a RuntimeError as
    PyTorch raises it (``x.view(-1, 1000)`` of 100 entries), so either ``except`` works."""


@register("reshape", saves_inputs=False)
class Reshape:
    """z = x with a new shape; dx = g reshaped back"""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def vjp(ctx, g):
        return g.reshape(ctx.shape)


def reshape(input, *shape) -> Tensor:
    """The same entries in a new shape (one dimension may be -1)."""
    x = as_input(input, "reshape")
    shape = shape_arg(shape)
    if shape == x.shape:
        return x
    try:
        x._array.reshape(shape)  # a view: checks the size without copying
    except ValueError:
        raise ShapeError(
            f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.numel()} elements) "
            f"into {shape}"
        ) from None
    return apply(Reshape, x, shape=shape)


def squeeze(input, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim`` that have size 1)."""
    x = as_input(input, "squeeze")
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = normalize_dims(dim, x.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1))
    return reshape(x, shape)


def unsqueeze(input, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    x = as_input(input, "unsqueeze")
    n = x.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {n} dimensions")
    shape = list(x.shape)
    shape.insert(dim % n, 1)
    return reshape(x, tuple(shape))


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` .. ``end_dim`` into one."""
    x = as_input(input, "flatten")
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = (normalize_dims(d, x.ndim, "flatten")[0] for d in (start_dim, end_dim))
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :]
    return reshape(x, shape)


@register("permute", saves_inputs=False)
class Permute:
    """z = x with its axes reordered by dims; dx = g with the inverse order"""

    def forward(ctx, x, dims):
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        ctx.inverse = tuple(inverse)
        return x.transpose(dims)

    def vjp(ctx, g):
        return g.transpose(ctx.inverse)


def permute(input, *dims) -> Tensor:
    x = as_input(input, "permute")
    dims = shape_arg(dims)
    n = x._array.ndim
    if dims == (1, 0) and n == 2:  # .T of a matrix: the common case, already valid
        return apply(Permute, x, dims=dims)
    dims = tuple(d % n if -n <= d < n else d for d in dims) if n else dims
    if sorted(dims) != list(range(n)):
        raise ValueError(
            f"permute: dims {dims} are not a permutation of the {n} axes of a tensor "
            f"of shape {tuple(x.shape)}"
        )
    return apply(Permute, x, dims=dims)


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    x = as_input(input, "transpose")
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    d0, d1 = (normalize_dims(d, x.ndim, "transpose")[0] for d in (dim0, dim1))
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return apply(Permute, x, dims=tuple(dims))


@register("expand", saves_inputs=False)
class Expand:
    """z = x broadcast to shape (a read-only view); dx = g summed back by the engine"""

    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    def vjp(ctx, g):
        return g


def expand(input, *shape) -> Tensor:
    """Broadcast to a larger shape without copying; -1 keeps a dimension."""
    x = as_input(input, "expand")
    shape = shape_arg(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {x._array.shape} to fewer dimensions"
                         f" {shape}")
    full = tuple(x.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(shape))
    try:
        np.broadcast_shapes(x.shape, full)
    except ValueError:
        raise ValueError(
            f"expand: cannot expand shape {tuple(x.shape)} to {shape}: only dimensions of size 1 "
            "can grow"
        ) from None
    if full == x.shape:
        return x
    return apply(Expand, x, shape=full)


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items
    )


def _index_part(i):
    if isinstance(i, Tensor):
        return i._array
    if isinstance(i, list):
        return backend.asarray(i)
    return i


def _index_arg(index):
    """An index as NumPy takes it: tensors and lists (alone or in a tuple) as arrays."""
    return tuple(_index_part(i) for i in index) if isinstance(index, tuple) \
        else _index_part(index)


@register("getitem", saves_inputs=False)
class GetItem:
    """z = x[index]; dx = zeros with g scattered back to the indexed places, summed
    where an index repeats (scatter-add)"""

    def forward(ctx, x, index, basic):
        ctx.shape, ctx.dtype, ctx.index, ctx.basic = x.shape, x.dtype, index, basic
        return x[index]

    def vjp(ctx, g):
        gx = np.zeros_like(g, shape=ctx.shape)
        if ctx.basic:
            gx[ctx.index] = g
        else:
            np.add.at(gx, ctx.index, g)
        return gx


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]`` with NumPy's rules: ints, slices, None, Ellipsis, integer arrays and
    boolean masks."""
    index = _index_arg(index)
    basic = _is_basic_index(index)
    try:
        return apply(GetItem, x, index=index, basic=basic)
    except IndexError as e:
        raise IndexError(f"getitem: index {_describe(index)} is invalid for shape "
                         f"{x._array.shape}: {e}") from None


@register("setitem", saves_inputs=False)
class SetItem:
    """z = x with z[index] = v (PyTorch's index_put: ``x[index] = v`` in a graph);
    dx = g with g[index] = 0, dv = g[index] (summed back to v's shape)"""

    def forward(ctx, x, v, index):
        ctx.index = index
        z = x.copy()
        z[index] = v
        return z

    def vjp(ctx, g):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = g.copy()
            gx[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            gv = g[ctx.index]
        return gx, gv


def setitem(x: Tensor, index, value) -> Tensor:
    """A new tensor: ``x`` with ``value`` written at ``index`` (differentiable in both);
    ``Tensor.__setitem__`` calls it when the assignment is part of a graph."""
    index = _index_arg(index)
    value = to_tensor(value, x, "setitem")
    if value._array.dtype != x._array.dtype:
        value = value.to(x._array.dtype)
    try:
        return apply(SetItem, x, value, index=index)
    except IndexError as e:
        raise IndexError(f"setitem: index {_describe(index)} is invalid for shape "
                         f"{x._array.shape}: {e}") from None


def _describe(index) -> str:
    """An index for an error message: arrays by their shape and dtype, not their values
    (an index of 7,000 positions would fill the screen)."""
    def part(i):
        if isinstance(i, np.ndarray) and i.size > 8:
            return f"<{i.dtype} array of shape {i.shape}>"
        return repr(i)
    return "(" + ", ".join(map(part, index)) + ")" if isinstance(index, tuple) else part(index)


def _join_inputs(tensors, op: str) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    ref = next((t for t in tensors if isinstance(t, Tensor)), None)
    tensors = [to_tensor(t, ref, op) for t in tensors]
    dtype = np.result_type(*[t._array.dtype for t in tensors])
    return [t if t._array.dtype == dtype else t.to(dtype) for t in tensors]


@register("cat", saves_inputs=False)
class Cat:
    """z = the inputs joined along dim; dx_i = the slice of g that came from x_i"""

    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.bounds = np.cumsum([x.shape[dim] for x in xs])[:-1].tolist()  # ints: any device
        return np.concatenate(xs, axis=dim)

    def vjp(ctx, g):
        return tuple(np.split(g, ctx.bounds, axis=ctx.dim))


def cat(tensors, dim: int = 0, *, axis=None, out=None) -> Tensor:
    """Join tensors along an existing dimension."""
    dim = alias(dim, axis, "dim", "axis", "cat", default=0)
    ts = _join_inputs(tensors, "cat")
    d = normalize_dims(dim, ts[0].ndim, "cat")[0]
    for t in ts[1:]:
        if t.ndim != ts[0].ndim or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if i != d
        ):
            raise ValueError(
                f"cat: shapes {[tuple(t.shape) for t in ts]} must match except in "
                f"dimension {dim}"
            )
    return write_out(out, apply(Cat, *ts, dim=d), "cat")


@register("stack", saves_inputs=False)
class Stack:
    """z = the inputs stacked along a new dim; dx_i = g[..., i, ...]"""

    def forward(ctx, *xs, dim):
        ctx.dim, ctx.n = dim, len(xs)
        return np.stack(xs, axis=dim)

    def vjp(ctx, g):
        return tuple(np.take(g, i, axis=ctx.dim) for i in range(ctx.n))


def stack(tensors, dim: int = 0, *, axis=None, out=None) -> Tensor:
    """Join tensors of the same shape along a new dimension."""
    dim = alias(dim, axis, "dim", "axis", "stack", default=0)
    ts = _join_inputs(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise ValueError(
            f"stack: all tensors must have the same shape, got {[tuple(t.shape) for t in ts]}"
        )
    n = ts[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"stack: dim {dim} is out of range for a result with {n} dimensions")
    return write_out(out, apply(Stack, *ts, dim=dim % n), "stack")
