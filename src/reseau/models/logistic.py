"""``LogisticRegression`` (binary, seed 000 question 2) and ``SoftmaxRegression``
(multiclass, seed 000 question 5)."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..nn import functional as F
from ..tensor import Tensor
from ..train.metrics import probabilities
from ._base import CourseModel

__all__ = ["LogisticRegression", "SoftmaxRegression"]


class LogisticRegression(CourseModel, nn.Module):
    r"""Binary logistic regression: ``P(y = 1 | x) = sigma(w . x + b)``, fitted by
    minimising the mean negative log-likelihood plus an L2 penalty (seed 000,
    question 2)::

        F(w, b) = 1/n sum_i F_i(w, b)
        F_i     = -y_i (w . x_i + b) + log(1 + exp(w . x_i + b)) + rho/2 ||w||^2
                = L_nlv(sigma(w . x_i + b), y_i) + rho/2 ||w||^2

    with ``rho = weight_decay``. With ``yhat_i = sigma(w . x_i + b)`` the gradient is::

        grad_w F_i = [-y_i (1 - yhat_i) + (1 - y_i) yhat_i] x_i + rho w = (yhat_i - y_i) x_i + rho w
        dF_i/db    = -y_i (1 - yhat_i) + (1 - y_i) yhat_i           = yhat_i - y_i

    averaged over ``i``. ``forward`` returns the logits ``w . x + b`` (shape ``(n,)``);
    the loss is computed from them by the stable fused
    ``binary_cross_entropy_with_logits``. The problem is convex: gradient descent
    from any start (zeros included) reaches the global minimum (seed 000, question 3).

    Examples
    --------
    >>> import numpy as np, reseau
    >>> from reseau.models import LogisticRegression
    >>> _ = reseau.manual_seed(0)
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> model = LogisticRegression(1)
    >>> _ = model.fit(X, y, lr=0.5, epochs=200)
    >>> model.predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, in_features: int, weight_decay: float = 0.0, dtype=None):
        super().__init__()
        self._linear_model(in_features, 1, weight_decay, dtype)

    def forward(self, x: Tensor) -> Tensor:
        """The logits ``w . x_i + b``, shape ``(n,)``."""
        return self.linear(x).reshape(-1)

    def objective(self, x, y) -> Tensor:
        """``F(w, b)`` on the data; ``y`` holds 0/1 labels."""
        x = self._input(x)
        labels = self._class_targets(y, x.shape[0], 2)
        target = Tensor._make(labels.astype(self._dtype()))
        return F.binary_cross_entropy_with_logits(self(x), target) + self._l2_penalty()

    def predict_proba(self, x) -> np.ndarray:
        """``P(y = 1 | x_i)``, shape ``(n,)``."""
        return probabilities(self._no_grad_forward(x))

    def predict(self, x) -> np.ndarray:
        """Labels 0/1: 1 where ``P(y = 1 | x) > 0.5`` (logit > 0)."""
        return (self._no_grad_forward(x) > 0).astype(np.int64)


class SoftmaxRegression(CourseModel, nn.Module):
    r"""Multiclass logistic regression: ``P(y = c | x) = softmax(W x + b)_c``, fitted by
    minimising the mean cross-entropy plus an L2 penalty on ``W``::

        F(W, b) = 1/n sum_i -log softmax(a_i)_{y_i} + rho/2 ||W||_F^2,   a_i = W x_i + b

    With ``yhat_i = softmax(a_i)`` and ``onehot(y_i)`` the one-hot target, the
    gradient with respect to the scores is ``yhat_i - onehot(y_i)`` (seed 000,
    question 5), so::

        grad_W F = 1/n sum_i (yhat_i - onehot(y_i)) x_i^T + rho W
        grad_b F = 1/n sum_i (yhat_i - onehot(y_i))

    ``forward`` returns the logits ``a_i`` (shape ``(n, C)``); the loss uses the fused
    ``cross_entropy``.

    Parameters
    ----------
    in_features : int
    num_classes : int
        ``C`` (at least 2).
    weight_decay : float
        ``rho``.
    """

    def __init__(self, in_features: int, num_classes: int, weight_decay: float = 0.0,
                 dtype=None):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"SoftmaxRegression: num_classes must be at least 2, got "
                             f"{num_classes}")
        self.num_classes = int(num_classes)
        self._linear_model(in_features, num_classes, weight_decay, dtype)

    def forward(self, x: Tensor) -> Tensor:
        """The logits ``W x_i + b``, shape ``(n, C)``."""
        return self.linear(x)

    def objective(self, x, y) -> Tensor:
        """``F(W, b)`` on the data; ``y`` holds class indices in ``[0, C)``."""
        x = self._input(x)
        labels = self._class_targets(y, x.shape[0], self.num_classes)
        return F.cross_entropy(self(x), labels) + self._l2_penalty()

    def predict_proba(self, x) -> np.ndarray:
        """Class probabilities, shape ``(n, C)``."""
        return probabilities(self._no_grad_forward(x))

    def predict(self, x) -> np.ndarray:
        """The most probable class of each row."""
        return self._no_grad_forward(x).argmax(axis=1)
