"""The dtype policy, in one place: dtype names, the default floating dtype, and the
rules that decide the dtype of a result (PyTorch's rules, where NumPy's differ).

- Data: a Python float becomes the default dtype (float32 unless changed), a Python
  int int64, a bool bool; NumPy arrays keep their dtype (:func:`data_dtype`).
- A Python or NumPy number next to a tensor does not widen it: ``x32 * 2.0`` stays
  float32 (:func:`scalar_dtype`).
- An integer or bool operand meeting a floating one takes the floating dtype; NumPy
  would give float64 (:func:`promote_float`).
- True division of integers gives the default float (:func:`true_divide_dtype`).
- Creation functions: the default dtype unless told (:func:`dtype_or_default`);
  ``arange`` of integers gives int64 (:func:`range_dtype`); ``full`` takes the dtype
  of its fill value read as data (:func:`data_dtype`).
- Only floating tensors can require a gradient (:func:`is_floating`).

Every function returns a ``numpy.dtype``; callers cast, this module only decides. The
public face of a dtype is a :class:`DType` (``reseau.float32``, what ``x.dtype`` returns):
it prints as PyTorch prints its dtypes, compares equal to the NumPy dtype and to its
names, and NumPy accepts it wherever it takes a dtype.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DType",
    "DTYPE_NAMES",
    "public_dtype",
    "LEGACY_DTYPES",
    "LEGACY_NAMES",
    "public_default_dtype",
    "as_dtype",
    "get_default_dtype",
    "set_default_dtype",
    "is_floating",
    "data_dtype",
    "scalar_dtype",
    "promote_float",
    "true_divide_dtype",
    "dtype_or_default",
    "range_dtype",
]

#: Names accepted wherever a dtype is expected (``dtype="float64"``, ``x.to("long")``).
DTYPE_NAMES = {
    "float": np.float32, "float32": np.float32, "float64": np.float64, "double": np.float64,
    "float16": np.float16, "half": np.float16, "int": np.int32, "int32": np.int32,
    "int64": np.int64, "long": np.int64, "int16": np.int16, "int8": np.int8,
    "uint8": np.uint8, "bool": np.bool_,
}

_default_dtype = np.dtype(np.float32)


class DType:
    """A dtype as PyTorch shows it: ``reseau.float32`` (``torch.float32``).

    It wraps a ``numpy.dtype`` (``.dtype``, so ``arr.astype(reseau.float32)`` and
    ``np.zeros(3, reseau.int64)`` work) and compares equal to it, to the NumPy type and
    to its names (``reseau.float32 == "float32" == np.float32``).
    """

    __slots__ = ("dtype", "name")

    def __init__(self, np_dtype: np.dtype, name: str):
        self.dtype = np_dtype
        self.name = name

    is_floating_point = property(lambda self: self.dtype.kind == "f")
    is_complex = property(lambda self: self.dtype.kind == "c")
    is_signed = property(lambda self: self.dtype.kind in "fic")
    itemsize = property(lambda self: self.dtype.itemsize)

    def __getattr__(self, attr):  # kind, char, str...: the NumPy dtype's
        return getattr(object.__getattribute__(self, "dtype"), attr)

    def __repr__(self) -> str:
        return f"reseau.{self.name}"

    def __eq__(self, other) -> bool:
        if isinstance(other, DType):
            return self.dtype == other.dtype
        if isinstance(other, str):
            return other in DTYPE_NAMES and np.dtype(DTYPE_NAMES[other]) == self.dtype
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __reduce__(self):  # copy/deepcopy of a module's state keep the same object
        return (public_dtype, (self.dtype,))


_PUBLIC = {np.dtype(t): DType(np.dtype(t), name) for name, t in [
    ("float16", np.float16), ("float32", np.float32), ("float64", np.float64),
    ("int8", np.int8), ("int16", np.int16), ("int32", np.int32), ("int64", np.int64),
    ("uint8", np.uint8), ("bool", np.bool_)]}


#: PyTorch's legacy type names (``x.type()``, ``reseau.FloatTensor``) and their dtypes
LEGACY_DTYPES = {"FloatTensor": np.dtype(np.float32), "DoubleTensor": np.dtype(np.float64),
                 "HalfTensor": np.dtype(np.float16), "LongTensor": np.dtype(np.int64),
                 "IntTensor": np.dtype(np.int32), "ShortTensor": np.dtype(np.int16),
                 "CharTensor": np.dtype(np.int8), "ByteTensor": np.dtype(np.uint8),
                 "BoolTensor": np.dtype(np.bool_)}
LEGACY_NAMES = {d: name for name, d in LEGACY_DTYPES.items()}


def public_dtype(dtype) -> DType:
    """The :class:`DType` of a NumPy dtype (``x.dtype``); one object per dtype."""
    d = _PUBLIC.get(dtype)
    if d is None:
        d = _PUBLIC.get(np.dtype(dtype))
        if d is None:  # a dtype reseau has no name for (complex, uint16...): make one
            d = _PUBLIC.setdefault(np.dtype(dtype), DType(np.dtype(dtype), str(np.dtype(dtype))))
    return d


def as_dtype(dtype) -> np.dtype:
    """Normalise a dtype given as a NumPy dtype, a type or a name (``"float32"``)."""
    if isinstance(dtype, str) and dtype in DTYPE_NAMES:
        return np.dtype(DTYPE_NAMES[dtype])
    if isinstance(dtype, DType):
        return dtype.dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; expected e.g. reseau.float32") from None


def get_default_dtype() -> np.dtype:
    """The floating dtype of new tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def public_default_dtype() -> DType:
    """``reseau.get_default_dtype()``: the default as PyTorch shows it (``reseau.float32``)."""
    return public_dtype(_default_dtype)


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


