"""Losses as modules, with PyTorch's names: each stores its options and calls the
function of the same name in ``reseau.nn.functional``. ``reduction`` is 'mean' (the
default), 'sum' or 'none'.

Examples
--------
>>> import reseau
>>> from reseau import nn
>>> loss_fn = nn.CrossEntropyLoss()
>>> loss = loss_fn(reseau.tensor([[2.0, 0.5, -1.0]]), reseau.tensor([0]))
>>> round(loss.item(), 4)
0.2413
"""

from __future__ import annotations

from .. import backend
from ..registry import LOSSES
from ..tensor import Tensor
from . import loss_functions as LF
from .module import Module

__all__ = [
    "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "HingeEmbeddingLoss",
    "CosineEmbeddingLoss", "MarginRankingLoss", "GaussianNLLLoss", "KLDivLoss",
]


class _Loss(Module):
    _reductions = ("mean", "sum", "none")

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self._reductions:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of "
                f"{', '.join(map(repr, self._reductions))}, got {reduction!r}"
            )
        self.reduction = reduction

    def _set_weight(self, name: str, value) -> None:
        # a buffer, as in PyTorch: saved with the model, converted by .double()
        if value is not None:
            value = value if isinstance(value, Tensor) else Tensor(backend.asarray(value))
        self.register_buffer(name, value)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


@LOSSES.register("mae", task="regression")
class L1Loss(_Loss):
    """Mean absolute error ``|x - y|``."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.l1_loss(input, target, self.reduction)


@LOSSES.register("mse", task="regression")
class MSELoss(_Loss):
    """Mean squared error ``(x - y)^2``."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.mse_loss(input, target, self.reduction)


@LOSSES.register("huber", task="regression")
class HuberLoss(_Loss):
    """Quadratic for ``|x - y| < delta``, linear beyond."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by ``beta``."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (after a sigmoid)."""

    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._set_weight("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.binary_cross_entropy(input, target, self.weight, self.reduction)


@LOSSES.register("bce", task="classification")
class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (sigmoid included, stable)."""

    takes_logits = True  # one output score is a logit: class 1 above 0, not above 0.5

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(reduction)
        self._set_weight("weight", weight)
        self._set_weight("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                   self.pos_weight)


@LOSSES.register("cross-entropy", task="classification")
class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits, with class indices or class probabilities."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self._set_weight("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                                self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices, on log-probabilities."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._set_weight("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


@LOSSES.register("hinge", task="classification")
class MultiMarginLoss(_Loss):
    """Multiclass hinge (SVM) loss."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p = 1 and p = 2 are supported, got {p}")
        self.p = p
        self.margin = margin
        self._set_weight("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                    self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for similar pairs (y = 1), ``max(0, margin - x)`` for dissimilar ones."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.hinge_embedding_loss(input, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos`` for similar pairs, ``max(0, cos - margin)`` for dissimilar ones."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return LF.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -y (x1 - x2) + margin)``."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return LF.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with a predicted variance: call it as
    ``loss_fn(mean, target, var)``."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var) -> Tensor:
        return LF.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class KLDivLoss(_Loss):
    """KL divergence with log-probabilities as input; use ``reduction='batchmean'``
    for the mathematical KL averaged over the batch."""

    _reductions = ("mean", "sum", "none", "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return LF.kl_div(input, target, self.reduction, self.log_target)
