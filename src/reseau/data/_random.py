"""Turning a ``seed`` argument into a NumPy random generator (scikit-learn's
``check_random_state`` convention)."""

from __future__ import annotations

import numpy as np

from ..backend import default_generator

__all__ = ["check_generator"]


def check_generator(seed, caller: str) -> np.random.Generator:
    """The generator that ``seed`` names.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        ``None`` gives reseau's default generator (the one ``reseau.manual_seed``
        reseeds), an integer a new generator seeded with it, and a generator is used as
        it is (its state advances).
    caller : str
        The public function's name, for the error message.
    """
    if seed is None:
        return default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{caller}: seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"{caller}: seed must be None, an int or a numpy.random.Generator, got "
        f"{type(seed).__name__}; e.g. seed=0 or seed=numpy.random.default_rng(0)"
    )
