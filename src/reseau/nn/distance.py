"""Similarities and distances between vectors: ``cosine_similarity`` and
``pairwise_distance`` (functions of ``torch.nn.functional``) and their modules
``CosineSimilarity`` and ``PairwiseDistance``, composed of differentiable ops."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .module import Module
from .normalization import normalize

__all__ = ["cosine_similarity", "pairwise_distance", "CosineSimilarity", "PairwiseDistance"]


def _common(x1: Tensor, x2: Tensor, what: str) -> tuple[Tensor, Tensor]:
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ValueError(f"{what}: the inputs' shapes {tuple(x1.shape)} and {tuple(x2.shape)} "
                         "do not broadcast to a common shape") from None
    return x1.expand(*shape), x2.expand(*shape)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim`` of the inputs'
    broadcast shape, that dimension removed.

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> F.cosine_similarity(reseau.tensor([[1.0, 0.0]]), reseau.tensor([[1.0, 1.0]])).tolist()
    [0.7071067690849304]
    """
    x1, x2 = _common(x1, x2, "cosine_similarity")
    return (normalize(x1, 2.0, dim, eps) * normalize(x2, 2.0, dim, eps)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension (``eps`` keeps the gradient
    finite when the vectors are equal).

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> F.pairwise_distance(reseau.tensor([[0.0, 0.0]]), reseau.tensor([[3.0, 4.0]]),
    ...                     eps=0.0).tolist()
    [5.0]
    """
    diff = x1 - x2 + eps
    if p == 2:
        return (diff * diff).sum(-1, keepdim=keepdim).sqrt()
    if p == float("inf"):
        return diff.abs().amax(-1, keepdim=keepdim)
    return diff.abs().pow(p).sum(-1, keepdim=keepdim).pow(1.0 / p)


class CosineSimilarity(Module):
    """:func:`cosine_similarity` along ``dim`` as a module."""

    init_args = ("dim", "eps")

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """:func:`pairwise_distance` as a module."""

    init_args = ("norm", "eps", "keepdim")

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def init_kwargs(self) -> dict:
        return {"p": self.norm, "eps": self.eps, "keepdim": self.keepdim}
