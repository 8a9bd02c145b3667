"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches, and
``default_collate``, which stacks samples into a batch (PyTorch's names and semantics).
"""

from __future__ import annotations

import collections.abc
import math

import numpy as np

from ..creation import as_tensor, from_numpy
from ..ops.shape import stack
from ..tensor import Tensor
from ._random import check_generator
from .dataset import _has_batch

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch):
    """Stack a list of samples into one batch, keeping the samples' structure.

    - tensors are stacked along a new first dimension;
    - NumPy arrays and NumPy scalars become a tensor of the stacked values (dtype kept);
    - Python ``int`` gives an int64 tensor, ``float`` a float64 tensor and ``bool`` a
      bool tensor (as in PyTorch);
    - a tuple, list or dict of fields is collated field by field: a list of ``(x, y)``
      pairs gives a pair ``(X, Y)``;
    - strings are returned as a list.

    Examples
    --------
    >>> import reseau
    >>> from reseau.data import default_collate
    >>> X, y = default_collate([(reseau.tensor([1.0, 2.0]), 0), (reseau.tensor([3.0, 4.0]), 1)])
    >>> X.shape, y.tolist()
    ((2, 2), [0, 1])
    """
    if not isinstance(batch, (list, tuple)) or not batch:
        raise ValueError(
            "default_collate: expected a non-empty list of samples, got "
            f"{type(batch).__name__ if not isinstance(batch, (list, tuple)) else 'an empty list'}"
        )
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, (np.ndarray, np.generic)):
        return from_numpy(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return as_tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return as_tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return as_tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, collections.abc.Sequence):
        lengths = {len(sample) for sample in batch}
        if len(lengths) != 1:
            raise ValueError(
                f"default_collate: every sample must have the same number of fields, got "
                f"lengths {sorted(lengths)}"
            )
        fields = [default_collate(list(column)) for column in zip(*batch)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(
        f"default_collate: samples must be tensors, NumPy arrays, numbers, strings, or "
        f"tuples/lists/dicts of them, got {type(elem).__name__}; pass collate_fn=... to "
        "DataLoader to batch other objects"
    )


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Each pass (each ``for batch in loader``) goes once over the data; with
    ``shuffle=True`` the order is a new random permutation at every pass.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__getitem__`` and ``__len__``, e.g. a ``TensorDataset``.
    batch_size : int, None or "full"
        Samples per batch. ``None`` or ``"full"`` gives full-batch mode: one batch holding
        the whole dataset per pass (plain gradient descent). Unlike PyTorch, where
        ``batch_size=None`` turns batching off, here iterating over the dataset itself
        already gives single samples.
    shuffle : bool
        Draw a new order of the samples at each pass.
    drop_last : bool
        Leave out the last, smaller batch when ``len(dataset)`` is not a multiple of
        ``batch_size``.
    collate_fn : callable, optional
        Turns a list of samples into a batch (``default_collate`` by default).
    generator : None, int or numpy.random.Generator
        The source of the shuffling order. ``None`` uses reseau's default generator
        (reseeded by ``reseau.manual_seed``) at each pass; an int seeds a generator
        owned by the loader, so that the sequence of epochs is reproducible.

    Examples
    --------
    >>> import reseau
    >>> from reseau.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(reseau.arange(10).reshape(5, 2), reseau.arange(5))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> len(DataLoader(ds, batch_size=2, drop_last=True)), len(DataLoader(ds, batch_size="full"))
    (2, 1)
    >>> sorted(sum((y.tolist() for _, y in DataLoader(ds, 2, shuffle=True, generator=0)), []))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, dataset, batch_size=1, shuffle: bool = False, drop_last: bool = False,
                 collate_fn=None, generator=None):
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must define __getitem__ and __len__, got a "
                f"{type(dataset).__name__}; wrap tensors with TensorDataset(X, y)"
            )
        if batch_size is not None and batch_size != "full":
            if (not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool)
                    or batch_size < 1):
                raise ValueError(
                    f"DataLoader: batch_size must be a positive int, None or 'full' (one batch "
                    f"with the whole dataset), got {batch_size!r}"
                )
            batch_size = int(batch_size)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(
                f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        # an int becomes a generator now, so that later passes draw new orders from it
        self.generator = (None if generator is None
                          else check_generator(generator, "DataLoader"))

    def _size(self, n: int) -> int:
        """The batch size for a dataset of ``n`` samples (full batch: all of them)."""
        return n if self.batch_size in (None, "full") else self.batch_size

    def __len__(self) -> int:
        n = len(self.dataset)
        if n == 0:
            return 0
        b = self._size(n)
        return n // b if self.drop_last else math.ceil(n / b)

    def __iter__(self):
        n = len(self.dataset)
        b = self._size(n)
        order = None
        if self.shuffle:
            rng = self.generator if self.generator is not None else check_generator(
                None, "DataLoader")
            order = rng.permutation(n)
        fast = self.collate_fn is None and _has_batch(self.dataset)
        for start in range(0, n, max(b, 1)):
            stop = min(start + b, n)
            if self.drop_last and stop - start < b:
                break
            # without shuffling a batch is a slice: the dataset can return views, no copy
            index = order[start:stop] if order is not None else slice(start, stop)
            if fast:
                yield self.dataset._batch(index)
            else:
                positions = index if order is not None else range(start, stop)
                samples = [self.dataset[int(i)] for i in positions]
                yield (self.collate_fn or default_collate)(samples)

    def __repr__(self) -> str:
        return (f"DataLoader(batches={len(self)}, batch_size={self.batch_size!r}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
