"""The stand-in's array: ``ndarray`` wraps a NumPy array and the id of its device, and
refuses (recording it first) every NumPy call CuPy would not take."""

from __future__ import annotations

import os
import sys

import numpy as np

from . import cuda
from .names import _NOT_ARRAYS, _UFUNC_METHODS, CUPY_FUNCTIONS

_current = cuda._current
_violations: list[str] = []


def violations() -> list[str]:
    """The NumPy calls refused since the last ``clear_violations()``: one line each,
    naming the call, why, and the first caller outside NumPy and this module."""
    return list(_violations)


def clear_violations() -> None:
    """Forget the recorded violations."""
    _violations.clear()


def _caller() -> str:
    frame = sys._getframe(2)
    here = os.path.dirname(os.path.abspath(__file__))
    while frame is not None:
        path = frame.f_code.co_filename
        if os.path.dirname(os.path.abspath(path)) != here and f"{os.sep}numpy{os.sep}" not in path:
            return f"{path}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def _refuse(what: str, why: str, error=TypeError):
    """Record a refused call, then raise ``error`` naming it."""
    message = f"{what}: {why}"
    _violations.append(f"{message} (at {_caller()})")
    raise error(f"reseau.standin: {message}")


# --- wrapping and unwrapping -------------------------------------------------------------

def _wrap(value, dev: int):
    """NumPy results as stand-in arrays (a 0-d result too, as CuPy returns 0-d arrays)."""
    if isinstance(value, np.ndarray):
        return ndarray(value, dev)
    if isinstance(value, np.generic):
        return ndarray(np.asarray(value), dev)
    if isinstance(value, tuple):
        return tuple(_wrap(v, dev) for v in value)
    if isinstance(value, list):
        return [_wrap(v, dev) for v in value]
    return value


