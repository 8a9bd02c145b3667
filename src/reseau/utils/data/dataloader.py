"""``DataLoader``: iterate over a dataset in mini-batches, with every argument of
PyTorch's; ``default_collate`` (samples to a batch) and ``default_convert`` (arrays to
tensors), PyTorch's rules."""

from __future__ import annotations

import collections.abc

import numpy as np

from ...creation import as_tensor, from_numpy
from ...ops.shape import stack
from ...tensor import Tensor
from . import _random
from .dataset import IterableDataset, has_batch
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


def default_collate(batch):
    """Stack a list of samples into one batch, keeping the samples' structure, as
    PyTorch's ``default_collate``:

    - tensors are stacked along a new first dimension;
    - NumPy arrays and NumPy scalars become a tensor of the stacked values (dtype kept);
    - Python ``int`` gives an int64 tensor, ``float`` a float64 tensor and ``bool`` a
      bool tensor;
    - a dict is collated key by key; a list or a tuple of fields field by field, into a
      list (a list of ``(x, y)`` pairs gives ``[X, Y]``); a namedtuple keeps its type;
    - strings are returned as a list.

    Examples
    --------
    >>> import reseau
    >>> from reseau.utils.data import default_collate
    >>> X, y = default_collate([(reseau.tensor([1.0, 2.0]), 0), (reseau.tensor([3.0, 4.0]), 1)])
    >>> tuple(X.shape), y.tolist(), y.dtype == reseau.int64
    ((2, 2), [0, 1], True)
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
                f"default_collate: every sample must have the same number of fields (each "
                f"element in list of batch should be of equal size), got lengths "
                f"{sorted(lengths)}"
            )
        fields = [default_collate(list(column)) for column in zip(*batch)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*fields)
        return fields
    raise TypeError(
        f"default_collate: samples must be tensors, NumPy arrays, numbers, strings, or "
        f"tuples/lists/dicts of them, got {type(elem).__name__}; pass collate_fn=... to "
        "DataLoader to batch other objects"
    )


def default_convert(data):
    """NumPy arrays and scalars (of numbers) in ``data`` to tensors, through lists,
    tuples and dicts; everything else unchanged (PyTorch's ``default_convert``, the
    ``collate_fn`` of a loader that does not batch)."""
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind in "biufc":
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return [default_convert(d) for d in data]
    return data


def get_worker_info():
    """``None``: reseau loads every batch in the main process (PyTorch returns
    ``None`` there too)."""
    return None


class _FullBatch(Sampler):
    """reseau's full-batch mode: the whole of ``sampler`` as one batch."""

    def __init__(self, sampler, drop_last: bool) -> None:
        self.sampler = sampler
        self.drop_last = drop_last

    def __iter__(self):
        batch = list(self.sampler)
        if batch:
            yield batch

    def __len__(self) -> int:
        return 1 if len(self.sampler) else 0


_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
           "persistent_workers")


