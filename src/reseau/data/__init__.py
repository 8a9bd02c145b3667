"""``reseau.data``: datasets, batching, splits, preprocessing and ready-made data.

- ``Dataset``, ``TensorDataset``, ``Subset``, ``DataLoader``, ``default_collate``,
  ``random_split``: re-exported from ``reseau.utils.data``, their home (where PyTorch
  keeps them: ``torch.utils.data``), with the samplers;
- ``train_val_test_split``: the train / dev / test split of the course (seed 003),
  optionally stratified;
- ``StandardScaler`` (fitted on the training set only) and ``one_hot``;
- generated data: ``circles`` (seed 003's Circle), ``moons``, ``xor``, ``spiral``,
  ``blobs``, and the regression sets ``noisy_sine`` and ``noisy_linear``;
- real data: ``MNIST``, ``FashionMNIST`` (downloaded once into ``cache_dir()``, or read
  from ``root=``), ``load_mnist``, ``load_fashion_mnist``, scikit-learn's 8x8
  ``load_digits``, and ``load_csv`` (``csv_header``) for your own files; ``read_idx``
  reads IDX files;
- errors: ``DataError`` (data that cannot be used as asked) and its ``CSVError`` (a CSV
  file that cannot be read), both ``ValueError``, each one line naming the file and the
  fix.

Generators and loaders return ``X, y`` (float32 features, int64 class labels or float32
regression targets) as tensors, or as NumPy arrays with ``as_tensor=False``.
"""

from __future__ import annotations

from ..utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from .csv import csv_header, load_csv
from .digits import load_digits
from .download import DownloadError, cache_dir, download_file, md5sum
from .errors import CSVError, DataError
from .idx import read_idx
from .mnist import MNIST, FashionMNIST, load_fashion_mnist, load_mnist
from .preprocessing import StandardScaler, one_hot
from .split import train_val_test_split
from .toy import blobs, circles, moons, noisy_linear, noisy_sine, spiral, xor

__all__ = [
    "Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate", "random_split",
    "train_val_test_split", "StandardScaler", "one_hot", "circles", "moons", "xor", "spiral",
    "blobs", "noisy_sine", "noisy_linear", "MNIST", "FashionMNIST", "load_mnist",
    "load_fashion_mnist", "read_idx", "load_digits", "load_csv", "cache_dir",
    "download_file", "md5sum", "DownloadError", "DataError", "CSVError", "csv_header",
]
