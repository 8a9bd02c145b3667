"""``reseau.utils.data``: datasets, samplers and ``DataLoader``, where PyTorch keeps them
(``from torch.utils.data import DataLoader, TensorDataset`` ports as
``from reseau.utils.data import ...``).

Ready-made data sets (``circles``, ``MNIST``...) and the course's train / dev / test
split are in ``reseau.data``, which re-exports these names too.
"""

from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (
    ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split,
)
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "DataLoader", "default_collate", "default_convert", "get_worker_info", "Dataset",
    "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "random_split", "Sampler",
    "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler",
]
