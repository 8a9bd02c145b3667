"""Creating tensors: from data, filled with a constant, ranges, identity, random draws.

Every array is allocated by ``reseau.backend`` (the array module of the device), and
random draws come from its generator, which ``reseau.manual_seed`` reseeds: the same
seed gives the same numbers. Dtypes follow ``reseau.dtypes``.
"""

from __future__ import annotations

import numpy as np

from . import backend
from .devices import check_device
from .dtypes import as_dtype, data_dtype, dtype_or_default, range_dtype
from .ops._convert import shape_arg
from .tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
    "linspace", "eye", "randn", "rand", "randint", "randperm", "zeros_like", "ones_like",
    "full_like", "randn_like", "rand_like", "FloatTensor", "DoubleTensor", "HalfTensor",
    "LongTensor", "IntTensor", "ByteTensor", "BoolTensor",
]


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, a number, an array).
    Python floats become float32 (the default dtype), ints int64."""
    check_device(device, "tensor")
    t = Tensor._of(data, dtype)
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array when the dtype allows."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype) == data.dtype):
        return Tensor._make(backend.asarray(data))
    return Tensor._of(data, dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(backend.asarray(array))


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "zeros")
    return _new(backend.zeros(shape_arg(size), dtype_or_default(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "ones")
    return _new(backend.ones(shape_arg(size), dtype_or_default(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "empty")
    return _new(backend.empty(shape_arg(size), dtype_or_default(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "full")
    if dtype is None:
        dtype = data_dtype(np.asarray(fill_value).dtype)  # host-side: reads the dtype only
    return _new(backend.full(shape_arg((size,)), fill_value, as_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (0 if only one argument) up to ``end`` excluded. Integer
    arguments give int64, as in PyTorch."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = range_dtype(start, end, step)
    return _new(backend.arange(start, end, step, as_dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    check_device(device, "linspace")
    return _new(backend.linspace(start, end, steps, dtype_or_default(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    check_device(device, "eye")
    return _new(backend.eye(n, m, dtype_or_default(dtype)), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal draws, from the generator ``manual_seed`` reseeds."""
    check_device(device, "randn")
    rng = generator or backend.default_generator()
    draws = rng.standard_normal(shape_arg(size)).astype(dtype_or_default(dtype))
    return _new(draws, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform draws in [0, 1)."""
    check_device(device, "rand")
    rng = generator or backend.default_generator()
    return _new(rng.random(shape_arg(size)).astype(dtype_or_default(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size=(), dtype=None, device=None,
            generator=None) -> Tensor:
    """Integers in [low, high) (int64)."""
    check_device(device, "randint")
    if high is None:
        low, high = 0, low
    rng = generator or backend.default_generator()
    return Tensor._make(rng.integers(low, high, size=tuple(size), dtype=np.int64).astype(
        np.int64 if dtype is None else as_dtype(dtype)))


def randperm(n: int, generator=None, device=None) -> Tensor:
    check_device(device, "randperm")
    rng = generator or backend.default_generator()
    return Tensor._make(rng.permutation(n).astype(np.int64))


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "zeros_like")
    return _new(np.zeros_like(t._array, dtype=None if dtype is None else as_dtype(dtype)),
                requires_grad)


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "ones_like")
    return _new(np.ones_like(t._array, dtype=None if dtype is None else as_dtype(dtype)),
                requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    check_device(device, "full_like")
    dtype = None if dtype is None else as_dtype(dtype)
    return _new(np.full_like(t._array, fill_value, dtype=dtype), requires_grad)


def randn_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "randn_like")
    return randn(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    check_device(device, "rand_like")
    return rand(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def _legacy_constructor(name: str, dtype: str):
    def make(*args, device=None, requires_grad: bool = False) -> Tensor:
        check_device(device, name)
        return Tensor(*args, dtype=dtype, requires_grad=requires_grad)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = (f"PyTorch's legacy ``{name}(*sizes)`` or ``{name}(data)``: a {dtype} "
                    "tensor of those sizes (zeros) or holding that data.")
    return make


# Legacy constructors that older course code still calls (torch.FloatTensor([1, 2])...)
FloatTensor = _legacy_constructor("FloatTensor", "float32")
DoubleTensor = _legacy_constructor("DoubleTensor", "float64")
HalfTensor = _legacy_constructor("HalfTensor", "float16")
LongTensor = _legacy_constructor("LongTensor", "int64")
IntTensor = _legacy_constructor("IntTensor", "int32")
ByteTensor = _legacy_constructor("ByteTensor", "uint8")
BoolTensor = _legacy_constructor("BoolTensor", "bool")
