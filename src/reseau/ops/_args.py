"""PyTorch's argument conventions shared by the ops: NumPy's keyword aliases (``axis=``
for ``dim=``, ``keepdims=`` for ``keepdim=``), ``out=``, and integer inputs of the
floating-point maths (``sin(int tensor)`` is a float tensor, as in PyTorch)."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..dtypes import get_default_dtype
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._convert import as_input


def alias(value, other, name: str, other_name: str, op: str, default=None):
    """``value`` (PyTorch's keyword) or ``other`` (its NumPy alias), not both."""
    if other is None:
        return value
    if value is not default:
        raise TypeError(f"{op}: got both {name}={value!r} and {other_name}={other!r}; pass one")
    return other


def floating(x, op: str) -> Tensor:
    """The input of a floating-point function: an integer or bool tensor becomes the
    default dtype, as in PyTorch (NumPy would give float64)."""
    x = as_input(x, op)
    if x._array.dtype.kind in "fc":
        return x
    return Tensor._make(x._array.astype(get_default_dtype()))


def write_out(out, result: Tensor, op: str) -> Tensor:
    """``result`` written into ``out`` (``out=`` of PyTorch), under the rule of the in-place
    operations; ``out`` of another shape is resized, as PyTorch does. Returns ``out``."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: out= must be a Tensor, got {type(out).__name__}")
    if result._requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad; call it under "
            "reseau.no_grad() or drop out="
        )
    out._check_inplace(f"{op}(out=...)")
    arr, target = result._array, out._array
    if not np.can_cast(arr.dtype, target.dtype, "same_kind"):
        raise RuntimeError(
            f"{op}: result type {arr.dtype} can't be cast to the desired output type "
            f"{target.dtype} of out=; pass an out tensor of dtype {arr.dtype}"
        )
    if target.shape == arr.shape:
        target[...] = arr
    else:
        out._array = arr.astype(target.dtype)  # a resize allocates, as in PyTorch
    out._version += 1
    return out


def write_outs(out, results: tuple, op: str):
    """``out=(a, b)`` of the functions that return two tensors (``sort``, ``topk``)."""
    if out is None:
        return results
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise TypeError(f"{op}: out= must be a tuple of {len(results)} tensors")
    return type(results)(*[write_out(o, r, op) for o, r in zip(out, results)])


def arange_on(like, *args):
    """``arange(*args)`` on the device of the array ``like`` (the index arrays of an op
    live where its data does)."""
    return backend.arange(*args, device=backend.device_of(like))