def data_dtype(read: np.dtype) -> np.dtype:
    """The dtype of a tensor built from Python data that NumPy read as ``read``: float64
    (what NumPy makes of Python floats) becomes the default dtype, every integer dtype
    int64 (NumPy picks int32 on some platforms), anything else is kept (bool)."""
    if read == np.float64:
        return _default_dtype
    if read.kind == "i":
        return np.dtype(np.int64)
    return read


def scalar_dtype(x, like: np.dtype | None) -> np.dtype | None:
    """The dtype of a Python or NumPy number ``x`` used as the other operand of a
    tensor of dtype ``like``. The number never widens the tensor: a floating tensor
    keeps its dtype; a float meeting an integer or bool tensor gives the default dtype;
    a bool meeting a bool tensor stays bool; an int takes an integer tensor's dtype, or
    int64 next to a bool tensor. Without a tensor (``like`` None): the default dtype
    for a Python float, else None (NumPy's own dtype for the number)."""
    if like is None:
        return _default_dtype if isinstance(x, float) else None
    if like.kind == "f":
        return like
    if isinstance(x, (float, np.floating)):
        return _default_dtype
    if like == np.bool_:
        return like if isinstance(x, (bool, np.bool_)) else np.dtype(np.int64)
    return like


def promote_float(a: np.dtype, b: np.dtype) -> np.dtype | None:
    """The dtype both operands of a binary op take when exactly one of them is floating:
    the floating one's (``int64 + float32`` is float32; NumPy would give float64).
    None when both or neither are floating: NumPy's promotion applies."""
    fa, fb = a.kind == "f", b.kind == "f"
    if fa == fb:
        return None
    return a if fa else b


def true_divide_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype in which ``a / b`` is computed for operands of ``dtype``: itself when
    floating, else the default dtype (``int64 / 2`` is float32, as in PyTorch)."""
    return dtype if dtype.kind == "f" else _default_dtype


def dtype_or_default(dtype) -> np.dtype:
    """``dtype`` normalised (:func:`as_dtype`), or the default dtype when None: the rule
    of ``zeros``, ``ones``, ``randn``... (creation functions make floats by default)."""
    return _default_dtype if dtype is None else as_dtype(dtype)


def range_dtype(*values) -> np.dtype:
    """The dtype of ``arange(start, end, step)`` when none is given: int64 when every
    value is an integer (Python or NumPy), else the default dtype."""
    if all(isinstance(v, (int, np.integer)) for v in values):
        return np.dtype(np.int64)
    return _default_dtype