class _Unwrapper:
    """Replaces stand-in arrays by their NumPy arrays in nested arguments, checks that
    they share one device, and refuses host arrays unless ``host_ok``."""

    __slots__ = ("what", "host_ok", "device")

    def __init__(self, what: str, host_ok: bool = False):
        self.what, self.host_ok, self.device = what, host_ok, None

    def __call__(self, value):
        if isinstance(value, ndarray):
            if self.device is None:
                self.device = value._device
            elif value._device != self.device:
                _refuse(self.what, f"the device where the array resides ({value._device}) is "
                        f"different from the current device ({self.device}); peer access is "
                        "unavailable between these devices", ValueError)
            return value._array
        if isinstance(value, np.ndarray):
            if not self.host_ok:
                _refuse(self.what, "a numpy.ndarray operand (host memory) mixed with "
                        "stand-in (device) arrays; move it with standin.asarray() first, or "
                        "allocate it on the device")
            return value
        if isinstance(value, (tuple, list)):
            return type(value)(self(v) for v in value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value

    @property
    def dev(self) -> int:
        return _current[0] if self.device is None else self.device


def _call(what: str, fn, args, kwargs, host_ok: bool = False, wrap: bool = True,
          device: int | None = None):
    """``fn`` on the unwrapped arguments, its result wrapped on their device (``device``:
    the device of an array that is not among the arguments, a method's own)."""
    unwrap = _Unwrapper(what, host_ok)
    unwrap.device = device
    args, kwargs = unwrap(args), unwrap(kwargs)
    result = fn(*args, **kwargs)
    return _wrap(result, unwrap.dev) if wrap else result


# --- the array ----------------------------------------------------------------------------

def _check_operands(what: str, operands) -> None:
    """CuPy's kernels take arrays and scalars: a list or tuple operand is refused."""
    for x in operands:
        if isinstance(x, (list, tuple)):
            _refuse(what, f"unsupported operand type {type(x).__name__} (CuPy converts "
                    "no sequences in a kernel call)")


def _binary(ufunc, reflected: bool = False):
    what = f"ndarray {ufunc.__name__}"

    def op(self, other):
        _check_operands(what, (other,))
        return _call(what, ufunc, (other, self) if reflected else (self, other), {})
    return op


def _inplace(ufunc):
    def op(self, other):
        _call(f"ndarray {ufunc.__name__} (in place)", ufunc, (self, other), {"out": self})
        return self
    return op


def _unary(ufunc):
    def op(self):
        return _wrap(ufunc(self._array), self._device)
    return op


def _method(name: str, wrap: bool = True):
    def method(self, *args, **kwargs):
        return _call(f"ndarray.{name}", getattr(self._array, name), args, kwargs, wrap=wrap,
                     device=self._device)
    method.__name__ = name
    return method


class ndarray:
    """A device array of the stand-in: a NumPy array and the id of the device it is on."""

    __slots__ = ("_array", "_device", "__weakref__")
    __array_priority__ = 100.0
    __hash__ = None

    def __init__(self, array: np.ndarray, device: int | None = None):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"standin.ndarray: expected a numpy.ndarray to wrap, got "
                            f"{type(array).__name__}")
        self._array = array
        self._device = _current[0] if device is None else device

    # the refusals of CuPy
    def __array__(self, dtype=None, copy=None):
        _refuse("numpy.asarray/__array__ of a stand-in array", "implicit conversion to a "
                "NumPy array is not allowed; use .get() (or asnumpy) to copy to the host")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        what = f"numpy.{name}" + ("" if method == "__call__" else f".{method}")
        if name not in CUPY_FUNCTIONS:
            _refuse(what, "CuPy has no such ufunc")
        if method in _UFUNC_METHODS and name not in _UFUNC_METHODS[method]:
            _refuse(what, f"CuPy implements {method} only for "
                    f"{', '.join(sorted(_UFUNC_METHODS[method]))}", NotImplementedError)
        if method not in ("__call__", "outer", "at", "reduce", "accumulate", "reduceat"):
            _refuse(what, "CuPy does not implement this ufunc method")
        out = kwargs.get("out")
        if isinstance(out, tuple):
            if len(out) != 1:
                _refuse(what, "out must hold exactly one array", ValueError)
            kwargs["out"] = out = out[0]
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        _check_operands(what, inputs[:1] if method in ("at", "reduce", "accumulate",
                                                         "reduceat") else inputs)
        if method == "at":  # CuPy's scatter converts the indices and values it is given
            target, *rest = inputs
            unwrap = _Unwrapper(what, host_ok=True)
            fn(_Unwrapper(what)(target), *unwrap(tuple(rest)))
            return None
        result = _call(what, fn, inputs, kwargs)
        return out if isinstance(out, ndarray) else result

    def __array_function__(self, func, types, args, kwargs):
        module = func.__module__ or ""
        qualified = ".".join(module.split(".")[1:] + [func.__name__])
        if not module.startswith("numpy") or qualified not in CUPY_FUNCTIONS:
            _refuse(f"{module}.{func.__name__}", "CuPy has no such function (the call would "
                    "compute on the host)")
        for t in types:
            if not issubclass(t, (ndarray, np.ndarray)):
                return NotImplemented
        return _call(f"{module}.{func.__name__}", func, args, kwargs,
                     wrap=func.__name__ not in _NOT_ARRAYS)

    # host copies and conversions
    def get(self, stream=None, order="C", out=None, blocking=True):
        """A copy on the host, as ``np.ndarray`` (CuPy's ``get``)."""
        host = np.array(self._array, order=order, copy=True)
        if out is not None:
            out[...] = host
            return out
        return host

    def set(self, arr, stream=None):
        """Copy the host array ``arr`` into this array (CuPy's ``set``)."""
        self._array[...] = arr

    def item(self, *args):
        return self._array.item(*args)

    def tolist(self):
        return self._array.tolist()

    def __int__(self):
        return int(self._array)

    def __float__(self):
        return float(self._array)

    def __complex__(self):
        return complex(self._array)

    def __bool__(self):
        return bool(self._array)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (ndarray(row, self._device) for row in self._array)

    def __repr__(self):
        return repr(self._array)

    def __str__(self):
        return str(self._array)

    def __format__(self, spec):
        return format(self._array, spec)

    def copy(self, order="C"):
        """A copy on the CURRENT device, as CuPy's ``copy`` (the way CuPy moves an array
        from one device to another)."""
        return ndarray(self._array.copy(order=order), _current[0])

    def __copy__(self):
        return ndarray(self._array.copy(), self._device)

    def __deepcopy__(self, memo):
        return ndarray(self._array.copy(), self._device)

    def __reduce__(self):
        return (_rebuild, (self._array, self._device))

    # attributes
    @property
    def device(self):
        return cuda.Device(self._device)

    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: ndarray(self._array.T, self._device))
    mT = property(lambda self: ndarray(self._array.mT, self._device))

    @shape.setter
    def shape(self, value):
        self._array.shape = value

    @property
    def flat(self):
        """A flat iterator over the entries (CuPy's ``flatiter``): indexing gives arrays."""
        return _FlatIter(self)

    @property
    def base(self):
        base = self._array.base
        return None if base is None else ndarray(base, self._device)

    real = property(lambda self: ndarray(self._array.real, self._device),
                    lambda self, value: _set_part(self, "real", value))
    imag = property(lambda self: ndarray(self._array.imag, self._device),
                    lambda self, value: _set_part(self, "imag", value))

    # indexing: CuPy converts host index arrays (and host values to store)
    def __getitem__(self, key):
        unwrap = _Unwrapper("ndarray.__getitem__", host_ok=True)
        unwrap.device = self._device
        return _wrap(self._array[unwrap(key)], self._device)

    def __setitem__(self, key, value):
        unwrap = _Unwrapper("ndarray.__setitem__", host_ok=True)
        unwrap.device = self._device
        self._array[unwrap(key)] = unwrap(value)

    # operators
    __add__, __radd__ = _binary(np.add), _binary(np.add, True)
    __sub__, __rsub__ = _binary(np.subtract), _binary(np.subtract, True)
    __mul__, __rmul__ = _binary(np.multiply), _binary(np.multiply, True)
    __truediv__, __rtruediv__ = _binary(np.true_divide), _binary(np.true_divide, True)
    __floordiv__, __rfloordiv__ = _binary(np.floor_divide), _binary(np.floor_divide, True)
    __mod__, __rmod__ = _binary(np.remainder), _binary(np.remainder, True)
    __pow__, __rpow__ = _binary(np.power), _binary(np.power, True)
    __matmul__, __rmatmul__ = _binary(np.matmul), _binary(np.matmul, True)
    __divmod__, __rdivmod__ = _binary(np.divmod), _binary(np.divmod, True)
    __and__, __rand__ = _binary(np.bitwise_and), _binary(np.bitwise_and, True)
    __or__, __ror__ = _binary(np.bitwise_or), _binary(np.bitwise_or, True)
    __xor__, __rxor__ = _binary(np.bitwise_xor), _binary(np.bitwise_xor, True)
    __lshift__, __rlshift__ = _binary(np.left_shift), _binary(np.left_shift, True)
    __rshift__, __rrshift__ = _binary(np.right_shift), _binary(np.right_shift, True)
    __eq__, __ne__ = _binary(np.equal), _binary(np.not_equal)
    __lt__, __le__ = _binary(np.less), _binary(np.less_equal)
    __gt__, __ge__ = _binary(np.greater), _binary(np.greater_equal)
    __iadd__, __isub__ = _inplace(np.add), _inplace(np.subtract)
    __imul__, __itruediv__ = _inplace(np.multiply), _inplace(np.true_divide)
    __ifloordiv__, __imod__ = _inplace(np.floor_divide), _inplace(np.remainder)
    __ipow__, __iand__ = _inplace(np.power), _inplace(np.bitwise_and)
    __ior__, __ixor__ = _inplace(np.bitwise_or), _inplace(np.bitwise_xor)
    __ilshift__, __irshift__ = _inplace(np.left_shift), _inplace(np.right_shift)
    __neg__, __pos__ = _unary(np.negative), _unary(np.positive)
    __abs__, __invert__ = _unary(np.absolute), _unary(np.invert)


