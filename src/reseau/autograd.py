"""``reseau.autograd``: the public autograd API, where PyTorch keeps it
(``torch.autograd.no_grad``, ``torch.autograd.Function``, ``torch.autograd.grad``).

The machinery lives below: the graph nodes and the backward pass in ``engine.py``, the
gradient mode in ``grad_mode.py``. This module only gathers the names users reach for.
"""

from __future__ import annotations

from .grad_mode import (  # noqa: F401 (re-exported: the public names of reseau.autograd)
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "detect_anomaly", "enable_grad", "is_anomaly_enabled", "is_grad_enabled", "no_grad",
    "set_grad_enabled",
]
