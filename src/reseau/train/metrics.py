"""Evaluation metrics: accuracy, confusion matrix, macro precision / recall / F1 for
classification; mean squared error, mean absolute error and R^2 for regression.

Every function takes ``(y_true, y_pred)`` in that order (scikit-learn's convention;
PyTorch itself has no metrics), as NumPy arrays, reseau tensors or lists, and returns a
Python float (or, for the confusion matrix, an int64 array).

For classification, ``y_pred`` may be predicted labels (shape ``(N,)``, integers) or
the model's scores (shape ``(N, C)``, logits or probabilities: the label is the argmax);
a single column of scores, shape ``(N,)`` or ``(N, 1)`` of floats, is a binary
prediction, class 1 where the score is above ``threshold`` (0.5 for probabilities, 0 for
logits).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "to_numpy", "probabilities", "decision_threshold", "predicted_labels", "accuracy",
    "confusion_matrix", "precision_recall_f1",
    "precision", "recall", "f1_score", "mean_squared_error", "mean_absolute_error",
    "r2_score",
]


def to_numpy(x, name: str = "input") -> np.ndarray:
    """``x`` as a host NumPy array: a tensor's values (copied from its device first), or
    ``np.asarray`` of anything else."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a tensor, on any device
        x = x.detach().cpu().numpy()
    arr = np.asarray(getattr(x, "data", x))
    if arr.dtype == object:
        raise TypeError(f"{name}: expected numbers, got an array of Python objects")
    return arr


