"""``Dropout``, ``Dropout1d``, ``Dropout2d`` and ``Dropout3d``: inverted dropout of
entries or of whole channels, active in training mode only."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class _DropoutNd(Module):
    init_args = ("p",)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: probability p must be between 0 and 1, "
                             f"got {p!r}")
        self.p = float(p)
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
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

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """During training, zero each whole channel of an (N, C, H, W) input with
    probability ``p`` and scale the others by ``1 / (1 - p)``; the identity in
    evaluation. As PyTorch, a 3-D input is read as (N, C, L), with a warning.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> _ = reseau.manual_seed(0)
    >>> y = nn.Dropout2d(p=0.5)(reseau.ones(2, 8, 3, 3))
    >>> v = y._array  # each channel is all 0 (dropped) or all 2 (kept, scaled by 1 / (1 - p))
    >>> bool((v.min((2, 3)) == v.max((2, 3))).all()), sorted(set(v.ravel().tolist()))
    (True, [0.0, 2.0])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Channel dropout of an (N, C, L) or (C, L) input (:func:`F.dropout1d`)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Channel dropout of an (N, C, D, H, W) or (C, D, H, W) input."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
