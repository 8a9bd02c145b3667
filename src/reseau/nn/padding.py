"""Padding: ``pad`` (``torch.nn.functional.pad``) and the padding layers
(``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ``ReplicationPad2d``,
``CircularPad2d`` and their 1-D forms). Every mode is composed of slices and ``cat``,
so the gradient comes from the engine (a padded entry's gradient flows back to the
entry it copies)."""

from __future__ import annotations

import numpy as np

from ..ops.shape import cat
from ..tensor import Tensor
from .module import Module

__all__ = ["pad", "pad_axis", "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d",
           "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d",
           "CircularPad1d", "CircularPad2d"]

_MODES = ("constant", "reflect", "replicate", "circular")


def pad_axis(x: Tensor, lo: int, hi: int, dim: int, mode: str, value: float = 0.0) -> Tensor:
    """``x`` padded along ``dim`` (negative) by ``lo`` and ``hi`` entries: ``constant``
    (``value``; a negative pad crops), ``reflect`` (mirrored about the edge, the edge
    not repeated), ``replicate`` (the edge repeated) or ``circular`` (wrapped around)."""
    size = x.shape[dim]
    tail = (slice(None),) * (-dim - 1)

    def part(sl):
        return x[(Ellipsis, sl) + tail]

    if mode == "constant":
        if lo < 0 or hi < 0:  # PyTorch: a negative pad removes entries
            x = part(slice(max(-lo, 0), size - max(-hi, 0)))
            lo, hi = max(lo, 0), max(hi, 0)
        shape = list(x.shape)
        blocks = []
        for n in (lo, hi):
            shape[dim] = n
            blocks.append(Tensor._make(np.full_like(x._array, value, shape=tuple(shape))))
        pieces = [blocks[0], x, blocks[1]]
    elif mode == "reflect" and max(lo, hi) >= size or mode == "circular" and max(lo, hi) > size:
        raise ValueError(f"pad: padding ({lo}, {hi}) in mode {mode!r} is too large for an input "
                         f"of size {size} along dimension {dim}")
    elif mode == "reflect":
        stop = size - 2 - hi  # None, not -1, when the mirror reaches the first entry
        pieces = [part(slice(lo, 0, -1)), x, part(slice(size - 2, stop if stop >= 0 else None,
                                                         -1))]
    elif mode == "replicate":  # pads are a few entries
        pieces = [part(slice(0, 1))] * lo + [x] + [part(slice(size - 1, size))] * hi
    else:  # circular
        pieces = [part(slice(size - lo, size)), x, part(slice(0, hi))]
    pieces = [p for p in pieces if p.shape[dim]]
    return pieces[0] if len(pieces) == 1 else cat(pieces, dim)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last dimensions of ``input``: ``pad = (left, right)`` pads the last one,
    ``(left, right, top, bottom)`` the last two, and so on (last dimension first, as
    PyTorch). ``mode``: ``"constant"`` (``value``, 0 by default; negative pads crop),
    ``"reflect"``, ``"replicate"`` or ``"circular"`` (which pad the last 1, 2 or 3
    dimensions of a batched or unbatched input).

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> F.pad(reseau.tensor([[1.0, 2.0]]), (1, 2)).tolist()
    [[0.0, 1.0, 2.0, 0.0, 0.0]]
    >>> F.pad(reseau.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    pads = [int(p) for p in pad]
    if len(pads) % 2 or len(pads) // 2 > input.ndim:
        raise ValueError(f"pad: padding length must be even and at most twice the number of "
                         f"dimensions ({input.ndim}), got {tuple(pads)}")
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(map(repr, _MODES))}, got "
                         f"{mode!r}")
    if mode != "constant":
        if value:
            raise ValueError(f"pad: padding mode {mode!r} does not take a value (got {value})")
        k = len(pads) // 2
        if k > 3 or input.ndim not in (k + 1, k + 2):
            raise ValueError(
                f"pad: padding size {len(pads)} is not supported for a {input.ndim}-D input in "
                f"mode {mode!r}; it pads the last {k} dimension(s) of a {k + 1}-D or "
                f"{k + 2}-D input")
        if any(p < 0 for p in pads):
            raise ValueError(f"pad: mode {mode!r} takes non-negative pads, got {tuple(pads)}")
    out = input
    for k in range(len(pads) // 2):
        lo, hi = pads[2 * k], pads[2 * k + 1]
        if lo or hi:
            out = pad_axis(out, lo, hi, -1 - k, mode, 0.0 if value is None else value)
    return out


class _PadNd(Module):
    """What the padding layers share: the padding tuple, the mode, the repr."""

    _dims = 2
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        n = 2 * self._dims
        if isinstance(padding, (int, np.integer)):
            padding = (int(padding),) * n
        padding = tuple(int(p) for p in padding)
        if len(padding) != n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of "
                             f"{n}, got {padding}")
        self.padding = padding

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, self._mode, getattr(self, "value", None))

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with ``value``: ``padding`` an int or (left, right)."""
    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with ``value``: ``padding`` an int or (left,
    right, top, bottom)."""


class ZeroPad1d(ConstantPad1d):
    """Pads the last dimension with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dimensions with zeros (left, right, top, bottom)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pads the last dimension with its mirror image (the edge not repeated)."""
    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last two dimensions with their mirror image (the edge not repeated)."""
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dimension by repeating the edge."""
    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last two dimensions by repeating the edge."""
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Pads the last dimension by wrapping around."""
    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pads the last two dimensions by wrapping around."""
    _mode = "circular"
