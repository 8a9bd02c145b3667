"""The random draws of the data pipeline (shuffling, splitting, sampling), from either
kind of generator a user may hand over.

- a ``reseau.Generator`` (PyTorch's streams; the default generator is one): the draws
  PyTorch's samplers make (``randperm``, ``randint`` by chunks of 32, ``multinomial``,
  a 64-bit seed drawn with ``random_``), so that the batches are PyTorch's for the same
  seed. An int seeds a new ``reseau.Generator``.
- a ``numpy.random.Generator`` (reseau's convention before PyTorch's streams): NumPy's
  own permutation and draws.
"""

from __future__ import annotations

import numpy as np

from ... import random as _rng

__all__ = ["resolve", "is_torch_like", "permutation", "integers", "weighted", "draw_seed",
           "fresh_from_default"]


def is_torch_like(generator) -> bool:
    """Whether ``generator`` is a reseau ``Generator`` (PyTorch's streams)."""
    return isinstance(generator, _rng.Generator)


def resolve(generator, caller: str):
    """The generator to draw from: ``None`` is reseau's default generator, an int seeds
    a new ``reseau.Generator``, a reseau or NumPy generator is used as it is."""
    if generator is None:
        return _rng.default_generator
    if is_torch_like(generator) or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{caller}: a seed must be a non-negative integer, got {generator}")
        return _rng.Generator().manual_seed(int(generator))
    raise TypeError(
        f"{caller}: generator must be a reseau.Generator, or a seed: seed must be None, an int "
        f"or a numpy.random.Generator; got {type(generator).__name__} (e.g. generator="
        "reseau.Generator().manual_seed(0), or generator=0)"
    )


def permutation(n: int, generator) -> np.ndarray:
    """A random permutation of ``range(n)`` (int64), PyTorch's ``randperm``."""
    if is_torch_like(generator):
        return _rng.draw_randperm(n, generator)
    return generator.permutation(n).astype(np.int64, copy=False)


def integers(high: int, size: int, generator) -> np.ndarray:
    """``size`` draws from ``range(high)`` with replacement (PyTorch's ``randint``)."""
    if not is_torch_like(generator):
        return generator.integers(0, high, size=size).astype(np.int64)
    return _rng.draw_randint((size,), np.int64, 0, high, generator)


def weighted(weights: np.ndarray, num_samples: int, replacement: bool,
             generator) -> np.ndarray:
    """``num_samples`` indices drawn with probabilities proportional to ``weights``
    (float64, PyTorch's ``multinomial``)."""
    p = np.asarray(weights, dtype=np.float64)
    if is_torch_like(generator):
        return _rng.draw_multinomial(p[None], num_samples, replacement, generator)[0]
    return generator.choice(len(p), size=num_samples, replace=replacement,
                            p=p / p.sum()).astype(np.int64)


def draw_seed(generator) -> int:
    """One 64-bit seed, as PyTorch's ``torch.empty((), dtype=torch.int64).random_()``."""
    return int(_rng.draw_random((), np.int64, generator))


def fresh_from_default(generator):
    """PyTorch's ``RandomSampler`` without a generator: a new generator seeded by one
    draw from the default generator. A NumPy generator is used directly."""
    if not is_torch_like(generator):
        return generator
    return _rng.Generator().manual_seed(draw_seed(generator))
