"""Samplers: the order in which a ``DataLoader`` visits a dataset (PyTorch's names and
behaviour). A sampler yields indices; ``BatchSampler`` groups them into lists.

Every random sampler takes ``generator=``: a ``reseau.Generator`` (PyTorch's streams:
the same indices as PyTorch for the same seed), an int (which seeds one), ``None`` for
reseau's default generator, or a ``numpy.random.Generator`` (NumPy's draws).
"""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from . import _random

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _positive_int(value, what: str, caller: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{caller}: {what} should be a positive integer value, but got "
                         f"{what}={value!r}")
    return int(value)


def _bool(value, what: str, caller: str, error=ValueError) -> bool:
    if not isinstance(value, bool):
        raise error(f"{caller}: {what} should be a boolean value, but got {what}={value!r}")
    return value


class Sampler:
    """Base class: subclasses define ``__iter__`` (yielding indices) and usually
    ``__len__``. ``data_source`` is accepted and ignored, as in PyTorch."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ yielding "
                                  "indices")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, in order.

    Examples
    --------
    >>> from reseau.utils.data import SequentialSampler
    >>> list(SequentialSampler("abc"))
    [0, 1, 2]
    """

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in a random order: a new permutation at each pass (without
    replacement; ``num_samples`` larger than the dataset chains permutations), or
    ``num_samples`` independent draws with ``replacement=True``.

    As in PyTorch, without a generator each pass draws a seed from the default
    generator and shuffles with a new generator seeded by it.

    Examples
    --------
    >>> from reseau.utils.data import RandomSampler
    >>> sorted(RandomSampler(range(5), generator=0))
    [0, 1, 2, 3, 4]
    >>> len(RandomSampler(range(5), replacement=True, num_samples=8))
    8
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = _bool(replacement, "replacement", "RandomSampler", TypeError)
        self._num_samples = num_samples
        # an int seed becomes a generator now, so that later passes draw new orders
        self.generator = (None if generator is None
                          else _random.resolve(generator, "RandomSampler"))
        _positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        # A generator, drawing as PyTorch's does and when it does: the generator is made
        # at the first index, and after the full permutations one more is drawn for the
        # remainder (even when it is empty), once the pass runs to its end.
        n, count = len(self.data_source), self.num_samples
        g = self.generator
        if g is None:
            g = _random.fresh_from_default(_random.resolve(None, "RandomSampler"))
        if self.replacement:
            for _ in range(count // 32):
                yield from _random.integers(n, 32, g).tolist()
            yield from _random.integers(n, count % 32, g).tolist()
        else:
            for _ in range(count // n):
                yield from _random.permutation(n, g).tolist()
            yield from _random.permutation(n, g)[:count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a new random order at each pass (without
    replacement).

    Examples
    --------
    >>> from reseau.utils.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([7, 3, 5], generator=0))
    [3, 5, 7]
    """

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = (None if generator is None
                          else _random.resolve(generator, "SubsetRandomSampler"))

    def __iter__(self):
        g = _random.resolve(self.generator, "SubsetRandomSampler")
        for i in _random.permutation(len(self.indices), g).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices of ``range(len(weights))``, index ``i`` drawn with
    probability ``weights[i] / sum(weights)`` (with replacement by default): e.g.
    weights ``1 / count(class)`` to balance the classes of an unbalanced dataset.

    Examples
    --------
    >>> from reseau.utils.data import WeightedRandomSampler
    >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=0))
    [1, 1, 1, 1]
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        self.num_samples = _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        self.replacement = _bool(replacement, "replacement", "WeightedRandomSampler")
        w = np.asarray(weights._array if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError("WeightedRandomSampler: weights should be a 1d sequence but "
                             f"given weights have shape {tuple(w.shape)}")
        if np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative "
                             f"and not all zero, got {w.tolist()}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                f"replacement from {np.count_nonzero(w)} non-zero weights; pass "
                "replacement=True or a smaller num_samples")
        self.weights = w
        self.generator = (None if generator is None
                          else _random.resolve(generator, "WeightedRandomSampler"))

    def __iter__(self):
        g = _random.resolve(self.generator, "WeightedRandomSampler")
        return iter(_random.weighted(self.weights, self.num_samples, self.replacement,
                                     g).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """The indices of ``sampler`` grouped into lists of ``batch_size`` (the last one
    shorter, or left out with ``drop_last=True``).

    Examples
    --------
    >>> from reseau.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(BatchSampler(range(5), 2, drop_last=True))
    2
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        self.drop_last = _bool(drop_last, "drop_last", "BatchSampler")
        self.sampler = sampler

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
