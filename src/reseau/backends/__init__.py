"""``reseau.backends``: PyTorch's ``torch.backends`` switches, for the NumPy backend.

``backends.mps`` (Apple GPUs) and ``backends.cudnn`` (NVIDIA's library) exist so that course
code that asks about them runs: no such device is available, and cuDNN's switches are
accepted and have no effect. The array backend itself is ``reseau.backend`` (singular).
"""

from __future__ import annotations

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
