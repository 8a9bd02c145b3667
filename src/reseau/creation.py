"""Creating tensors: from data, filled with a constant, ranges, identity, random draws.

Every array is allocated by ``reseau.backend`` on the device that ``device=`` names (the
default device if None). Random draws on the cpu follow PyTorch's CPU generator
(``reseau.random``): after ``reseau.manual_seed(s)``, or from a ``generator=``, they are
the numbers PyTorch draws; on a cuda device they come from the device's generator
(``reseau.cuda.manual_seed``), unless a ``generator=`` is given (its CPU stream, copied
to the device). Dtypes follow ``reseau.dtypes``.
"""

from __future__ import annotations

import numpy as np

from . import backend
from . import random as _random
from .devices import CPU, check_device
from .dtypes import as_dtype, data_dtype, dtype_or_default, range_dtype
from .ops._convert import shape_arg
from .tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
    "linspace", "eye", "randn", "rand", "randint", "randperm", "zeros_like", "ones_like",
    "full_like", "randn_like", "rand_like", "randint_like", "normal", "bernoulli", "multinomial",
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ByteTensor",
    "BoolTensor",
]

# Generator.get_state() gives its bytes as a Tensor (random.py sits below tensor.py)
_random.set_state_wrapper(lambda buf: Tensor._make(backend.asarray(buf)))


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _data_device(data, device, what: str):
    """The device of a tensor made from ``data``: ``device`` if given; else a tensor's
    or device array's own device; else the default device."""
    if device is None:
        if isinstance(data, Tensor):
            return data.device
        if backend.device_of(data) is not CPU:
            return backend.device_of(data)
    return check_device(device, what)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, a number, an array) on
    ``device``. Python floats become float32 (the default dtype), ints int64."""
    d = _data_device(data, device, "tensor")
    t = Tensor._make(backend.from_data(data._array if isinstance(data, Tensor) else data,
                                       dtype, d))
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array when the dtype allows and the
    device is the cpu (a tensor already of that dtype and device is returned as is)."""
    d = _data_device(data, device, "as_tensor")
    if isinstance(data, Tensor):
        return data.to(d) if dtype is None else data.to(d, dtype)
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype) == data.dtype):
        return Tensor._make(backend.asarray(data, device=d))
    return Tensor._make(backend.from_data(data, dtype, d))


