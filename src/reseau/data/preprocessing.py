"""Preprocessing: standardisation of the features, one-hot encoding of class labels.

Standardisation is fitted on the training set only and then applied unchanged to the
dev and test sets: statistics computed on the test set would leak information about it
into the model, and the test score would no longer measure generalisation (seed 003).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_default_dtype
from ..creation import as_tensor
from ..tensor import Tensor

__all__ = ["StandardScaler", "one_hot"]


def _as_array(X, caller: str) -> np.ndarray:
    data = X._array if isinstance(X, Tensor) else np.asarray(X)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{caller}: expected numbers, got an array of dtype {data.dtype}")
    if data.ndim == 0:
        raise ValueError(
            f"{caller}: expected one row per sample (at least 1 dimension), got a scalar"
        )
    return data


def _like(result: np.ndarray, X):
    """``result`` as the same kind of object as the input ``X`` (tensor or array)."""
    return as_tensor(result) if isinstance(X, Tensor) else result


class StandardScaler:
    """Standardise features: ``z = (x - mean) / std``, with the mean and standard
    deviation of each feature measured on the data given to ``fit`` (the training set).

    The statistics are taken over the first dimension (the samples), per feature:

        mean_j = (1/n) sum_i x_ij,    std_j = sqrt((1/n) sum_i (x_ij - mean_j)^2)

    A constant feature (``std_j = 0``) is divided by 1, so it becomes 0 instead of NaN.
    Tensors give tensors and arrays give arrays; floating data keeps its dtype, integer
    data becomes float32 (the default dtype).

    Parameters
    ----------
    with_mean : bool
        Subtract the mean (``False``: only divide by the standard deviation).
    with_std : bool
        Divide by the standard deviation (``False``: only centre).

    Attributes
    ----------
    mean_ : numpy.ndarray of float64, one value per feature
    scale_ : numpy.ndarray of float64, the standard deviations used (1 for constant
        features)

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.data import StandardScaler
    >>> X_train = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 10.0]])
    >>> scaler = StandardScaler().fit(X_train)
    >>> scaler.mean_, scaler.scale_.round(4)
    (array([ 2., 10.]), array([1.633, 1.   ]))
    >>> scaler.transform(np.array([[2.0, 10.0], [6.0, 10.0]])).round(4)
    array([[0.    , 0.    ],
           [2.4495, 0.    ]])
    """

    def __init__(self, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X) -> "StandardScaler":
        """Measure each feature's mean and standard deviation on ``X`` (the training
        set, shape ``(n_samples, ...)``). Returns the scaler itself."""
        data = _as_array(X, "StandardScaler.fit").astype(np.float64)
        if len(data) == 0:
            raise ValueError("StandardScaler.fit: X has no rows; fit on the training set")
        self.n_samples_seen_ = len(data)
        self.mean_ = data.mean(axis=0) if self.with_mean else np.zeros(data.shape[1:])
        std = data.std(axis=0)
        self.var_ = std**2
        self.scale_ = np.where(std == 0, 1.0, std) if self.with_std else np.ones(data.shape[1:])
        return self

    def _checked(self, X, caller: str) -> tuple[np.ndarray, np.dtype]:
        if not hasattr(self, "mean_"):
            raise RuntimeError(
                f"StandardScaler.{caller}: this scaler is not fitted yet; call "
                "scaler.fit(X_train) first (or scaler.fit_transform(X_train))"
            )
        data = _as_array(X, f"StandardScaler.{caller}")
        if data.shape[1:] != self.mean_.shape:
            raise ValueError(
                f"StandardScaler.{caller}: X has features of shape {data.shape[1:]} but the "
                f"scaler was fitted on features of shape {tuple(self.mean_.shape)}"
            )
        dtype = data.dtype if data.dtype.kind == "f" else get_default_dtype()
        return data, dtype

    def transform(self, X):
        """``(X - mean_) / scale_``, with the statistics of the training set."""
        data, dtype = self._checked(X, "transform")
        return _like(((data - self.mean_) / self.scale_).astype(dtype), X)

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``: for the training set only."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """Back to the original units: ``Z * scale_ + mean_``."""
        data, dtype = self._checked(Z, "inverse_transform")
        return _like((data * self.scale_ + self.mean_).astype(dtype), Z)

    def __repr__(self) -> str:
        return f"StandardScaler(with_mean={self.with_mean}, with_std={self.with_std})"


def one_hot(labels, num_classes: int = -1):
    """One-hot encoding: class index ``k`` becomes a vector of ``num_classes`` zeros
    with a 1 at position ``k`` (PyTorch's ``one_hot``).

    Parameters
    ----------
    labels : Tensor or array-like of integers, any shape
        Class indices in ``[0, num_classes)``.
    num_classes : int
        The number of classes; ``-1`` (default) takes ``labels.max() + 1``.

    Returns
    -------
    int64 of shape ``labels.shape + (num_classes,)``: a NumPy array for a NumPy array,
    a tensor otherwise (use ``.float()`` for a float target).

    Examples
    --------
    >>> import reseau
    >>> from reseau.data import one_hot
    >>> one_hot(reseau.tensor([0, 2, 1]), 3).tolist()
    [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    """
    data = labels._array if isinstance(labels, Tensor) else np.asarray(labels)
    if data.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expected integer class indices, got dtype {data.dtype}; convert "
            "them first, e.g. y.long() or y.astype('int64')"
        )
    if not isinstance(num_classes, (int, np.integer)) or (num_classes < 1 and num_classes != -1):
        raise ValueError(
            f"one_hot: num_classes must be a positive int or -1 (infer it), got {num_classes!r}"
        )
    if data.size and data.min() < 0:
        raise ValueError(f"one_hot: class indices must be >= 0, got {data.min()}")
    if num_classes == -1:
        if data.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass it")
        num_classes = int(data.max()) + 1
    elif data.size and data.max() >= num_classes:
        raise ValueError(
            f"one_hot: class index {data.max()} is out of range for num_classes="
            f"{num_classes}; indices must lie in [0, {num_classes})"
        )
    encoded = (data[..., None] == np.arange(num_classes)).astype(np.int64)
    return encoded if isinstance(labels, np.ndarray) else as_tensor(encoded)
