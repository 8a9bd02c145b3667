"""The array backends: one per device type, ``cpu`` (NumPy) and ``cuda`` (CuPy, or the
stand-in ``reseau.standin`` for tests), how arrays are allocated, moved and drawn on a
device, and the default random generator (kept by ``random.py``; the dtype policy lives
in ``dtypes.py``).

Everything that depends on the device (creating arrays, moving them, drawing random
numbers) goes through this module. The ops only call NumPy functions that dispatch on
the array type (ufuncs, array methods, ``np.*_like``), so a CuPy array flows through
them unchanged.

The cuda backend is built at its first use: nothing imports CuPy (or the stand-in)
before a ``cuda`` device is asked for. Its array module is ``cupy`` when it imports
and finds a GPU, else ``reseau.standin`` when the environment variable
``RESEAU_CUDA_STANDIN=1`` is set (or after :func:`use_standin`), else asking for
``cuda`` is one clear error.
"""

from __future__ import annotations

import contextlib
import math
import os

import numpy as np

from . import devices as _devices
from . import random as _random
from .devices import CPU, check_device, device as Device
from .dtypes import as_dtype, data_dtype  # noqa: I001
from .size import Size
from .dtypes import get_default_dtype, is_floating, set_default_dtype  # noqa: F401 (re-exported)

__all__ = [
    "xp",
    "Backend",
    "get",
    "xp_of",
    "device_of",
    "to_host",
    "to_device",
    "use_standin",
    "cuda_backend",
    "zeros",
    "ones",
    "empty",
    "full",
    "arange",
    "linspace",
    "eye",
    "asarray",
    "array",
    "draw",
    "draw_randperm",
    "draw_multinomial",
    "fill_",
    "to_numpy",
    "get_default_dtype",
    "set_default_dtype",
    "manual_seed",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
    "fork_rng",
    "is_floating",
]

#: The cpu backend's array module (tests swap it for a recording NumPy).
xp = np


class Backend:
    """The arrays of one device type: ``type`` (``"cpu"``, ``"cuda"``) and ``xp``, the
    array module its arrays come from."""

    type = "cpu"

    @property
    def xp(self):
        return xp

    def device_count(self) -> int:
        return 1

    def __repr__(self) -> str:
        return f"<reseau.backend {self.type}: {self.xp.__name__}>"


class CudaBackend(Backend):
    """The cuda backend: CuPy (or the stand-in) as ``xp``, one device per GPU, and the
    device's random generator (CuPy's, seeded by ``reseau.cuda.manual_seed``)."""

    type = "cuda"

    def __init__(self, module, standin: bool, count: int):
        self._xp, self.standin = module, standin
        self.ndarray = module.ndarray
        self.devices = tuple(Device("cuda", i) for i in range(count))
        # the device that "cuda" without an index names: CuPy's current one (cuda.set_device)
        self.current = int(module.cuda.Device().id)
        seed = _random.last_manual_seed
        self.manual_seed_all(_random.DEFAULT_SEED if seed is None else seed)

    @property
    def xp(self):
        return self._xp

    def device_count(self) -> int:
        return len(self.devices)

    def on(self, index: int):
        """A context in which new arrays go to device ``index`` (CuPy allocates on the
        current device)."""
        return contextlib.nullcontext() if index == self.current else \
            self._xp.cuda.Device(index)

    def set_current(self, index: int) -> None:
        self._xp.cuda.Device(index).use()
        self.current = index

    def manual_seed(self, seed: int, index: int | None = None) -> None:
        with self.on(self.current if index is None else index):
            self._xp.random.seed(int(seed) % 2**64)

    def manual_seed_all(self, seed: int) -> None:
        for i in range(len(self.devices)):
            self.manual_seed(seed, i)

    # --- draws from the device's generator: CuPy's uniforms and normals, the other
    # distributions computed from them on the device (PyTorch's CUDA streams are not
    # reproduced: docs/gpu.md)
    def draw(self, kind: str, shape: tuple, dtype, params: tuple):
        dtype = np.dtype(dtype)
        wide = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
        rnd, mod = self._xp.random, self._xp
        if kind == "normal":
            mean, std = params or (0.0, 1.0)
            return (rnd.standard_normal(shape, dtype=wide) * std + mean).astype(dtype)
        if kind == "log_normal":
            mean, std = params or (1.0, 2.0)
            return mod.exp(rnd.standard_normal(shape, dtype=wide) * std + mean).astype(dtype)
        if kind in ("randint", "random"):
            if kind == "random":  # the dtype's range, as random_()
                top = (2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f" else
                       2 if dtype == np.bool_ else int(np.iinfo(dtype).max) + 1)
                params = (0, top)
            low, high = (int(q) for q in params)
            if high <= low:
                raise RuntimeError(f"random_: expected low < high, got low={low}, high={high}")
            return rnd.randint(low, high, size=shape, dtype=np.int64).astype(dtype)
        u = rnd.random(shape, dtype=wide)  # U[0, 1)
        if kind == "uniform":
            low, high = params or (0.0, 1.0)
            values = u if (low, high) == (0.0, 1.0) else u * (high - low) + low
        elif kind == "bernoulli":
            values = u < params[0]
        elif kind == "exponential":
            values = -mod.log1p(-u) / (params[0] if params else 1.0)
        elif kind == "cauchy":
            median, sigma = params or (0.0, 1.0)
            values = mod.tan((u - 0.5) * math.pi) * sigma + median
        elif kind == "geometric":  # trials up to the first success: ceil(log(1-u) / log(1-p))
            values = mod.maximum(mod.ceil(mod.log1p(-u) / math.log1p(-params[0])), 1)
        else:
            raise ValueError(f"draw: unknown distribution {kind!r}")
        return values.astype(dtype)


