"""The array backend: which array module the engine uses, the default dtype, and the
random generator.

Everything that depends on the device (creating arrays, drawing random numbers) goes
through this module, so that a CuPy backend can later be swapped in with one call. The
ops themselves only call NumPy functions that dispatch on the array type.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "xp",
    "get_default_dtype",
    "set_default_dtype",
    "manual_seed",
    "default_generator",
    "is_floating",
]

#: The array module the engine computes with.
xp = np

_default_dtype = np.dtype(np.float32)
_generator = np.random.default_rng()


def get_default_dtype() -> np.dtype:
    """The floating dtype of new tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype: ``float32`` (the default) or ``float64``."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(
            f"set_default_dtype: expected float32 or float64, got {dtype}; "
            "only floating dtypes can be the default"
        )
    _default_dtype = dtype


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator behind every random draw of reseau (``randn``, ``rand``,
    initialisers, dropout, shuffling), so that a run is reproducible. NumPy's global
    random state is left alone."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: expected an integer seed, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator that ``manual_seed`` reseeds."""
    return _generator


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"