def probabilities(scores) -> np.ndarray:
    """Probabilities from a model's logits, in NumPy (in the scores' floating dtype;
    float64 for integer scores).

    One score per row (shape ``(N,)``): ``P(class 1) = sigmoid(s) = 1 / (1 + e^-s)``,
    shape ``(N,)``. A score matrix ``(N, C)``: ``softmax(s)_j = e^(s_j - max s) /
    sum_k e^(s_k - max s)`` along each row (the max is subtracted so that ``e^`` cannot
    overflow).

    >>> probabilities([0.0, 2.0]).round(3).tolist()
    [0.5, 0.881]
    >>> probabilities([[0.0, 0.0], [1.0, 1.0]]).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    s = to_numpy(scores, "scores")
    if s.dtype.kind != "f":
        s = s.astype(np.float64)
    if s.ndim == 1:
        return 0.5 * (np.tanh(0.5 * s) + 1.0)  # = 1 / (1 + e^-s), with no overflow
    if s.ndim != 2:
        raise ValueError(f"probabilities: expected scores of shape (N,) or (N, C), got "
                         f"shape {tuple(s.shape)}")
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def decision_threshold(loss) -> float:
    """The score above which a one-output classifier predicts class 1: 0 when its
    output is a logit (a loss that declares ``takes_logits``, such as
    ``BCEWithLogitsLoss``), 0.5 when it is a probability. ``loss`` is a loss object or
    class, or a name of ``reseau.registry.LOSSES`` (``"bce"``)."""
    if isinstance(loss, str):
        from ..registry import LOSSES

        loss = LOSSES.get(loss)
    return 0.0 if getattr(loss, "takes_logits", False) else 0.5


def predicted_labels(y_pred, threshold: float = 0.5) -> np.ndarray:
    """Class labels from predictions: labels stay as they are, a score matrix
    ``(N, C)`` with ``C > 1`` gives its argmax, a single score column gives
    ``score > threshold``."""
    p = to_numpy(y_pred, "y_pred")
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim != 1:
        raise ValueError(
            f"predicted labels: expected labels of shape (N,) or scores of shape (N, C), got "
            f"shape {tuple(p.shape)}"
        )
    if np.issubdtype(p.dtype, np.floating):
        return (p > threshold).astype(np.int64)
    return p.astype(np.int64, copy=False)


def _labels_pair(y_true, y_pred, caller: str, threshold: float):
    t = to_numpy(y_true, "y_true")
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(
            f"{caller}: y_true must hold one class label per sample (shape (N,)), got shape "
            f"{tuple(t.shape)}; for one-hot targets pass y_true.argmax(1)"
        )
    if np.issubdtype(t.dtype, np.floating):
        if not np.all(t == np.round(t)):
            raise ValueError(
                f"{caller}: y_true holds non-integer values (e.g. {t[t != np.round(t)][0]}); "
                "class labels are integers (for a regression use mean_squared_error)"
            )
    t = t.astype(np.int64)
    p = predicted_labels(y_pred, threshold)
    if len(p) != len(t):
        raise ValueError(
            f"{caller}: y_true has {len(t)} samples but y_pred has {len(p)}; they must match"
        )
    return t, p


def accuracy(y_true, y_pred, threshold: float = 0.5) -> float:
    """The fraction of samples whose predicted class is the true class.

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [[2.0, -1.0], [0.0, 3.0], [1.0, 0.5], [0.1, 0.0]])
    0.75
    """
    t, p = _labels_pair(y_true, y_pred, "accuracy", threshold)
    if len(t) == 0:
        raise ValueError("accuracy: no samples (y_true is empty)")
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None,
                     threshold: float = 0.5) -> np.ndarray:
    """``M[i, j]`` is the number of samples of true class ``i`` predicted as class ``j``
    (rows: truth, columns: prediction, as in scikit-learn).

    ``num_classes`` defaults to one more than the largest label seen.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2]).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    """
    t, p = _labels_pair(y_true, y_pred, "confusion_matrix", threshold)
    if len(t) and (t.min() < 0 or p.min() < 0):
        raise ValueError("confusion_matrix: class labels must be >= 0")
    seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if num_classes is None:
        num_classes = seen
    elif seen > num_classes:
        raise ValueError(
            f"confusion_matrix: label {seen - 1} is out of range for num_classes={num_classes}"
        )
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(m, (t, p), 1)
    return m


def precision_recall_f1(y_true, y_pred, num_classes: int | None = None,
                        threshold: float = 0.5) -> dict[str, float]:
    """Macro-averaged precision, recall and F1: computed for each class, then averaged
    with equal weight per class, over the classes that appear in ``y_true`` or
    ``y_pred`` (all ``num_classes`` when given). A class never predicted has precision 0,
    a class absent from the truth recall 0 (scikit-learn's ``zero_division=0``).

    Returns ``{"precision": ..., "recall": ..., "f1": ...}``.

    Examples
    --------
    >>> r = precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1])
    >>> round(r["precision"], 4), round(r["recall"], 4), round(r["f1"], 4)
    (0.8333, 0.75, 0.7333)
    """
    m = confusion_matrix(y_true, y_pred, num_classes, threshold)
    tp = np.diag(m).astype(np.float64)
    predicted, actual = m.sum(axis=0), m.sum(axis=1)
    classes = np.arange(len(m)) if num_classes is not None else np.flatnonzero(predicted + actual)
    if len(classes) == 0:
        raise ValueError("precision_recall_f1: no samples (y_true is empty)")
    tp, predicted, actual = tp[classes], predicted[classes], actual[classes]
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(predicted > 0, tp / predicted, 0.0)
        rec = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    return {"precision": float(prec.mean()), "recall": float(rec.mean()),
            "f1": float(f1.mean())}


def precision(y_true, y_pred, num_classes: int | None = None, threshold: float = 0.5) -> float:
    """Macro-averaged precision (see :func:`precision_recall_f1`)."""
    return precision_recall_f1(y_true, y_pred, num_classes, threshold)["precision"]


def recall(y_true, y_pred, num_classes: int | None = None, threshold: float = 0.5) -> float:
    """Macro-averaged recall (see :func:`precision_recall_f1`)."""
    return precision_recall_f1(y_true, y_pred, num_classes, threshold)["recall"]


def f1_score(y_true, y_pred, num_classes: int | None = None, threshold: float = 0.5) -> float:
    """Macro-averaged F1 score (see :func:`precision_recall_f1`)."""
    return precision_recall_f1(y_true, y_pred, num_classes, threshold)["f1"]


def _values_pair(y_true, y_pred, caller: str):
    t = to_numpy(y_true, "y_true").astype(np.float64)
    p = to_numpy(y_pred, "y_pred").astype(np.float64)
    # (N,) against (N, 1): the same targets, one output; compare them as columns
    if t.ndim == 1 and p.ndim == 2 and p.shape[1] == 1:
        t = t[:, None]
    if p.ndim == 1 and t.ndim == 2 and t.shape[1] == 1:
        p = p[:, None]
    if t.shape != p.shape:
        raise ValueError(
            f"{caller}: y_true has shape {t.shape} but y_pred has shape {p.shape}; they must "
            "match"
        )
    if t.size == 0:
        raise ValueError(f"{caller}: no samples (y_true is empty)")
    return t, p


def mean_squared_error(y_true, y_pred) -> float:
    """Mean of ``(y_pred - y_true)**2`` over every element.

    Examples
    --------
    >>> mean_squared_error([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])   # (0 + 0 + 4) / 3
    1.3333333333333333
    """
    t, p = _values_pair(y_true, y_pred, "mean_squared_error")
    return float(np.mean((p - t) ** 2))


def mean_absolute_error(y_true, y_pred) -> float:
    """Mean of ``|y_pred - y_true|`` over every element.

    Examples
    --------
    >>> mean_absolute_error([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])   # (1 + 0 + 2) / 3
    1.0
    """
    t, p = _values_pair(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(p - t)))


def r2_score(y_true, y_pred) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``: 1 for a perfect fit, 0 for
    predicting the mean, negative for worse. Several outputs (columns) are averaged with
    equal weight. A constant target gives 1.0 when predicted exactly, else 0.0 (as
    scikit-learn does).

    Examples
    --------
    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])   # 1 - 1 / 2
    0.5
    """
    t, p = _values_pair(y_true, y_pred, "r2_score")
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    ss_res = np.sum((t - p) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    return float(r2.mean())