_CPU = Backend()
_cuda: CudaBackend | None = None  # built at the first use of a cuda device
_standin: bool | None = None  # use_standin()'s choice; None: the environment decides


def use_standin(enabled: bool = True) -> None:
    """Give ``cuda`` the stand-in array module (``reseau.standin``) instead of CuPy, as
    ``RESEAU_CUDA_STANDIN=1`` does; ``use_standin(False)`` goes back to the environment's
    choice. Either forgets the cuda backend built so far (its arrays stay what they are:
    tests only)."""
    global _standin, _cuda
    _standin, _cuda = (True if enabled else None), None


def cuda_backend() -> CudaBackend:
    """The cuda backend, built at the first call; else one RuntimeError saying why there
    is none (CuPy missing, no driver or no GPU), with the fix."""
    global _cuda
    if _cuda is not None:
        return _cuda
    standin = _standin if _standin is not None else os.environ.get("RESEAU_CUDA_STANDIN") == "1"
    if standin:
        from . import standin as module
    else:
        try:
            import cupy as module
        except ImportError:
            raise RuntimeError("CuPy is not installed: pip install 'reseau[cuda]' (without "
                               "it reseau computes with NumPy on the CPU)") from None
    try:
        count = int(module.cuda.runtime.getDeviceCount())
    except Exception as e:  # CuPy's CUDARuntimeError: no driver, no device
        raise RuntimeError(f"CuPy found no usable CUDA driver or device ({e})") from None
    if count < 1:
        raise RuntimeError("CuPy found no CUDA device (is a GPU visible to this process?)")
    _cuda = CudaBackend(module, standin, count)
    if _seed_cuda not in _random.seed_listeners:
        _random.seed_listeners.append(_seed_cuda)
    return _cuda


def _seed_cuda(seed: int) -> None:
    """``reseau.manual_seed`` seeds every device, as ``torch.manual_seed`` does."""
    if _cuda is not None:
        _cuda.manual_seed_all(seed)


def _resolve_cuda(d: Device, what: str) -> Device:
    """The cuda device ``d`` names (``"cuda"``: the current one), checked."""
    try:
        cuda = cuda_backend()
    except RuntimeError as e:
        raise RuntimeError(f"{what}: device {str(d)!r} is not available: {e}; use "
                           f"device='cpu', or device = 'cuda' if reseau.cuda.is_available() "
                           f"else 'cpu'") from None
    index = cuda.current if d.index is None else d.index
    if index >= len(cuda.devices):
        raise RuntimeError(f"{what}: device {str(d)!r} does not exist: {len(cuda.devices)} "
                           f"CUDA device(s) found (cuda:0 to cuda:{len(cuda.devices) - 1})")
    return cuda.devices[index]


_devices.set_resolver("cuda", _resolve_cuda)


