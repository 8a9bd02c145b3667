"""``reseau.backends.cudnn``: cuDNN's switches, accepted and without effect.

Course code sets ``torch.backends.cudnn.deterministic = True`` and ``benchmark = False`` for
reproducible GPU runs. reseau has no cuDNN: the attributes are plain module attributes that a
program may set and read back, and nothing reads them. reseau's CPU results are deterministic
whatever they hold.
"""

from __future__ import annotations

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic",
           "allow_tf32"]

# settable, read by nothing: reseau has no cuDNN
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Whether cuDNN can be used: never on the NumPy backend."""
    return False


def version():
    """cuDNN's version: None, as PyTorch answers without cuDNN."""
    return None