# CuPy's ndarray methods (cupy/_core/core.pyx, class _ndarray_base)
for _name in ("all any argmax argmin argpartition argsort astype byteswap choose clip "
              "compress conj conjugate cumprod cumsum diagonal dot fill flatten max "
              "mean min nonzero partition prod put ravel repeat reshape round searchsorted "
              "sort squeeze std sum swapaxes take trace transpose var view").split():
    setattr(ndarray, _name, _method(_name))
for _name in ("tobytes", "tofile", "dump", "dumps"):
    setattr(ndarray, _name, _method(_name, wrap=False))
del _name


class _FlatIter:
    """``a.flat``: the entries of ``a`` in C order, read and written by index."""

    def __init__(self, base: ndarray):
        self.base = base

    def __getitem__(self, key):
        return _wrap(self.base._array.flat[_Unwrapper("flatiter", True)(key)], self.base._device)

    def __setitem__(self, key, value):
        unwrap = _Unwrapper("flatiter", True)
        self.base._array.flat[unwrap(key)] = unwrap(value)

    def __len__(self):
        return self.base.size

    def __iter__(self):
        return (ndarray(np.asarray(v), self.base._device) for v in self.base._array.flat)


def _set_part(a: ndarray, part: str, value) -> None:
    setattr(a._array, part, _Unwrapper(f"ndarray.{part}")(value))


def _rebuild(array, device):
    return ndarray(array, device)

