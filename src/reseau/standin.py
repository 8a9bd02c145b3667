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

import os
import sys
import types

import numpy as np

__all__ = ["ndarray", "asnumpy", "get_array_module", "violations", "clear_violations",
           "CUPY_FUNCTIONS", "cuda", "random"]

# The names CuPy binds, read from CuPy's source (cupy/__init__.py, cupy/linalg/__init__.py,
# cupy/fft/__init__.py, cupy/random/__init__.py, cupy/lib/stride_tricks.py at commit
# 6b6d9563c4f7, Aug 2026). A NumPy function whose module and name are not here is one
# CuPy does not implement.
_TOP = """
    AxisError ComplexWarning DataSource ElementwiseKernel Inf Infinity
    ModuleDeprecationWarning NAN NINF NZERO NaN PINF PZERO RankWarning RawKernel RawModule
    ReductionKernel TooHardError VisibleDeprecationWarning abs absolute acos acosh add all
    allclose alltrue amax amin angle any append apply_along_axis apply_over_axes arange
    arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin argpartition argsort
    argwhere around array array2string array_equal array_equiv array_repr array_split
    array_str asanyarray asarray asarray_chkfinite ascontiguousarray asfarray asfortranarray
    asin asinh asnumpy astype atan atan2 atanh atleast_1d atleast_2d atleast_3d average
    bartlett base_repr binary_repr bincount bitwise_and bitwise_count bitwise_invert
    bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman bool
    bool_ broadcast broadcast_arrays broadcast_shapes broadcast_to byte byte_bounds c_
    can_cast cbrt cdouble ceil cfloat choose clear_memo clip column_stack common_type
    complex128 complex64 complex_ complexfloating compress concat concatenate conj conjugate
    convolve copy copysign copyto corrcoef correlate cos cosh count_nonzero cov cross
    csingle cuda cumprod cumproduct cumsum cumulative_prod cumulative_sum deg2rad degrees
    delete diag diag_indices diag_indices_from diagflat diagonal diff digitize
    disable_experimental_feature_warning disp divide divmod dot double dsplit dstack dtype e
    ediff1d einsum empty empty_like equal euler_gamma exceptions exp exp2 expand_dims expm1
    extract eye fabs fft fill_diagonal find_common_type finfo fix flatiter flatnonzero flip
    fliplr flipud float16 float32 float64 float_ float_power floating floor floor_divide
    fmax fmin fmod format_float_positional format_float_scientific format_parser frexp
    fromDlpack from_dlpack frombuffer fromfile fromfunction fromiter fromstring full
    full_like fuse gcd generic genfromtxt get_array_module get_array_wrap
    get_default_memory_pool get_default_pinned_memory_pool get_printoptions gradient greater
    greater_equal half hamming hanning heaviside histogram histogram2d histogramdd hsplit
    hstack hypot i0 identity iinfo imag in1d index_exp indices inexact inf infty inner int16
    int32 int64 int8 int_ intc integer interp intersect1d intp invert is_available isclose
    iscomplex iscomplexobj isdtype isfinite isfortran isin isinf isnan isneginf isposinf
    isreal isrealobj isscalar issctype issubclass_ issubdtype issubsctype iterable ix_
    kaiser kron lcm ldexp left_shift less less_equal lexsort linalg linspace load loadtxt
    log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or logical_xor
    logspace long longlong make_aligned_dtype mask_indices matmul matrix_transpose max
    maximum may_share_memory mean median memoize meshgrid mgrid min min_scalar_type minimum
    mintypecode mod modf moveaxis msort multiply nan nan_to_num nanargmax nanargmin
    nancumprod nancumsum nanmax nanmean nanmedian nanmin nanprod nanstd nansum nanvar
    ndarray ndim ndindex negative newaxis nextafter nonzero not_equal number obj2sctype
    ogrid ones ones_like outer packbits pad partition percentile permute_dims pi piecewise
    place poly poly1d polyadd polyfit polymul polynomial polysub polyval positive pow power
    printoptions prod product promote_types ptp put put_along_axis putmask quantile r_
    rad2deg radians random ravel ravel_multi_index real real_if_close reciprocal remainder
    repeat require reshape resize result_type right_shift rint roll rollaxis roots rot90
    round round_ row_stack s_ safe_eval save savetxt savez savez_compressed sctype2char
    searchsorted select set_printoptions set_string_function setdiff1d setxor1d shape
    shares_memory short show_config sign signbit signedinteger sin sinc single singlecomplex
    sinh size sometrue sort sort_complex split sqrt square squeeze stack std subtract sum
    swapaxes take take_along_axis tan tanh tensordot testing tile trace transpose trapezoid
    trapz tri tril tril_indices tril_indices_from trim_zeros triu triu_indices
    triu_indices_from true_divide trunc typename ubyte ufunc uint uint16 uint32 uint64 uint8
    uintc uintp ulong ulonglong union1d unique unique_all unique_counts unique_inverse
    unique_values unpackbits unravel_index unsignedinteger unwrap ushort vander var vdot
    vectorize vsplit vstack where who zeros zeros_like
"""
_SUB = """
    linalg.LinAlgError linalg.cholesky linalg.cond linalg.cross linalg.det linalg.eig
    linalg.eigh linalg.eigvals linalg.eigvalsh linalg.inv linalg.lstsq linalg.matmul
    linalg.matrix_power linalg.matrix_rank linalg.matrix_transpose linalg.norm linalg.pinv
    linalg.qr linalg.slogdet linalg.solve linalg.svd linalg.tensorinv linalg.tensorsolve
    fft.config fft.fft fft.fft2 fft.fftfreq fft.fftn fft.fftshift fft.hfft fft.ifft
    fft.ifft2 fft.ifftn fft.ifftshift fft.ihfft fft.irfft fft.irfft2 fft.irfftn fft.rfft
    fft.rfft2 fft.rfftfreq fft.rfftn
    random.BitGenerator random.MRG32k3a random.Philox4x3210 random.RandomState random.XORWOW
    random.beta random.binomial random.bytes random.chisquare random.choice
    random.default_rng random.dirichlet random.exponential random.f random.gamma
    random.geometric random.get_random_state random.gumbel random.hypergeometric
    random.laplace random.logistic random.lognormal random.logseries random.multinomial
    random.multivariate_normal random.negative_binomial random.noncentral_chisquare
    random.noncentral_f random.normal random.pareto random.permutation random.poisson
    random.power random.rand random.randint random.randn random.random
    random.random_integers random.random_sample random.ranf random.rayleigh
    random.reset_states random.sample random.seed random.set_random_state random.shuffle
    random.standard_cauchy random.standard_exponential random.standard_gamma
    random.standard_normal random.standard_t random.triangular random.uniform
    random.vonmises random.wald random.weibull random.zipf
    lib.stride_tricks.as_strided lib.stride_tricks.sliding_window_view
"""
CUPY_FUNCTIONS = frozenset(_TOP.split()) | frozenset(_SUB.split())

