"""The dtype policy, in one place: dtype names, the default floating dtype, and the
rules that decide the dtype of a result.

- A Python float becomes the default dtype (float32 unless changed), a Python int
  int64, a bool bool; NumPy arrays keep their dtype.
- An integer or bool operand meeting a floating one takes the floating dtype
  (PyTorch's rule; NumPy would give float64).
- Only floating tensors can require a gradient.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DTYPE_NAMES",
    "as_dtype",
    "get_default_dtype",
    "set_default_dtype",
    "is_floating",
]

#: Names accepted wherever a dtype is expected (``dtype="float64"``, ``x.to("long")``).
DTYPE_NAMES = {
    "float": np.float32, "float32": np.float32, "float64": np.float64, "double": np.float64,
    "float16": np.float16, "half": np.float16, "int": np.int32, "int32": np.int32,
    "int64": np.int64, "long": np.int64, "int16": np.int16, "int8": np.int8,
    "uint8": np.uint8, "bool": np.bool_,
}

_default_dtype = np.dtype(np.float32)


def as_dtype(dtype) -> np.dtype:
    """Normalise a dtype given as a NumPy dtype, a type or a name (``"float32"``)."""
    if isinstance(dtype, str) and dtype in DTYPE_NAMES:
        return np.dtype(DTYPE_NAMES[dtype])
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; expected e.g. reseau.float32") from None


def get_default_dtype() -> np.dtype:
    """The floating dtype of new tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype: ``float32`` (the default) or ``float64``."""
    global _default_dtype
    dtype = as_dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(
            f"set_default_dtype: expected float32 or float64, got {dtype}; "
            "only floating dtypes can be the default"
        )
    _default_dtype = dtype


def is_floating(dtype) -> bool:
    """True for float16/32/64: the dtypes that can carry a gradient."""
    return np.dtype(dtype).kind == "f"
