"""scikit-learn's 8x8 handwritten digits: 1,797 small images of 10 classes, bundled with
scikit-learn, so they need no download (a quick stand-in for MNIST)."""

from __future__ import annotations

import numpy as np

from ..creation import from_numpy
from ..registry import DATASETS

__all__ = ["load_digits"]


@DATASETS.register("digits", kind="table")
def load_digits(*, flatten: bool = True, as_tensor: bool = True):
    """The 8x8 digits of scikit-learn (UCI's optical recognition of handwritten digits).

    Pixels are integers from 0 to 16 in the source; they are scaled to ``[0, 1]``
    (``pixel / 16``).

    Parameters
    ----------
    flatten : bool
        Each image as a vector of 64 pixels (default), or as an image of shape
        ``(1, 8, 8)`` (one channel, as PyTorch lays images out).
    as_tensor : bool
        Tensors (default) or NumPy arrays.

    Returns
    -------
    X : float32, shape (1797, 64) or (1797, 1, 8, 8)
    y : int64, shape (1797,), the digit 0..9

    Raises
    ------
    ImportError
        When scikit-learn is not installed (``pip install 'reseau[data]'``).

    Examples
    --------
    >>> from reseau.data import load_digits
    >>> X, y = load_digits()  # doctest: +SKIP
    >>> X.shape, float(X.max()), y[:5].tolist()  # doctest: +SKIP
    ((1797, 64), 1.0, [0, 1, 2, 3, 4])
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise ImportError(
            "load_digits: the 8x8 digits come with scikit-learn, which is not installed; "
            "install it with `pip install 'reseau[data]'` (or `pip install scikit-learn`)"
        ) from None
    bunch = sklearn_load_digits()
    X = (bunch.data / 16.0).astype(np.float32)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    y = bunch.target.astype(np.int64)
    return (from_numpy(X), from_numpy(y)) if as_tensor else (X, y)
