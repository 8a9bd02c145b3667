"""The random draws of the data pipeline (shuffling, splitting, sampling), from either
kind of generator a user may hand over.

- a ``numpy.random.Generator`` (or an int, which seeds one; reseau's convention since
  its first release): NumPy's own permutation and draws;
- a reseau ``Generator`` following PyTorch's streams (anything with ``manual_seed`` and
  ``get_state``, e.g. ``reseau.Generator()``, or the default generator once it is one):
  the draws PyTorch's samplers make (``randperm``, ``randint`` by chunks of 32,
  ``multinomial``, a 64-bit seed drawn with ``random_``), so that the batches are
  PyTorch's for the same seed.
"""

from __future__ import annotations

import numpy as np

from ... import backend
from ...creation import empty, randint, randperm
from ...tensor import Tensor

__all__ = ["resolve", "is_torch_like", "permutation", "integers", "weighted", "draw_seed",
           "fresh_from_default"]


def is_torch_like(generator) -> bool:
    """Whether ``generator`` is a reseau ``Generator`` (PyTorch's streams)."""
    return (not isinstance(generator, np.random.Generator)
            and hasattr(generator, "manual_seed") and hasattr(generator, "get_state"))


def resolve(generator, caller: str):
    """The generator to draw from: ``None`` is reseau's default generator, an int seeds
    a new NumPy generator, a NumPy or reseau generator is used as it is."""
    if generator is None:
        return backend.default_generator()
    if is_torch_like(generator) or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{caller}: a seed must be a non-negative integer, got {generator}")
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{caller}: generator must be a reseau.Generator, or a seed: seed must be None, an int "
        f"or a numpy.random.Generator; got {type(generator).__name__} (e.g. generator="
        "reseau.Generator().manual_seed(0), or generator=0)"
    )


def permutation(n: int, generator) -> np.ndarray:
    """A random permutation of ``range(n)`` (int64)."""
    if is_torch_like(generator):
        return np.asarray(randperm(n, generator=generator)._array, dtype=np.int64)
    return generator.permutation(n).astype(np.int64, copy=False)


def integers(high: int, size: int, generator) -> np.ndarray:
    """``size`` draws from ``range(high)`` with replacement; PyTorch's ``RandomSampler``
    draws them 32 at a time, then the rest."""
    if not is_torch_like(generator):
        return generator.integers(0, high, size=size).astype(np.int64)
    sizes = [32] * (size // 32) + ([size % 32] if size % 32 else [])
    parts = [np.asarray(randint(0, high, (k,), generator=generator)._array) for k in sizes]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def weighted(weights: np.ndarray, num_samples: int, replacement: bool,
             generator) -> np.ndarray:
    """``num_samples`` indices drawn with probabilities proportional to ``weights``
    (PyTorch's ``multinomial``)."""
    if is_torch_like(generator):
        t = Tensor._make(np.asarray(weights, dtype=np.float64))
        return np.asarray(t.multinomial(num_samples, replacement, generator=generator)._array,
                          dtype=np.int64)
    p = np.asarray(weights, dtype=np.float64)
    return generator.choice(len(p), size=num_samples, replace=replacement,
                            p=p / p.sum()).astype(np.int64)


def draw_seed(generator) -> int:
    """One 64-bit seed, as PyTorch's ``torch.empty((), dtype=torch.int64).random_()``."""
    t = empty((), dtype=np.int64)
    t.random_(generator=generator)
    return int(t._array)


def fresh_from_default(generator):
    """PyTorch's ``RandomSampler`` without a generator: a new generator seeded by one
    draw from the default generator. NumPy generators are used directly (reseau's
    behaviour before PyTorch's streams)."""
    if not is_torch_like(generator):
        return generator
    fresh = type(generator)()
    fresh.manual_seed(draw_seed(generator))
    return fresh