def get(device=None) -> Backend:
    """The backend of ``device`` (a device, a string such as ``"cuda:0"``, None: the
    default device)."""
    d = check_device(device, "backend")
    return _CPU if d.type == "cpu" else cuda_backend()


def device_of(array) -> Device:
    """The device an array lives on (``cpu`` for NumPy arrays and scalars)."""
    if type(array) is np.ndarray or _cuda is None or not isinstance(array, _cuda.ndarray):
        return CPU
    return _cuda.devices[array.device.id]


def xp_of(array):
    """The array module of ``array`` (NumPy, CuPy or the stand-in)."""
    if type(array) is np.ndarray or _cuda is None or not isinstance(array, _cuda.ndarray):
        return xp
    return _cuda.xp


def to_host(array) -> np.ndarray:
    """A host NumPy array for ``array`` (itself on the cpu; a copy from a device)."""
    if isinstance(array, np.ndarray):
        return array
    get_ = getattr(array, "get", None)  # CuPy's device-to-host copy
    return np.asarray(array) if get_ is None or isinstance(array, np.generic) else get_()


#: ``to_numpy``: the name the io and viz floors know
to_numpy = to_host


def to_device(array, device):
    """``array`` on ``device``: itself when it is there already, else a copy."""
    d = device if type(device) is Device and device.index is not None or device is CPU \
        else check_device(device, "to")
    if d.type == "cpu":
        return to_host(array)
    cuda = cuda_backend()
    if isinstance(array, cuda.ndarray):
        if array.device.id == d.index:
            return array
        with cuda.on(d.index):  # CuPy copies to the current device
            return array.copy()
    with cuda.on(d.index):
        return cuda.xp.array(array)  # a copy on the device (CuPy's asarray copies too)


def _target(device):
    """None for the cpu (``device`` None: the default device), else the checked cuda
    device."""
    if device is None:
        device = _devices.get_default_device()
    if device is CPU:
        return None
    d = check_device(device, "backend")
    return None if d.type == "cpu" else d


def check_same_device(what: str, *arrays) -> None:
    """One RuntimeError naming the operation and two devices when ``arrays`` are not all
    on one device (``apply`` asks when their types differ, or when CuPy refused arrays
    of two GPUs)."""
    first = device_of(arrays[0])
    for a in arrays[1:]:
        other = device_of(a)
        if other != first:
            raise RuntimeError(f"{what}: expected all tensors on the same device, found "
                               f"{first} and {other}; move one with .to(...)")


def as_result(out, like):
    """An op's result as an array on the device of ``like`` (an input's array): NumPy
    returns scalars from 0-d operations, CuPy 0-d arrays (kept as they are)."""
    if _home(out) is not None:
        return out
    if _home(like) is not None:
        return to_device(xp.asarray(out), device_of(like))
    return xp.asarray(out)


def _home(obj):
    """The device of ``obj`` when it is a device array, else None."""
    if _cuda is not None and isinstance(obj, _cuda.ndarray):
        return _cuda.devices[obj.device.id]
    return None


# --- allocation and conversion: every array the engine, ops, nn and optim create from
# nothing (not from another array, where ``np.*_like`` dispatches on the array's type)
# comes from these, so that each device's module allocates its own arrays. ``device``:
# a device, a string (``"cuda:0"``) or None (the default device).

def _alloc(name: str, device, *args, **kwargs):
    d = _target(device)
    if d is None:
        return getattr(xp, name)(*args, **kwargs)
    with _cuda.on(d.index):
        return getattr(_cuda.xp, name)(*args, **kwargs)


def zeros(shape, dtype=None, device=None):
    """A new array of zeros on ``device`` (default dtype if None)."""
    return _alloc("zeros", device, shape, dtype=get_default_dtype() if dtype is None else dtype)


def ones(shape, dtype=None, device=None):
    """A new array of ones on ``device`` (default dtype if None)."""
    return _alloc("ones", device, shape, dtype=get_default_dtype() if dtype is None else dtype)


def empty(shape, dtype=None, device=None):
    """A new uninitialised array on ``device`` (default dtype if None)."""
    return _alloc("empty", device, shape, dtype=get_default_dtype() if dtype is None else dtype)


