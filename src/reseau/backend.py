"""The array backend: which array module the engine uses, how arrays are allocated
and converted, and the default random generator (kept by ``random.py``; the dtype
policy lives in ``dtypes.py``).

Everything that depends on the device (creating arrays, drawing random numbers) goes
through this module, so that a CuPy backend can later be swapped in with one call. The
ops themselves only call NumPy functions that dispatch on the array type.
"""

from __future__ import annotations

import numpy as np

from . import random as _random
from .dtypes import as_dtype, data_dtype  # noqa: I001
from .size import Size
from .dtypes import get_default_dtype, is_floating, set_default_dtype  # noqa: F401 (re-exported)

__all__ = [
    "xp",
    "zeros",
    "ones",
    "empty",
    "full",
    "arange",
    "linspace",
    "eye",
    "asarray",
    "array",
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

#: The array module the engine computes with.
xp = np

# --- allocation and conversion: every array the engine, ops, nn and optim create from
# nothing (not from another array, where ``np.*_like`` dispatches on the array's type)
# comes from these, so that another array module can be plugged in for a device.

def zeros(shape, dtype=None):
    """A new array of zeros on the current array module (default dtype if None)."""
    return xp.zeros(shape, dtype=get_default_dtype() if dtype is None else dtype)


def ones(shape, dtype=None):
    """A new array of ones on the current array module (default dtype if None)."""
    return xp.ones(shape, dtype=get_default_dtype() if dtype is None else dtype)


def empty(shape, dtype=None):
    """A new uninitialised array on the current array module (default dtype if None)."""
    return xp.empty(shape, dtype=get_default_dtype() if dtype is None else dtype)


def full(shape, value, dtype=None):
    """A new array filled with ``value`` (default dtype if None)."""
    return xp.full(shape, value, dtype=get_default_dtype() if dtype is None else dtype)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop); dtype None: inferred from the arguments,
    as NumPy does (int64 for integers)."""
    return xp.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num: int, dtype=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` included (default dtype
    if None)."""
    return xp.linspace(start, stop, num, dtype=get_default_dtype() if dtype is None else dtype)


def eye(n: int, m: int | None = None, dtype=None):
    """The identity matrix (n rows, m columns; default dtype if None)."""
    return xp.eye(n, m, dtype=get_default_dtype() if dtype is None else dtype)


def asarray(obj, dtype=None):
    """``obj`` (a number, a nested list, a host array) as an array of the current module,
    without a copy when it already is one of that dtype."""
    return xp.asarray(obj, dtype=dtype)


def array(obj, dtype=None):
    """A copy of ``obj`` as an array of the current module."""
    return xp.array(obj, dtype=dtype)


def from_data(data, dtype=None):
    """A new array holding ``data`` (nested lists, a number, an array: copied), of
    ``dtype`` if given, else of the dtype the policy gives the data
    (``dtypes.data_dtype``; arrays keep their own)."""
    if isinstance(data, xp.ndarray):
        arr = data.copy()
    elif isinstance(data, np.generic):
        arr = asarray(data)
    else:
        arr = array(data)
        if arr.dtype == object:
            raise TypeError(
                f"tensor: could not convert {type(data).__name__} to a numeric array "
                "(ragged nested lists, or non-numeric values?)"
            )
        if dtype is None:  # with a dtype given, cast once (a float64 not through float32)
            arr = arr.astype(data_dtype(arr.dtype), copy=False)
    if dtype is not None:
        arr = arr.astype(as_dtype(dtype), copy=False)
    return arr


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


def to_numpy(arr) -> np.ndarray:
    """A host NumPy array for ``arr`` (no copy on the cpu backend)."""
    return np.asarray(arr)


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
