"""``Dropout``: inverted dropout, active in training mode only."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """During training, zero each entry with probability ``p`` and scale the others by
    ``1 / (1 - p)`` (inverted dropout: the expectation is unchanged, so evaluation
    needs no rescaling). In evaluation mode (``.eval()``) it is the identity.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> drop = nn.Dropout(p=0.5).eval()
    >>> x = reseau.ones(4)
    >>> bool((drop(x) == x).all())
    True
    """

    init_args = ("p",)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be between 0 and 1, got {p!r}")
        self.p = float(p)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