# ufunc methods CuPy implements (cupy/_core/_kernel.pyx: ufunc.at needs a scatter op;
# reduce and accumulate exist for add and multiply, reduceat for add only).
_UFUNC_METHODS = {
    "at": frozenset({"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or",
                     "bitwise_xor"}),
    "reduce": frozenset({"add", "multiply"}),
    "accumulate": frozenset({"add", "multiply"}),
    "reduceat": frozenset({"add"}),
}

# NumPy functions whose result is not an array (a shape, a dtype, a flag): kept as is.
_NOT_ARRAYS = frozenset({"shape", "ndim", "size", "result_type", "can_cast", "iscomplexobj",
                         "isrealobj", "isfortran", "may_share_memory", "shares_memory",
                         "min_scalar_type", "common_type", "isscalar", "iterable"})

_DEVICE_COUNT = 2
_current = [0]  # the current device id (cuda.Device(i) as a context sets it)
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
    here = os.path.abspath(__file__)
    while frame is not None:
        path = frame.f_code.co_filename
        if os.path.abspath(path) != here and f"{os.sep}numpy{os.sep}" not in path:
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


def _call(what: str, fn, args, kwargs, host_ok: bool = False, wrap: bool = True):
    unwrap = _Unwrapper(what, host_ok)
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
        return ndarray(ufunc(self._array), self._device)
    return op


def _method(name: str, wrap: bool = True):
    def method(self, *args, **kwargs):
        return _call(f"ndarray.{name}", getattr(self._array, name), args, kwargs, wrap=wrap)
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
    def base(self):
        base = self._array.base
        return None if base is None else ndarray(base, self._device)

    @property
    def real(self):
        return ndarray(self._array.real, self._device)

    @real.setter
    def real(self, value):
        self._array.real = _Unwrapper("ndarray.real")(value)

    @property
    def imag(self):
        return ndarray(self._array.imag, self._device)

    @imag.setter
    def imag(self, value):
        self._array.imag = _Unwrapper("ndarray.imag")(value)

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
              "compress conj conjugate copy cumprod cumsum diagonal dot fill flatten max "
              "mean min nonzero partition prod put ravel repeat reshape round searchsorted "
              "sort squeeze std sum swapaxes take trace transpose var view").split():
    setattr(ndarray, _name, _method(_name))
for _name in ("tobytes", "tofile", "dump", "dumps"):
    setattr(ndarray, _name, _method(_name, wrap=False))
del _name


def _rebuild(array, device):
    return ndarray(array, device)


# --- the namespace ------------------------------------------------------------------------

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


def is_available() -> bool:
    return True


# dtypes are NumPy's, as in CuPy
bool_, int8, int16, int32, int64 = np.bool_, np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float16, float32, float64 = np.float16, np.float32, np.float64
complex64, complex128, dtype = np.complex64, np.complex128, np.dtype
inf, nan, pi, e, newaxis = np.inf, np.nan, np.pi, np.e, np.newaxis


