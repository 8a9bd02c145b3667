"""``reseau.backends.mps``: Apple's GPU (Metal) backend, which reseau does not have."""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Whether an MPS device can be used: never, reseau computes with NumPy on the CPU."""
    return False


def is_built() -> bool:
    """Whether this build has MPS support: no."""
    return False
