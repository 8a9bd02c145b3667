"""What classifiers and regressors do differently: how targets are checked and encoded,
the data loss, and how raw scores become predictions.

Classification (``ClassifierCore``): the labels are sorted into ``classes_`` and
encoded as indices. With two classes the network has one output ``z`` (a logit) and
the loss is the binary cross-entropy ``-[y log s(z) + (1 - y) log(1 - s(z))]``
(``s`` the sigmoid); with ``K > 2`` classes it has ``K`` outputs and the loss is the
cross-entropy of the softmax, ``-z_y + log sum_k exp(z_k)``. Both are reseau's fused,
stable primitives.

Regression (``RegressorCore``): the loss is half the squared error averaged over
samples and outputs, ``(1/2) mean (y - f(x))^2``, whose gradient is ``f(x) - y``.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from ..autograd import no_grad
from ..creation import from_numpy
from ..nn import functional as F
from ..ops.activation import log_sigmoid, sigmoid
from ..ops.reduce import log_softmax, softmax
from ._network import DTYPE

__all__ = ["ClassifierCore", "RegressorCore"]


class ClassifierCore:
    """Target handling and prediction methods of the classifiers."""

    def _validate_targets(self) -> dict:
        return {}  # one label per sample; a column vector is accepted with a warning

    def _encode_targets(self, y, first: bool, incremental: bool, classes):
        name = type(self).__name__
        check_classification_targets(y)
        if first:
            if incremental and classes is None:
                raise ValueError(
                    f"{name}.partial_fit: classes must be given on the first call (every "
                    "label y may ever hold), e.g. partial_fit(X, y, classes=np.unique(y_all))"
                )
            self.classes_ = np.unique(np.asarray(classes if incremental else y))
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{name}: y holds only 1 class ({self.classes_.tolist()[0]!r}); a classifier "
                    "needs samples of at least 2 classes"
                )
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"{name}.partial_fit: classes={np.unique(classes).tolist()} differs from the "
                f"classes of the first call {self.classes_.tolist()}; pass the same classes, or "
                "call fit to start again"
            )
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"{name}: y holds the label(s) {unknown[:5].tolist()}, which are not among the "
                f"classes the model was first fitted with, {self.classes_.tolist()}; fit again "
                "with warm_start=False (or give every class to the first partial_fit)"
            )
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return index.astype(DTYPE)[:, None]  # one logit: the target is 0.0 or 1.0
        return index.astype(np.int64)

    def _n_outputs(self, Y) -> int:
        return 1 if Y.ndim == 2 else len(self.classes_)

    def _stratify_labels(self, Y):
        return Y.ravel()

    def _target_tensor(self, Y):
        return from_numpy(Y)

    def _data_loss(self, out, target):
        if target.ndim == 2:
            return F.binary_cross_entropy_with_logits(out, target)
        return F.cross_entropy(out, target)

    @staticmethod
    def _index(out: np.ndarray) -> np.ndarray:
        """Predicted class indices from the raw scores (a logit > 0 means class 1)."""
        if out.shape[1] == 1:
            return (out[:, 0] > 0).astype(np.int64)
        return np.argmax(out, axis=1)

    def _score_output(self, out, Y) -> float:
        """Accuracy of the scores ``out`` against encoded targets ``Y``."""
        return float(np.mean(self._index(out) == Y.ravel().astype(np.int64)))

    def predict(self, X):
        """The predicted class of each sample: the one with the highest score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), labels taken from ``classes_``
        """
        index = self._index(self._output(X))  # first: it checks that the model is fitted
        return self.classes_[index]

    def decision_function(self, X):
        """Raw scores of the last layer: shape (n_samples,) with two classes (the logit
        of ``classes_[1]``, positive when it is predicted), else (n_samples, n_classes).
        """
        out = self._output(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``: the softmax of the
        scores, ``p_k = exp(z_k) / sum_j exp(z_j)``; with two classes ``[s(-z), s(z)]``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), rows summing to 1
        """
        out = from_numpy(self._output(X))
        with no_grad():
            if out.shape[1] == 1:
                return np.hstack([sigmoid(-out)._array, sigmoid(out)._array])
            return np.asarray(softmax(out, dim=1)._array)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably (log-softmax)."""
        out = from_numpy(self._output(X))
        with no_grad():
            if out.shape[1] == 1:
                return np.hstack([log_sigmoid(-out)._array, log_sigmoid(out)._array])
            return np.asarray(log_softmax(out, dim=1)._array)


class RegressorCore:
    """Target handling and prediction of the regressors (one or several outputs)."""

    def _validate_targets(self) -> dict:
        return {"multi_output": True, "y_numeric": True}

    def _encode_targets(self, y, first: bool, incremental: bool, classes):
        return np.asarray(y, dtype=DTYPE).reshape(len(y), -1)

    def _n_outputs(self, Y) -> int:
        return Y.shape[1]

    def _stratify_labels(self, Y):
        return None

    def _target_tensor(self, Y):
        return from_numpy(Y)

    def _data_loss(self, out, target):
        return 0.5 * F.mse_loss(out, target)

    def _score_output(self, out, Y) -> float:
        from sklearn.metrics import r2_score

        return float(r2_score(Y, out))

    def predict(self, X):
        """Predicted targets: shape (n_samples,) for one output, else (n_samples,
        n_outputs)."""
        out = self._output(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