class DataLoader:
    """Iterate over ``dataset`` in batches, as PyTorch's ``DataLoader``.

    Each pass (each ``for batch in loader``) goes once over the data; with
    ``shuffle=True`` the order is a new random permutation at every pass.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__getitem__`` and ``__len__`` (a ``TensorDataset``, a list...),
        or an ``IterableDataset``.
    batch_size : int, None or "full"
        Samples per batch. ``None`` or ``"full"`` gives reseau's full-batch mode: one
        batch holding the whole dataset per pass (plain gradient descent). This is the
        one difference from PyTorch, where ``batch_size=None`` turns batching off.
    shuffle : bool
        Draw a new order of the samples at each pass (a ``RandomSampler``).
    sampler : Sampler or iterable of indices
        The order of the samples (excludes ``shuffle``).
    batch_sampler : Sampler or iterable of lists of indices
        The batches themselves (excludes ``batch_size``, ``shuffle``, ``sampler`` and
        ``drop_last``).
    num_workers : int
        Accepted (>= 0) for compatibility: reseau loads every batch in the main process,
        whatever the value, so the batches are the same as with ``num_workers=0``.
    collate_fn : callable, optional
        Turns a list of samples into a batch (``default_collate`` by default).
    pin_memory : bool
        Accepted. The batches are host tensors, as PyTorch's loader yields them;
        ``batch.to("cuda")`` (or ``fit(..., device="cuda")``) copies them to the GPU.
        Pinned (page-locked) host memory, which makes that copy asynchronous, is not
        used: the copy is synchronous whatever the value (docs/gpu.md).
    drop_last : bool
        Leave out the last, smaller batch when the number of samples is not a multiple
        of ``batch_size``.
    timeout : float
        Accepted (>= 0): it bounds the wait for a worker's batch, and there are no
        workers.
    worker_init_fn : callable, optional
        Accepted: PyTorch calls it in each worker process only; without workers it is
        never called (as in PyTorch with ``num_workers=0``).
    multiprocessing_context : optional
        Accepted with ``num_workers > 0``, as in PyTorch; not used.
    generator : None, int, numpy.random.Generator or reseau.Generator
        The source of the shuffling order. ``None`` uses reseau's default generator
        (reseeded by ``reseau.manual_seed``); an int seeds a ``reseau.Generator`` owned
        by the loader, so that the sequence of epochs is reproducible. Each pass draws as
        PyTorch's loader draws (one 64-bit seed for its workers, then the sampler's
        permutation), so the same seed gives PyTorch's batches. A
        ``numpy.random.Generator`` is accepted too (NumPy's permutations, no seed).
    prefetch_factor : int, optional
        Only with ``num_workers > 0`` (PyTorch's rule); not used.
    persistent_workers : bool
        Only with ``num_workers > 0`` (PyTorch's rule); not used.
    pin_memory_device, in_order
        Accepted; nothing to do without workers and pinned memory.

    Examples
    --------
    >>> import reseau
    >>> from reseau.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(reseau.arange(10).reshape(5, 2), reseau.arange(5))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> len(DataLoader(ds, batch_size=2, drop_last=True)), len(DataLoader(ds, batch_size="full"))
    (2, 1)
    >>> sorted(sum((y.tolist() for _, y in DataLoader(ds, 2, shuffle=True, generator=0)), []))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True):
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must define __getitem__ and __len__, got a "
                f"{type(dataset).__name__}; wrap tensors with TensorDataset(X, y)"
            )
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers,
                            multiprocessing_context)
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
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        self.generator = (None if generator is None
                          else _random.resolve(generator, "DataLoader"))
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=self.generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None and not iterable:
            batch_sampler = (_FullBatch(sampler, drop_last) if batch_size in (None, "full")
                             else BatchSampler(sampler, batch_size, bool(drop_last)))
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.__initialized = True

    @staticmethod
    def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, context):
        """PyTorch's checks of the worker options (which change nothing here)."""
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing. let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("DataLoader: prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if context is not None and num_workers == 0:
            raise ValueError("DataLoader: multiprocessing_context can only be used with "
                             "multi-process loading (num_workers > 0), but got num_workers=0")

    def __setattr__(self, name, value) -> None:
        if self.__dict__.get("_DataLoader__initialized") and name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # a TypeError when the stream has no length, as PyTorch
            if self.batch_size in (None, "full"):
                return 1 if n else 0
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler)

    def _draw_base_seed(self) -> None:
        """PyTorch draws one 64-bit seed for its workers at the start of each pass, from
        the loader's generator: followed here when it is a reseau ``Generator``, so that
        the next random numbers are PyTorch's."""
        g = _random.resolve(self.generator, "DataLoader")
        if _random.is_torch_like(g):
            _random.draw_seed(g)

    def __iter__(self):
        self._draw_base_seed()
        if isinstance(self.dataset, IterableDataset):
            return self._iter_stream()
        collate = self.collate_fn or default_collate
        if self.collate_fn is None and has_batch(self.dataset):
            return self._iter_fast()
        return (collate([self.dataset[i] for i in batch]) for batch in self.batch_sampler)

    def _iter_fast(self):
        """Batches gathered by the dataset in one indexing operation (same values as
        collating the samples one by one). A sequential pass slices (views, no copy)."""
        bs = self.batch_sampler
        contiguous = (type(bs) in (BatchSampler, _FullBatch)
                      and type(bs.sampler) is SequentialSampler)
        start = 0
        for batch in bs:
            if contiguous:
                index = slice(start, start + len(batch))
                start += len(batch)
            else:
                index = np.asarray(batch, dtype=np.int64)
            out = self.dataset._batch(index)
            yield list(out) if type(out) is tuple else out

    def _iter_stream(self):
        collate = self.collate_fn or default_collate
        size = self.batch_size
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if size not in (None, "full") and len(batch) == size:
                yield collate(batch)
                batch = []
        if batch and not (self.drop_last and size not in (None, "full")):
            yield collate(batch)

    def __repr__(self) -> str:
        n = "?" if isinstance(self.dataset, IterableDataset) else len(self)
        return (f"DataLoader(batches={n}, batch_size={self.batch_size!r}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
