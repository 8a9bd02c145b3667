"""Splitting data into train, dev (validation) and test sets (``random_split``, PyTorch's
split of a Dataset, is in ``reseau.utils.data``).

Seed 003: the model learns on the train set, its hyperparameters are chosen on the dev
(validation) set, and the test set, used once at the end, measures how it generalises.
All three come from the same distribution, so they are drawn at random from one pool.
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import as_tensor
from ..tensor import Tensor
from ._random import check_generator

__all__ = ["train_val_test_split"]


def _split_sizes(sizes, n: int) -> list[int]:
    """Turn (train, val, test) fractions or counts into counts summing to ``n``."""
    sizes = list(sizes)
    if len(sizes) != 3:
        raise ValueError(
            f"train_val_test_split: sizes must give 3 parts (train, val, test), got "
            f"{len(sizes)}: {sizes}"
        )
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in sizes):
        counts = [int(v) for v in sizes]
        if any(v < 0 for v in counts) or sum(counts) != n:
            raise ValueError(
                f"train_val_test_split: sizes given as counts must be >= 0 and sum to the "
                f"number of samples ({n}), got {counts} (sum {sum(counts)})"
            )
        return counts
    fractions = [float(v) for v in sizes]
    if any(not 0.0 <= f <= 1.0 for f in fractions) or not math.isclose(
            sum(fractions), 1.0, abs_tol=1e-6):
        raise ValueError(
            f"train_val_test_split: sizes given as fractions must lie in [0, 1] and sum to "
            f"1, got {fractions} (sum {sum(fractions):g}); e.g. sizes=(0.6, 0.2, 0.2)"
        )
    # val and test are rounded to the nearest count, train takes the rest
    n_val, n_test = round(fractions[1] * n), round(fractions[2] * n)
    return [n - n_val - n_test, n_val, n_test]


def _allocate(total: int, available: np.ndarray) -> np.ndarray:
    """Spread ``total`` samples over the classes in proportion to ``available`` (the
    samples each class has left), by largest remainder, never more than available."""
    if total == 0:
        return np.zeros_like(available)
    share = total * available / available.sum()
    counts = np.floor(share).astype(np.int64)
    remainder = share - counts
    # hand the missing samples to the largest remainders (ties: the first classes)
    for k in np.argsort(-remainder, kind="stable")[: total - counts.sum()]:
        counts[k] += 1
    return np.minimum(counts, available)


def _stratified_order(labels: np.ndarray, counts: list[int], rng) -> list[np.ndarray]:
    classes, inverse = np.unique(labels, return_inverse=True)
    pools = [rng.permutation(np.flatnonzero(inverse == c)) for c in range(len(classes))]
    left = np.array([len(p) for p in pools])
    taken = np.zeros(len(classes), dtype=np.int64)
    parts = []
    for k, count in enumerate(counts):
        per_class = left.copy() if k == len(counts) - 1 else _allocate(count, left)
        idx = np.concatenate([p[t:t + m] for p, t, m in zip(pools, taken, per_class)])
        parts.append(rng.permutation(idx))  # so that the classes are mixed
        taken += per_class
        left -= per_class
    return parts


def _take(data, index: np.ndarray):
    if isinstance(data, Tensor):
        return data[index] if data.requires_grad else as_tensor(data._array[index])
    return data[index]


def train_val_test_split(X, y, sizes=(0.6, 0.2, 0.2), *, stratify=False, seed=None):
    """Split ``X`` and ``y`` at random into a train, a validation (dev) and a test set.

    Parameters
    ----------
    X, y : Tensor or numpy.ndarray
        Samples and targets, one row per sample; each part keeps their type (lists
        become NumPy arrays).
    sizes : (train, val, test)
        Fractions summing to 1 (the validation and test sizes are rounded to the nearest
        count, the train set takes the rest), or counts summing to ``len(X)``. A part may
        be empty, e.g. ``(0.8, 0.0, 0.2)`` for a plain train/test split.
    stratify : bool or array-like
        ``True`` keeps the proportion of each class of ``y`` the same in every part (as
        close as the counts allow); an array of labels stratifies by those labels instead.
    seed : None, int or numpy.random.Generator
        Source of randomness (``None``: reseau's default generator).

    Returns
    -------
    (X_train, y_train), (X_val, y_val), (X_test, y_test)

    Examples
    --------
    >>> from reseau.data import circles, train_val_test_split
    >>> X, y = circles(100, seed=0)
    >>> (X_tr, y_tr), (X_val, y_val), (X_te, y_te) = train_val_test_split(
    ...     X, y, (0.6, 0.2, 0.2), stratify=True, seed=0)
    >>> len(X_tr), len(X_val), len(X_te), int(y_val.sum())
    (60, 20, 20, 10)
    """
    X, y = (v if isinstance(v, (Tensor, np.ndarray)) else np.asarray(v) for v in (X, y))
    n = len(X)
    if len(y) != n:
        raise ValueError(
            f"train_val_test_split: X and y must have one row per sample, got {n} rows in X "
            f"and {len(y)} in y"
        )
    counts = _split_sizes(sizes, n)
    rng = check_generator(seed, "train_val_test_split")
    if stratify is False or stratify is None:
        order = rng.permutation(n)
        bounds = np.cumsum([0] + counts)
        parts = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    else:
        labels = np.asarray(y._array if isinstance(y, Tensor) else y) if stratify is True \
            else np.asarray(stratify._array if isinstance(stratify, Tensor) else stratify)
        if labels.ndim != 1 or len(labels) != n:
            raise ValueError(
                f"train_val_test_split: stratification needs one class label per sample "
                f"(shape ({n},)), got labels of shape {tuple(labels.shape)}; pass stratify=True "
                "with integer class targets y, or stratify=labels"
            )
        parts = _stratified_order(labels, counts, rng)
    return tuple((_take(X, idx), _take(y, idx)) for idx in parts)
