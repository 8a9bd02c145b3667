"""Datasets: an indexable collection of samples (PyTorch's ``Dataset`` protocol).

A dataset is anything with ``__getitem__(i)`` returning one sample and ``__len__``.
``TensorDataset`` wraps tensors that share their first dimension; ``Subset`` is a view
of some of another dataset's samples (what ``random_split`` returns).

Datasets that can gather a whole batch at once with one NumPy indexing operation
define ``_batch(index)`` (``index``: a slice or an array of indices), which returns the
batch already collated; ``DataLoader`` uses it instead of collating samples one by one.
"""

from __future__ import annotations

import numpy as np

from ..creation import as_tensor
from ..tensor import Tensor

__all__ = ["Dataset", "Subset", "TensorDataset"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__(index)``,
    returning one sample, and ``__len__``, the number of samples.

    Examples
    --------
    >>> from reseau.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), float(i * i)
    >>> Squares()[3]
    (3.0, 9.0)
    """

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(index) returning one sample "
            "(subclasses of reseau.data.Dataset define __getitem__ and __len__)"
        )


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
    >>> from reseau.data import TensorDataset
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
        return tuple(
            t[index] if t.requires_grad else as_tensor(t.data[index]) for t in self.tensors
        )


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``, in that order.

    Examples
    --------
    >>> import reseau
    >>> from reseau.data import Subset, TensorDataset
    >>> ds = TensorDataset(reseau.tensor([10, 11, 12, 13]))
    >>> [int(s[0]) for s in Subset(ds, [3, 0])]
    [13, 10]
    """

    def __init__(self, dataset, indices):
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError(
                "Subset: indices must be a 1-d sequence of integers (positions in the "
                f"dataset), got values of shape {idx.shape} and dtype {idx.dtype}"
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
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch(self, index):
        return self.dataset._batch(self.indices[index])


def _has_batch(dataset) -> bool:
    """Whether ``dataset`` can gather a batch in one indexing operation."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return callable(getattr(dataset, "_batch", None))
