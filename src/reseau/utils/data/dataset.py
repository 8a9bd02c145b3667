"""Datasets: indexable collections of samples, with PyTorch's names
(``torch.utils.data``): ``Dataset``, ``IterableDataset``, ``TensorDataset``,
``ConcatDataset``, ``Subset`` and ``random_split``.

A map-style dataset is anything with ``__getitem__(i)`` returning one sample and
``__len__``. Datasets that can gather a whole batch with one NumPy indexing operation
define ``_batch(index)`` (``index``: a slice or an array of indices), which returns the
batch already collated; ``DataLoader`` then uses it instead of collating the samples one
by one (the values are the same).
"""

from __future__ import annotations

import bisect
import math
import warnings

import numpy as np

from ...creation import as_tensor
from ...tensor import Tensor
from . import _random

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "random_split"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__(index)``,
    returning one sample, and ``__len__``, the number of samples. ``a + b`` is their
    ``ConcatDataset``.

    Examples
    --------
    >>> from reseau.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), float(i * i)
    >>> Squares()[3]
    (3.0, 9.0)
    >>> len(Squares() + Squares())
    8
    """

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(index) returning one sample "
            "(subclasses of reseau.utils.data.Dataset define __getitem__ and __len__)"
        )

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets read as a stream: subclasses define ``__iter__``.
    ``DataLoader`` batches what it yields, in order (no sampler, no shuffling)."""

    def __iter__(self):
        raise NotImplementedError(
            f"{type(self).__name__} must define __iter__ yielding the samples one by one"
        )

    def __add__(self, other):
        raise TypeError("IterableDataset: `+` joins map-style datasets only (ConcatDataset); "
                        "chain the iterators with itertools.chain instead")


