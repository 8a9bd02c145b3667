"""``reseau.Size``: the shape of a tensor, a tuple that prints as PyTorch prints its
``torch.Size`` (``reseau.Size([2, 3])``)."""

from __future__ import annotations

from math import prod

__all__ = ["Size"]


class Size(tuple):
    """A tuple of dimension lengths (``x.shape``, ``x.size()``); ``numel()`` is their
    product. Slicing gives a ``Size`` again, as in PyTorch."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"reseau.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def numel(self) -> int:
        return prod(self)
