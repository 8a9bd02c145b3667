"""A CuPy stand-in: a CuPy-like array module backed by NumPy, for testing the cuda
device without a GPU (issue 18).

``standin.ndarray`` wraps an ``np.ndarray`` and behaves like ``cupy.ndarray`` where it
matters to reseau:

- implicit conversion to NumPy is refused (``np.asarray(a)``, ``__array__``: TypeError, as
  CuPy); ``a.get()`` and ``asnumpy(a)`` copy to the host;
- an operand that is an ``np.ndarray`` (of any ndim) in an operator or a ufunc is refused
  (TypeError); Python numbers and NumPy scalars are accepted;
- ``np.<ufunc>(a)`` works (``__array_ufunc__``) for the ufuncs CuPy has, with the methods
  CuPy implements: ``at`` for add, subtract, maximum, minimum and the bitwise ufuncs,
  ``reduce``/``accumulate`` for add and multiply, ``reduceat`` for add, ``outer`` for all;
- ``np.<func>(a)`` works (``__array_function__``) only for the functions CuPy has
  (``CUPY_FUNCTIONS``, the names bound by CuPy's ``cupy/__init__.py`` and its ``linalg``,
  ``fft``, ``random``, ``lib.stride_tricks`` packages);
- arrays carry their device id (``a.device.id``); mixing arrays of two devices raises
  ValueError, as CuPy does without peer access. An array used while another device is
  current is accepted (CuPy enables peer access then).

Every refused NumPy call is recorded (``violations()``, with the caller's file:line) before
it raises, so that a test can assert that nothing dropped to NumPy even where the error was
caught. Results computed here are NumPy's own, so the stand-in is bit-identical to the CPU
path. A 0-d result is a 0-d array, as CuPy returns (NumPy returns a scalar).
"""

from __future__ import annotations

from __future__ import annotations

import sys

import numpy as np

from . import cuda, random
from .array import _call, _NOT_ARRAYS, _Unwrapper, clear_violations, ndarray, violations
from .cuda import get_default_memory_pool, is_available
from .names import CUPY_FUNCTIONS

__all__ = ["ndarray", "asnumpy", "get_array_module", "violations", "clear_violations",
           "CUPY_FUNCTIONS", "cuda", "random", "get_default_memory_pool", "is_available"]


class _Ufunc:
    """A CuPy ufunc: NumPy's, on stand-in arrays, with the methods CuPy implements."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.nin, self.nout, self.nargs = ufunc.nin, ufunc.nout, ufunc.nargs

    def _run(self, method, args, kwargs):
        arrays = [a for a in args if isinstance(a, ndarray)]
        if not arrays:  # scalars only: the result is a 0-d device array, as in CuPy
            args = tuple(ndarray(np.asarray(a)) if isinstance(a, (int, float, complex, bool,
                                                                    np.generic)) else a
                         for a in args)
            arrays = [a for a in args if isinstance(a, ndarray)]
        return arrays[0].__array_ufunc__(self._ufunc, method, *args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self._run("__call__", args, kwargs)

    def __repr__(self):
        return f"<standin ufunc '{self.__name__}'>"


for _method_name in ("at", "reduce", "accumulate", "reduceat", "outer"):
    setattr(_Ufunc, _method_name,
            (lambda m: lambda self, *a, **k: self._run(m, a, k))(_method_name))
del _method_name

_namespace_cache: dict = {}


def _function(name: str, fn):
    def function(*args, **kwargs):
        return _call(f"standin.{name}", fn, args, kwargs,
                     wrap=name not in _NOT_ARRAYS)
    function.__name__ = name
    return function


def __getattr__(name: str):
    """``standin.<name>``: CuPy's function, computed by NumPy on the unwrapped arrays."""
    if name in _namespace_cache:
        return _namespace_cache[name]
    if name not in CUPY_FUNCTIONS or not hasattr(np, name):
        raise AttributeError(f"module 'reseau.standin' has no attribute '{name}' (CuPy "
                             "has no such name)")
    value = getattr(np, name)
    if isinstance(value, np.ufunc):
        value = _Ufunc(value)
    elif callable(value) and not isinstance(value, type):
        value = _function(name, value)
    _namespace_cache[name] = value
    return value


# creation: host data is uploaded explicitly here, as cupy.asarray does
def asarray(a, dtype=None, order=None, *, blocking=False):
    if isinstance(a, ndarray):
        return a if dtype is None or a.dtype == np.dtype(dtype) else a.astype(dtype)
    return ndarray(np.asarray(_Unwrapper("standin.asarray", True)(a), dtype=dtype, order=order))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if isinstance(obj, ndarray):
        return ndarray(np.array(obj._array, dtype=dtype, copy=copy, order=order,
                                ndmin=ndmin), obj._device)
    return ndarray(np.array(_Unwrapper("standin.array", True)(obj), dtype=dtype, copy=True,
                            order=order, ndmin=ndmin))


def ascontiguousarray(a, dtype=None):
    return asarray(a, dtype) if not isinstance(a, ndarray) else ndarray(
        np.ascontiguousarray(a._array, dtype=dtype), a._device)


def _allocator(fn):
    def allocate(*args, **kwargs):
        return ndarray(fn(*args, **kwargs))
    allocate.__name__ = fn.__name__
    return allocate


zeros, ones, empty, full = (_allocator(f) for f in (np.zeros, np.ones, np.empty, np.full))
arange, linspace, eye = (_allocator(f) for f in (np.arange, np.linspace, np.eye))
identity, logspace = _allocator(np.identity), _allocator(np.logspace)


def _like(fn):
    def allocate(a, *args, **kwargs):
        if not isinstance(a, ndarray):
            return ndarray(fn(_Unwrapper(f"standin.{fn.__name__}", True)(a), *args, **kwargs))
        return ndarray(fn(a._array, *args, **kwargs), a._device)
    allocate.__name__ = fn.__name__
    return allocate


zeros_like, ones_like = _like(np.zeros_like), _like(np.ones_like)
empty_like, full_like = _like(np.empty_like), _like(np.full_like)


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    """``a`` on the host: a copy of a stand-in array, else ``np.asarray(a)``."""
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    host = np.asarray(a, order=order)
    if out is not None:
        out[...] = host
        return out
    return host


def get_array_module(*args):
    """This module when one of ``args`` is a stand-in array, else NumPy."""
    for a in args:
        if isinstance(a, ndarray):
            return sys.modules[__name__]
    return np



# dtypes are NumPy's, as in CuPy
bool_, int8, int16, int32, int64 = np.bool_, np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float16, float32, float64 = np.float16, np.float32, np.float64
complex64, complex128, dtype = np.complex64, np.complex128, np.dtype
inf, nan, pi, e, newaxis = np.inf, np.nan, np.pi, np.e, np.newaxis