class TensorDataset(Dataset):
    """Samples made of one row of each of several tensors: sample ``i`` is
    ``(t[i] for t in tensors)``.

    Parameters
    ----------
    *tensors : Tensor or numpy.ndarray
        Tensors with the same size of their first dimension (NumPy arrays are wrapped
        without a copy and keep their dtype).

    Examples
    --------
    >>> import reseau
    >>> from reseau.utils.data import TensorDataset
    >>> X = reseau.arange(6).reshape(3, 2)
    >>> y = reseau.tensor([0, 1, 0])
    >>> ds = TensorDataset(X, y)
    >>> len(ds), ds[1][0].tolist(), ds[1][1].item()
    (3, [2, 3], 1)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        converted = []
        for k, t in enumerate(tensors):
            if not isinstance(t, (Tensor, np.ndarray)):
                raise TypeError(
                    f"TensorDataset: argument {k} is a {type(t).__name__}; expected a Tensor "
                    "or a NumPy array (convert lists with reseau.tensor(...))"
                )
            t = as_tensor(t)
            if t.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {k} is a 0-d tensor; every tensor needs a first "
                    "dimension that indexes the samples"
                )
            converted.append(t)
        sizes = [t.shape[0] for t in converted]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(
                f"TensorDataset: all tensors must have the same first dimension (one row per "
                f"sample), got sizes {sizes} for shapes {[tuple(t.shape) for t in converted]}"
            )
        self.tensors = tuple(converted)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch(self, index):
        # a tensor that requires grad goes through its differentiable indexing; the
        # others are indexed as plain arrays, which builds no graph and costs nothing more
        return tuple(_take(t, index) for t in self.tensors)


def _take(t: Tensor, index):
    """Rows ``index`` (a slice or a host array of indices) of ``t``. A tensor on a device
    is indexed with a copy of the indices on that device (data put on the GPU before
    training: the whole set moves once, each batch stays there)."""
    if isinstance(index, np.ndarray) and type(t._array) is not np.ndarray:
        index = as_tensor(index).to(t.device)
        return t[index] if t.requires_grad else as_tensor(t._array[index._array])
    return t[index] if t.requires_grad else as_tensor(t._array[index])


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other: with ``a`` of 3 samples,
    ``ConcatDataset([a, b])[3]`` is ``b[0]``. ``cumulative_sizes`` holds the running
    totals.

    Examples
    --------
    >>> from reseau.utils.data import ConcatDataset
    >>> both = ConcatDataset([[10, 11, 12], [20, 21]])
    >>> len(both), both[3], both[-1], both.cumulative_sizes
    (5, 20, 21, [3, 5])
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            if -index > n:
                raise ValueError("ConcatDataset: absolute value of index should not exceed "
                                 f"dataset length ({n}), got {index}")
            index += n
        if index >= n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``, in that order.

    Examples
    --------
    >>> import reseau
    >>> from reseau.utils.data import Subset, TensorDataset
    >>> ds = TensorDataset(reseau.tensor([10, 11, 12, 13]))
    >>> [int(s[0]) for s in Subset(ds, [3, 0])]
    [13, 10]
    """

    def __init__(self, dataset, indices):
        idx = np.asarray(indices._array if isinstance(indices, Tensor) else indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError(
                "Subset: indices must be a 1-d sequence of integers (positions in the "
                f"dataset), got values of shape {tuple(idx.shape)} and dtype {idx.dtype}"
            )
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(
                f"Subset: indices must lie in [0, {n}) for a dataset of {n} samples, got "
                f"values from {idx.min()} to {idx.max()}"
            )
        self.dataset = dataset
        self.indices = idx.astype(np.int64, copy=False)

    def __getitem__(self, index):
        if isinstance(index, list):  # PyTorch hands the dataset the list of positions
            return self.dataset[[int(self.indices[i]) for i in index]]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch(self, index):
        return self.dataset._batch(self.indices[index])


def has_batch(dataset) -> bool:
    """Whether ``dataset`` can gather a batch in one indexing operation."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return callable(getattr(dataset, "_batch", None))


def _counts_from_fractions(fractions, n: int) -> list[int]:
    """``floor(f * n)`` for each fraction, the remaining samples handed out one at a
    time to the parts in order (PyTorch's rule for ``random_split``)."""
    counts = [math.floor(f * n) for f in fractions]
    for k in range(n - sum(counts)):
        counts[k % len(counts)] += 1
    for k, c in enumerate(counts):
        if c == 0:
            warnings.warn(f"random_split: length of split at index {k} is 0; this results "
                          "in an empty dataset", UserWarning, stacklevel=3)
    return counts


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset`` s (PyTorch's
    ``random_split``: a permutation drawn with ``randperm``, cut in order).

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__getitem__`` and ``__len__``.
    lengths : sequence of int or of float
        The sizes of the parts, summing to ``len(dataset)``, or fractions summing to 1:
        each part then gets ``floor(fraction * len(dataset))`` samples, and the samples
        left over go one each to the parts in order.
    generator : None, int, numpy.random.Generator or reseau.Generator
        Source of the permutation (``None``: reseau's default generator). A
        ``reseau.Generator`` gives PyTorch's split for the same seed.

    Examples
    --------
    >>> import reseau
    >>> from reseau.utils.data import TensorDataset, random_split
    >>> ds = TensorDataset(reseau.arange(10))
    >>> train, test = random_split(ds, [0.8, 0.2], generator=0)
    >>> len(train), len(test)
    (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty; give the sizes of the parts")
    is_fraction = all(isinstance(v, (float, np.floating)) for v in lengths)
    if is_fraction and math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
        if any(not 0.0 <= f <= 1.0 for f in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {lengths}")
        lengths = _counts_from_fractions(lengths, n)
    elif any(not isinstance(v, (int, np.integer)) or v < 0 for v in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative ints summing to the dataset size "
            f"({n}) or fractions summing to 1, got {lengths}"
        )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: the lengths {lengths} sum to {sum(lengths)}, but the dataset has "
            f"{n} samples; make them sum to {n}, or give fractions summing to 1"
        )
    order = _random.permutation(n, _random.resolve(generator, "random_split"))
    bounds = np.cumsum([0] + [int(v) for v in lengths])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