def from_numpy(array: np.ndarray) -> Tensor:
    """A cpu tensor sharing memory with ``array`` (its dtype kept), whatever the default
    device, as in PyTorch."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}"
                        f"{'; use reseau.as_tensor for a device array' * (array is not None)}")
    return Tensor._make(backend.asarray(array))


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = check_device(device, "zeros")
    return _new(backend.zeros(shape_arg(size), dtype_or_default(dtype), d), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = check_device(device, "ones")
    return _new(backend.ones(shape_arg(size), dtype_or_default(dtype), d), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = check_device(device, "empty")
    return _new(backend.empty(shape_arg(size), dtype_or_default(dtype), d), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = check_device(device, "full")
    if dtype is None:
        dtype = data_dtype(np.asarray(fill_value).dtype)  # host-side: reads the dtype only
    return _new(backend.full(shape_arg((size,)), fill_value, as_dtype(dtype), d), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (0 if only one argument) up to ``end`` excluded. Integer
    arguments give int64, as in PyTorch."""
    d = check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = range_dtype(start, end, step)
    return _new(backend.arange(start, end, step, as_dtype(dtype), d), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    d = check_device(device, "linspace")
    return _new(backend.linspace(start, end, steps, dtype_or_default(dtype), d), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    d = check_device(device, "eye")
    return _new(backend.eye(n, m, dtype_or_default(dtype), d), requires_grad)


def _drawn(array, requires_grad: bool) -> Tensor:
    return _new(backend.asarray(array), requires_grad)


def randn(*size, generator=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal draws, PyTorch's numbers for the same seed (``reseau.random``)."""
    d = check_device(device, "randn")
    return _drawn(backend.draw("normal", shape_arg(size), dtype_or_default(dtype), device=d,
                               generator=generator), requires_grad)


def rand(*size, generator=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform draws in [0, 1), PyTorch's numbers for the same seed."""
    d = check_device(device, "rand")
    return _drawn(backend.draw("uniform", shape_arg(size), dtype_or_default(dtype), device=d,
                               generator=generator), requires_grad)


def randint(low: int, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) (int64 unless ``dtype``): ``randint(high, size)`` or
    ``randint(low, high, size)``, as PyTorch draws them."""
    d = check_device(device, "randint")
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size), "
                        "e.g. randint(10, (3,)); got no size")
    dtype = np.int64 if dtype is None else as_dtype(dtype)
    drawn = backend.draw("randint", shape_arg((size,)), dtype, int(low), int(high), device=d,
                         generator=generator)
    return _drawn(drawn, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``), as PyTorch draws it."""
    d = check_device(device, "randperm")
    order = backend.draw_randperm(n, d, generator)
    return _drawn(order if dtype is None else order.astype(as_dtype(dtype)), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal draws, as ``torch.normal``: numbers ``mean`` and ``std`` with a ``size``; or
    tensors (broadcast together): standard normals times ``std`` plus ``mean`` (a tensor
    ``mean`` with a number ``std``: ``N(0, std^2)`` plus ``mean``)."""
    d = check_device(device, "normal")
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal: with a number mean and std, give a size, e.g. "
                            "normal(0.0, 1.0, (3, 4))")
        return _drawn(backend.draw("normal", shape_arg((size,)), dtype_or_default(dtype),
                                   float(mean), float(std), device=d, generator=generator),
                      requires_grad)
    if (std_t and (std._array < 0).any()) or (not std_t and std < 0):
        raise RuntimeError("normal: expected all std >= 0.0")
    arrays = [t._array for t in (mean, std) if isinstance(t, Tensor)]
    out_dtype = np.result_type(*(a.dtype for a in arrays)) if dtype is None else as_dtype(dtype)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    d = backend.device_of(arrays[0])  # the draws go where the tensors are
    if not std_t:  # N(0, std^2) + mean
        values = backend.draw("normal", shape, out_dtype, 0.0, float(std), device=d,
                              generator=generator)
        values = values + mean._array
    else:
        values = backend.draw("normal", shape, out_dtype, device=d,
                              generator=generator) * std._array
        values = values + (mean._array if mean_t else out_dtype.type(mean))
    return _drawn(values.astype(out_dtype, copy=False), requires_grad)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 draws, each 1 with probability ``input`` (or with the number ``p``), in the
    dtype of ``input``, as ``torch.bernoulli``."""
    probs = input._array if p is None else p
    return _drawn(backend.draw("bernoulli", input.shape, input.dtype, probs,
                               device=input.device, generator=generator), False)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Indices drawn from the categories of each row of ``input`` (weights, not
    necessarily normalised), as ``torch.multinomial``; int64."""
    return _drawn(backend.draw_multinomial(input._array, int(num_samples), bool(replacement),
                                           generator), False)


def _like(t: Tensor, device, what: str):
    """The device of a ``*_like`` result: ``t``'s unless ``device`` is given."""
    return t.device if device is None else check_device(device, what)


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return full_like(t, 0, dtype, _like(t, device, "zeros_like"), requires_grad)


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return full_like(t, 1, dtype, _like(t, device, "ones_like"), requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    d = _like(t, device, "full_like")
    dtype = None if dtype is None else as_dtype(dtype)
    if d == t.device:  # np.full_like dispatches to t's array module
        return _new(np.full_like(t._array, fill_value, dtype=dtype), requires_grad)
    dtype = t._array.dtype if dtype is None else dtype
    return _new(backend.full(t._array.shape, fill_value, dtype, d), requires_grad)


def randn_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False, *,
               generator=None) -> Tensor:
    return randn(t.shape, dtype=t.dtype if dtype is None else dtype,
                 device=_like(t, device, "randn_like"), requires_grad=requires_grad,
                 generator=generator)


def rand_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False, *,
              generator=None) -> Tensor:
    return rand(t.shape, dtype=t.dtype if dtype is None else dtype,
                device=_like(t, device, "rand_like"), requires_grad=requires_grad,
                generator=generator)


def randint_like(t: Tensor, low: int = 0, high=None, *, dtype=None, device=None,
                 requires_grad: bool = False, generator=None) -> Tensor:
    """``randint`` with the shape (and dtype, unless given) of ``t``:
    ``randint_like(t, high)`` or ``randint_like(t, low, high)``."""
    d = _like(t, device, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, dtype=t.dtype if dtype is None else dtype, device=d,
                   requires_grad=requires_grad, generator=generator)


def empty_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return full_like(t, 0, dtype, _like(t, device, "empty_like"), requires_grad)


def is_floating_point(t: Tensor) -> bool:
    return t.is_floating_point()


def _legacy_constructor(name: str, dtype: str):
    def make(*args, device=None, requires_grad: bool = False) -> Tensor:
        d = check_device(device, name)
        t = Tensor(*args, dtype=dtype)
        t = t if t.device == d else Tensor._make(backend.to_device(t._array, d))
        return t.requires_grad_(requires_grad)
    make.__name__ = make.__qualname__ = name
    make.legacy_dtype = dtype  # x.type(reseau.FloatTensor) casts to it
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


# --- the random Tensor methods (attached below, as ops/methods.py attaches the ops' ones:
# tensor.py stays within its size budget)

def _draw_(self: Tensor, what: str, kind: str, *params, generator=None) -> Tensor:
    self._check_inplace(what)
    backend.fill_(self._array, kind, *params, generator=generator)
    return self._bump()


def _uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill in place with U(a, b) draws, PyTorch's for the same seed."""
    return _draw_(self, "uniform_", "uniform", a, b, generator=generator)


def _normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill in place with N(mean, std^2) draws, PyTorch's for the same seed."""
    return _draw_(self, "normal_", "normal", mean, std, generator=generator)


def _exponential_(self: Tensor, lambd: float = 1.0, generator=None) -> Tensor:
    """Fill in place with Exponential(lambd) draws."""
    return _draw_(self, "exponential_", "exponential", lambd, generator=generator)


def _random_(self: Tensor, low=None, high=None, generator=None) -> Tensor:
    """``random_()``: the dtype's range as PyTorch draws it; ``random_(high)``,
    ``random_(low, high)``: integers in [low, high)."""
    if low is None:
        return _draw_(self, "random_", "random", generator=generator)
    low, high = (0, low) if high is None else (low, high)
    return _draw_(self, "random_", "randint", low, high, generator=generator)


def _bernoulli_(self: Tensor, p=0.5, generator=None) -> Tensor:
    """Fill in place with 0/1 draws, 1 with probability ``p`` (a number or a tensor)."""
    p = p._array if isinstance(p, Tensor) else p
    return _draw_(self, "bernoulli_", "bernoulli", p, generator=generator)


def _cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, generator=None) -> Tensor:
    """Fill in place with Cauchy(median, sigma) draws."""
    return _draw_(self, "cauchy_", "cauchy", median, sigma, generator=generator)


def _log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, generator=None) -> Tensor:
    """Fill in place with ``exp`` of N(mean, std^2) draws."""
    return _draw_(self, "log_normal_", "log_normal", mean, std, generator=generator)


def _geometric_(self: Tensor, p: float, generator=None) -> Tensor:
    """Fill in place with the number of trials up to the first success (probability p)."""
    return _draw_(self, "geometric_", "geometric", p, generator=generator)


def _bernoulli(self: Tensor, generator=None) -> Tensor:
    """0/1 draws, 1 with the probability each entry holds (``torch.bernoulli``)."""
    return bernoulli(self, generator=generator)


def _multinomial(self: Tensor, num_samples: int, replacement: bool = False,
                 generator=None) -> Tensor:
    return multinomial(self, num_samples, replacement, generator=generator)


for _name, _method in [("uniform_", _uniform_), ("normal_", _normal_),
                       ("exponential_", _exponential_), ("random_", _random_),
                       ("bernoulli_", _bernoulli_), ("bernoulli", _bernoulli),
                       ("cauchy_", _cauchy_), ("log_normal_", _log_normal_),
                       ("geometric_", _geometric_),
                       ("multinomial", _multinomial)]:
    setattr(Tensor, _name, _method)
del _name, _method
