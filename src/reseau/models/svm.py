"""``LinearSVM``: a linear classifier trained with the multiclass hinge loss of seed 004
(Weston-Watkins, as in cs231n)."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..nn import functional as F
from ..tensor import Tensor
from ._base import CourseModel

__all__ = ["LinearSVM", "multiclass_hinge_loss"]


def multiclass_hinge_loss(scores: Tensor, target, margin: float = 1.0,
                          reduction: str = "mean") -> Tensor:
    r"""Seed 004's multiclass SVM loss::

        L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)

    averaged over the examples (``reduction="mean"``), summed (``"sum"``) or one
    value per example (``"none"``). Its (sub)gradient with respect to the scores is
    ``1[s_j - s_{y_i} + margin > 0]`` for ``j != y_i`` and minus the number of such
    ``j`` for ``j = y_i``.

    ``torch.nn.functional.multi_margin_loss`` divides each ``L_i`` by the number of
    classes ``C``; this is ``C`` times it.

    Examples
    --------
    >>> import reseau
    >>> from reseau.models import multiclass_hinge_loss
    >>> scores = reseau.tensor([[2.3, 4.1, -2.1], [1.7, 5.4, 2.3], [1.7, 1.4, -1.3]])
    >>> [round(v, 4) for v in multiclass_hinge_loss(scores, [0, 1, 2], reduction="none").tolist()]
    [2.8, 0.0, 7.7]
    """
    if not isinstance(scores, Tensor) or scores.ndim != 2:
        shape = getattr(scores, "shape", None)
        raise ValueError(f"multiclass_hinge_loss: scores must be a 2-D Tensor (n, C), got "
                         f"{type(scores).__name__} of shape {shape}")
    c = scores.shape[1]
    return F.multi_margin_loss(scores, target, margin=margin, reduction=reduction) * c


class LinearSVM(CourseModel, nn.Module):
    r"""Linear multiclass SVM: scores ``s = W x + b``, predicted class ``argmax s``,
    fitted by minimising the mean multiclass hinge loss (seed 004) plus an L2
    penalty::

        F(W, b) = 1/n sum_i sum_{j != y_i} max(0, s_ij - s_{i y_i} + margin) + rho/2 ||W||_F^2

    with ``rho = weight_decay``. A subgradient (the hinge has a kink at 0), with
    ``m_ij = 1[s_ij - s_{i y_i} + margin > 0]``::

        grad_{W_j} F     = 1/n sum_i m_ij x_i + rho W_j                  (j != y_i)
        grad_{W_{y_i}} F = -1/n sum_i (sum_{j != y_i} m_ij) x_i + rho W_{y_i}

    (and the same without ``x_i`` and ``rho`` for ``b``). Unlike cross-entropy the loss
    reaches 0 once every margin is met, and training then stops moving (seed 004).

    Parameters
    ----------
    in_features : int
    num_classes : int
        ``C`` (at least 2).
    weight_decay : float
        ``rho``.
    margin : float
        The ``1`` of seed 004's formula.
    """

    def __init__(self, in_features: int, num_classes: int, weight_decay: float = 0.0,
                 margin: float = 1.0, dtype=None):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"LinearSVM: num_classes must be at least 2, got {num_classes}")
        if margin <= 0:
            raise ValueError(f"LinearSVM: margin must be > 0, got {margin}")
        self.num_classes = int(num_classes)
        self.margin = float(margin)
        self._linear_model(in_features, num_classes, weight_decay, dtype)

    def forward(self, x: Tensor) -> Tensor:
        """The class scores ``W x_i + b``, shape ``(n, C)``."""
        return self.linear(x)

    def objective(self, x, y) -> Tensor:
        """``F(W, b)`` on the data; ``y`` holds class indices in ``[0, C)``."""
        x = self._input(x)
        labels = self._class_targets(y, x.shape[0], self.num_classes)
        return multiclass_hinge_loss(self(x), labels, margin=self.margin) + self._l2_penalty()

    def extra_repr(self) -> str:
        return f"weight_decay={self.weight_decay}, margin={self.margin}"

    def decision_function(self, x) -> np.ndarray:
        """The scores as an array, shape ``(n, C)``."""
        return self._no_grad_forward(x)

    def predict(self, x) -> np.ndarray:
        """The class with the highest score."""
        return self._no_grad_forward(x).argmax(axis=1)
