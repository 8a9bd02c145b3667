"""``reseau.linalg``: the names of ``torch.linalg`` that reseau has (the norms, and
``matmul``). The ops themselves live in ``ops/linalg.py``."""

from __future__ import annotations

from .ops.arithmetic import matmul
from .ops.linalg import linalg_norm as norm
from .ops.linalg import matrix_norm, vector_norm

__all__ = ["norm", "vector_norm", "matrix_norm", "matmul"]
