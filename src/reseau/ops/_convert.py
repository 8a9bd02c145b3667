"""Turning the arguments of an op into tensors of matching dtype and device."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..devices import CPU
from ..dtypes import promote_float, scalar_dtype
from ..tensor import Tensor

_SCALARS = (bool, int, float, np.number, np.bool_)
_ndarray = np.ndarray


def to_tensor(x, like: Tensor | None = None, op: str = "op") -> Tensor:
    """A constant tensor for ``x`` (a Python or NumPy scalar, or an array). A scalar
    takes its dtype from ``like`` (``dtype.scalar_dtype``): ``x32 * 2.0`` stays float32,
    as in PyTorch; and its device: a 0-d array on ``like``'s device (a list too)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, _SCALARS):
        if like is None:
            return Tensor._make(backend.asarray(x, scalar_dtype(x, None)))  # default device
        dtype = scalar_dtype(x, like._array.dtype)
        if type(like._array) is _ndarray:
            return Tensor._make(backend.xp.asarray(x, dtype=dtype))  # hot: no wrapper call
        return Tensor._make(_device_scalar(x, dtype, like._array))
    if isinstance(x, backend.xp.ndarray) or backend.device_of(x) is not CPU:
        return Tensor._make(x)
    if isinstance(x, (list, tuple)):
        return Tensor._of(x, None, None if like is None else like.device)
    raise TypeError(
        f"{op}: expected a Tensor or a number, got {type(x).__name__}"
    )


#: 0-d device arrays of the constants ops meet (``x * 2.0`` each step): each is made once
#: per value, dtype and device, not once per call (a fill on the device costs a launch).
#: The engine never writes into an op's inputs, so the arrays can be shared.
_DEVICE_SCALARS: dict = {}


def _device_scalar(x, dtype, array):
    key = (type(x), x, dtype, backend.device_of(array))
    found = _DEVICE_SCALARS.get(key)
    if found is None:
        if len(_DEVICE_SCALARS) >= 1024:  # bounded: values computed in a loop never pile up
            _DEVICE_SCALARS.clear()
        found = _DEVICE_SCALARS[key] = backend.full((), x, dtype, key[3])
    return found


def shape_arg(shape) -> tuple:
    """A shape given as separate ints (``zeros(2, 3)``, ``x.view(2, 3)``) or as one
    sequence (``zeros((2, 3))``), as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def as_input(x, op: str) -> Tensor:
    """The tensor argument of a unary op: a Tensor as it is; an array, a list or a
    number as a constant tensor (so ``reseau.max(out._array, 1)`` works as in PyTorch,
    where ``.data`` is a tensor)."""
    if isinstance(x, Tensor):
        return x
    return to_tensor(x, None, op)  # a Python float becomes float32, as in reseau.tensor


def binary_operands(a, b, op: str) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of a common kind: an integer or bool operand meeting a
    floating one is cast to the floating dtype (``dtype.promote_float``)."""
    if not isinstance(a, Tensor):
        a = to_tensor(a, b, op)
    elif not isinstance(b, Tensor):
        b = to_tensor(b, a, op)
    da, db = a._array.dtype, b._array.dtype
    if da is not db and da != db:  # identity first: the common case costs no comparison
        common = promote_float(da, db)
        if common is da:
            b = Tensor._make(b._array.astype(da))
        elif common is db:
            a = Tensor._make(a._array.astype(db))
    return a, b


def normalize_dims(dim, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence of ints, negative allowed) as a sorted tuple
    of non-negative axes; None means every axis."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        n = max(ndim, 1)
        if not -n <= d < n:
            raise IndexError(
                f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s) "
                f"(expected a dim in [{-n}, {n - 1}])"
            )
        out.append(d % n)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(out))