def full(shape, value, dtype=None, device=None):
    """A new array filled with ``value`` (default dtype if None)."""
    return _alloc("full", device, shape, value,
                  dtype=get_default_dtype() if dtype is None else dtype)


def arange(start, stop=None, step=1, dtype=None, device=None):
    """Evenly spaced values in [start, stop); dtype None: inferred from the arguments,
    as NumPy does (int64 for integers)."""
    return _alloc("arange", device, start, stop, step, dtype=dtype)


def linspace(start, stop, num: int, dtype=None, device=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` included (default dtype
    if None)."""
    return _alloc("linspace", device, start, stop, num,
                  dtype=get_default_dtype() if dtype is None else dtype)


def eye(n: int, m: int | None = None, dtype=None, device=None):
    """The identity matrix (n rows, m columns; default dtype if None)."""
    return _alloc("eye", device, n, m, dtype=get_default_dtype() if dtype is None else dtype)


def asarray(obj, dtype=None, device=None):
    """``obj`` (a number, a nested list, an array) as an array, without a copy when it
    already is one of that dtype there. ``device`` None: an array stays on its device
    (a NumPy scalar on the cpu), other data goes to the default device."""
    if device is None:
        if type(obj) is np.ndarray or isinstance(obj, np.generic):
            return xp.asarray(obj, dtype=dtype)
        if _home(obj) is not None:
            return obj if dtype is None else obj.astype(dtype, copy=False)
    d = _target(device)
    if _home(obj) is not None:
        return to_device(obj if dtype is None else obj.astype(dtype, copy=False), d or CPU)
    host = xp.asarray(obj, dtype=dtype)
    return host if d is None else to_device(host, d)


def array(obj, dtype=None, device=None):
    """A copy of ``obj`` as an array (``device`` as for :func:`asarray`)."""
    if device is None:
        if _home(obj) is not None:
            return obj.astype(obj.dtype if dtype is None else dtype, copy=True)
        if type(obj) is np.ndarray or isinstance(obj, np.generic):
            return xp.array(obj, dtype=dtype)
    d = _target(device)
    host = xp.array(to_host(obj) if _home(obj) is not None else obj, dtype=dtype)
    return host if d is None else to_device(host, d)


def from_data(data, dtype=None, device=None):
    """A new array holding ``data`` (nested lists, a number, an array: copied), of
    ``dtype`` if given, else of the dtype the policy gives the data
    (``dtypes.data_dtype``; arrays keep their own), on ``device`` (None: an array's own
    device, the default device for other data)."""
    if _home(data) is not None:  # a device array: copied where it is, or moved
        moved = data if device is None else to_device(data, device)
        arr = data.copy() if moved is data else moved
        return arr if dtype is None else arr.astype(as_dtype(dtype), copy=False)
    if isinstance(data, np.ndarray):
        arr = data.copy()
    elif isinstance(data, np.generic):
        arr = xp.asarray(data)
    else:
        arr = xp.array(data)
        if arr.dtype == object:
            raise TypeError(
                f"tensor: could not convert {type(data).__name__} to a numeric array "
                "(ragged nested lists, or non-numeric values?)"
            )
        if dtype is None:  # with a dtype given, cast once (a float64 not through float32)
            arr = arr.astype(data_dtype(arr.dtype), copy=False)
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype), copy=False)
    if device is None and isinstance(data, (np.ndarray, np.generic)):
        return arr  # host data converted by the core stays on the host
    d = _target(device)
    return arr if d is None else to_device(arr, d)


# --- random draws: on the cpu PyTorch's streams (``random.py``), on a device its own
# generator; a ``generator=`` (a reseau.Generator) draws its CPU stream on every device,
# so that seeded code gives the same numbers everywhere.

def draw(kind: str, shape, dtype, *params, device=None, generator=None):
    """An array of ``kind`` draws (``"uniform"``, ``"normal"``, ``"randint"``,
    ``"random"``, ``"bernoulli"``, ``"exponential"``, ``"cauchy"``, ``"log_normal"``,
    ``"geometric"``; ``params`` as ``random.draw_<kind>`` takes them) on ``device``."""
    d = _target(device)
    if d is None or generator is not None:
        if d is not None:  # a generator's draws for a device: its parameters on the host
            params = tuple([to_host(q) if _home(q) is not None else q for q in params])
        drawn = getattr(_random, "draw_" + kind)(tuple(shape), dtype, *params,
                                                 generator=generator)
        return drawn if d is None else to_device(drawn, d)
    with _cuda.on(d.index):
        return _cuda.draw(kind, tuple(shape), dtype, params)


def draw_randperm(n: int, device=None, generator=None):
    """A permutation of ``range(n)`` (int64) on ``device``."""
    d = _target(device)
    if d is None or generator is not None:
        order = _random.draw_randperm(n, generator)
        return order if d is None else to_device(order, d)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    with _cuda.on(d.index):
        return _cuda.xp.random.permutation(int(n)).astype(np.int64)


def draw_multinomial(probs, num_samples: int, replacement: bool = False, generator=None):
    """Category indices (int64) drawn from each row of ``probs``, on its device. On a
    device: with replacement, the number of cumulative probabilities below a uniform;
    without, the ``num_samples`` largest ``p / q``, ``q ~ Exponential(1)``."""
    d = _home(probs)
    if d is None or generator is not None:
        picked = _random.draw_multinomial(to_host(probs), num_samples, replacement, generator)
        return picked if d is None else to_device(picked, d)
    mod, k = _cuda.xp, probs.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without "
                           f"replacement from {k} categories")
    with _cuda.on(d.index):
        if replacement and num_samples > 1:
            cdf = mod.cumsum(probs, axis=-1)
            cdf = cdf / cdf[..., -1:]
            u = _cuda.draw("uniform", probs.shape[:-1] + (num_samples, 1), np.float64, ())
            picked = (cdf[..., None, :] < u).sum(axis=-1)
            return mod.minimum(picked, k - 1).astype(np.int64)
        q = _cuda.draw("exponential", probs.shape, probs.dtype, ())
        return mod.argsort(-(probs / q), axis=-1)[..., :num_samples].astype(np.int64)


def fill_(array, kind: str, *params, generator=None) -> None:
    """Overwrite ``array`` in place with ``kind`` draws on its own device (on the cpu in
    PyTorch's memory order, ``random.fill_``)."""
    d = _home(array)
    if d is None:
        _random.fill_(array, getattr(_random, "draw_" + kind), *params, generator=generator)
        return
    array[...] = draw(kind, array.shape, array.dtype, *params, device=d, generator=generator)


def legacy_array(args: tuple, dtype=None):
    """The array of PyTorch's legacy constructor ``Tensor(*args)``: ``Tensor(2, 3)`` is
    2x3 (zeros here, where PyTorch leaves memory uninitialised), ``Tensor(Size)`` too;
    ``Tensor(data)`` holds data in the default float dtype, not the inferred one."""
    dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
    sizes = all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args)
    if not args or sizes or (len(args) == 1 and isinstance(args[0], Size)):
        shape = args[0] if args and not sizes else (args or (0,))
        return zeros(tuple(int(n) for n in shape), dtype)
    if len(args) == 1:
        return from_data(args[0], dtype)
    raise TypeError(f"Tensor(): expected sizes (ints) or one sequence of data, got "
                    f"{len(args)} arguments of types {[type(a).__name__ for a in args]}")


def manual_seed(seed) -> _random.Generator:
    """Reseed the default generator behind every random draw of reseau (``randn``,
    ``rand``, initialisers, dropout, shuffling) as ``torch.manual_seed`` does: the same
    seed gives PyTorch's numbers (``reseau.random``). Returns the generator. NumPy's
    global random state is left alone."""
    return _random.manual_seed(seed)


def default_generator() -> _random.Generator:
    """The generator that ``manual_seed`` reseeds (``reseau.random.default_generator``)."""
    return _random.default_generator


def get_rng_state():
    """The state of the default generator (PyTorch's 5056 bytes), to put back later with
    :func:`set_rng_state`: code that must not move a seeded random stream (building a
    model to load weights into it) saves it first."""
    return _random.get_rng_state()


def set_rng_state(state) -> None:
    """Put the default generator back in a state returned by :func:`get_rng_state`."""
    _random.set_rng_state(state)


#: ``with fork_rng():`` draws (and reseeds) inside the block leave the default generator,
#: after it, as it was before (PyTorch's ``torch.random.fork_rng``).
fork_rng = _random.fork_rng
