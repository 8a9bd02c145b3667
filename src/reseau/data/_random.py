"""Turning a ``seed`` argument into a NumPy random generator (scikit-learn's
``check_random_state`` convention)."""

from __future__ import annotations

import numpy as np

from ..backend import default_generator
from ..random import Generator

__all__ = ["check_generator"]


def check_generator(seed, caller: str, *, own: bool = False,
                    name: str = "seed") -> np.random.Generator:
    """The generator that ``seed`` names.

    Parameters
    ----------
    seed : None, int, numpy.random.Generator or reseau.Generator
        ``None`` gives reseau's default generator (the one ``reseau.manual_seed``
        reseeds), an integer a new generator seeded with it, and a generator is used as
        it is (its state advances).
    caller : str
        The public function's name, for the error message.
    own : bool
        Always return a new generator that no one else holds (scikit-learn's
        ``random_state``: a fitted estimator keeps its own): from ``None`` or a generator
        (also NumPy's legacy ``RandomState``), it is seeded by one number drawn from
        that generator (reseau's default one for ``None``), which advances it.
    name : str
        The argument's name, for the error message (``"random_state"``).
    """
    if own:
        if seed is None:
            return np.random.default_rng(int(default_generator().integers(2**63)))
        if isinstance(seed, (np.random.Generator, Generator)):
            return np.random.default_rng(int(seed.integers(2**63)))
        if isinstance(seed, np.random.RandomState):
            return np.random.default_rng(int(seed.randint(2**31)))
    if seed is None:
        return default_generator()
    if isinstance(seed, (np.random.Generator, Generator)):
        return seed  # a reseau.Generator answers NumPy's methods from PyTorch's stream
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{caller}: {name} must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"{caller}: {name} must be None, an int or a numpy.random.Generator (or a "
        f"reseau.Generator), got {type(seed).__name__}; e.g. {name}=0 or "
        f"{name}=numpy.random.default_rng(0)"
    )
