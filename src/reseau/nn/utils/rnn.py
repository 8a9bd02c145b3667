"""``pad_sequence``: sequences of different lengths as one padded batch (PyTorch's
``torch.nn.utils.rnn.pad_sequence``), differentiable."""

from __future__ import annotations

from ...ops.shape import stack
from ...tensor import Tensor
from ..padding import pad_axis

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (``batch_first``:
    (B, max L, *)), each padded with ``padding_value`` after its end (before it with
    ``padding_side="left"``).

    Examples
    --------
    >>> import reseau
    >>> from reseau.nn.utils.rnn import pad_sequence
    >>> pad_sequence([reseau.tensor([1, 2, 3]), reseau.tensor([4])], batch_first=True).tolist()
    [[1, 2, 3], [4, 0, 0]]
    """
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if len(trailing) != 1 or any(s.ndim == 0 for s in sequences):
        raise ValueError(f"pad_sequence: the sequences must be (L, *) with the same trailing "
                         f"dimensions, got shapes {[tuple(s.shape) for s in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        lo, hi = (0, missing) if padding_side == "right" else (missing, 0)
        padded.append(pad_axis(s, lo, hi, -s.ndim, "constant", padding_value)
                      if missing else s)
    return stack(padded, 0 if batch_first else 1)