# --- cuda: devices, streams, the runtime --------------------------------------------------

class _Device:
    """``cuda.Device(i)``: a device id; as a context it is the current device."""

    def __init__(self, device=None):
        if device is None:
            device = _current[0]
        device = int(device)
        if not 0 <= device < _DEVICE_COUNT:
            raise _CUDARuntimeError(f"cudaErrorInvalidDevice: invalid device ordinal "
                                    f"{device} (the stand-in has {_DEVICE_COUNT} devices)")
        self.id = device
        self._previous: list[int] = []

    def use(self):
        _current[0] = self.id

    def synchronize(self):
        """Wait for the device's work: the stand-in computes eagerly, nothing to wait for."""

    def __enter__(self):
        self._previous.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._previous.pop()

    def __eq__(self, other):
        return isinstance(other, _Device) and other.id == self.id

    def __hash__(self):
        return hash(("standin.Device", self.id))

    def __int__(self):
        return self.id

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class _CUDARuntimeError(RuntimeError):
    pass


class _Stream:
    def synchronize(self):
        """Nothing to wait for: the stand-in computes eagerly."""

    def use(self):
        return self


_Stream.null = _Stream()


class _MemoryPool:
    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        pass


_memory_pool = _MemoryPool()


def get_default_memory_pool():
    return _memory_pool


def _device_properties(device: int) -> dict:
    _Device(device)
    return {"name": b"reseau stand-in (NumPy)", "totalGlobalMem": 16 * 2**30, "major": 9,
            "minor": 0, "multiProcessorCount": 1}


cuda = types.SimpleNamespace(
    Device=_Device, Stream=_Stream, is_available=lambda: True,
    get_device_id=lambda: _current[0], get_current_stream=lambda: _Stream.null,
    runtime=types.SimpleNamespace(
        getDeviceCount=lambda: _DEVICE_COUNT, getDevice=lambda: _current[0],
        setDevice=lambda i: _Device(i).use(), getDeviceProperties=_device_properties,
        runtimeGetVersion=lambda: 12080, driverGetVersion=lambda: 12080,
        memGetInfo=lambda: (16 * 2**30, 16 * 2**30), deviceSynchronize=lambda: None,
        CUDARuntimeError=_CUDARuntimeError),
)


# --- random: the stand-in's own generator -------------------------------------------------

class _Generator:
    """A random generator of the stand-in: NumPy's ``Generator`` (PCG64), its draws
    placed on the current device. CuPy's streams differ from NumPy's; so do these."""

    def __init__(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def seed(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def _draw(self, name, args, kwargs, dtype=None):
        out = _call(f"standin.random.{name}", getattr(self._rng, name), args, kwargs)
        return out if dtype is None else out.astype(dtype, copy=False)

    def random(self, size=None, dtype=float):
        return self._draw("random", (size,), {}, dtype)

    random_sample = random

    def rand(self, *size, dtype=float):
        return self._draw("random", (size,), {}, dtype)

    def randn(self, *size, dtype=float):
        return self._draw("standard_normal", (size,), {}, dtype)

    def standard_normal(self, size=None, dtype=float):
        return self._draw("standard_normal", (size,), {}, dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=float):
        return self._draw("normal", (loc, scale, size), {}, dtype)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=float):
        return self._draw("uniform", (low, high, size), {}, dtype)

    def randint(self, low, high=None, size=None, dtype=int):
        if high is None:
            low, high = 0, low
        return self._draw("integers", (low, high, size), {}, dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._draw("integers", (low, high, size), {"endpoint": endpoint}, dtype)

    def binomial(self, n, p, size=None, dtype=int):
        return self._draw("binomial", (n, p, size), {}, dtype)

    def exponential(self, scale=1.0, size=None, dtype=float):
        return self._draw("exponential", (scale, size), {}, dtype)

    def permutation(self, x):
        if isinstance(x, ndarray):
            return ndarray(self._rng.permutation(x._array), x._device)
        return self._draw("permutation", (x,), {})

    def shuffle(self, a):
        if not isinstance(a, ndarray):
            raise TypeError("standin.random.shuffle: expected a stand-in array")
        self._rng.shuffle(a._array)

    def choice(self, a, size=None, replace=True, p=None):
        return self._draw("choice", (a, size, replace, p), {})


_default = _Generator()


def _random_namespace():
    space = types.SimpleNamespace(
        default_rng=_Generator, RandomState=_Generator, Generator=_Generator,
        get_random_state=lambda: _default, seed=lambda seed=None: _default.seed(seed),
        reset_states=lambda: _default.seed(None))
    for name in ("random random_sample rand randn standard_normal normal uniform randint "
                 "binomial exponential permutation shuffle choice").split():
        setattr(space, name, (lambda n: lambda *a, **k: getattr(_default, n)(*a, **k))(name))
    return space


random = _random_namespace()
