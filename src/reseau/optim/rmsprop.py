"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from ..registry import OPTIMIZERS
from ..tensor import Tensor
from . import functional as F
from .optimizer import Optimizer, _check_non_negative

__all__ = ["RMSprop"]


@OPTIMIZERS.register("rmsprop", default_lr=0.01, momentum=True)
class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), optionally centered and with momentum.

    For each parameter ``p`` with gradient ``g``::

        g   = g + weight_decay * p
        v   = alpha * v + (1 - alpha) * g^2          (square_avg)
        a   = alpha * a + (1 - alpha) * g            (grad_avg, centered only)
        den = sqrt(v - a^2) + eps  if centered  else  sqrt(v) + eps
        b   = momentum * b + g / den;  p = p - lr * b     (momentum > 0)
        p   = p - lr * g / den                            (momentum = 0)

    State per parameter: ``step``, ``square_avg``, and ``momentum_buffer`` (momentum >
    0) and ``grad_avg`` (centered). Same as ``torch.optim.RMSprop``.

    Parameters
    ----------
    params : iterable of Tensors or of dicts (parameter groups)
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant of the squared-gradient average.
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum : float, default 0
    centered : bool, default False
        Normalise by an estimate of the gradient's variance instead of its second
        moment.
    maximize : bool, default False

    Examples
    --------
    >>> import reseau
    >>> w = reseau.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = reseau.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()   # v = 0.01 g^2, so the step is lr * g / |0.1 g| = 0.1
    >>> opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group) -> None:
        _check_non_negative("RMSprop", group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _update_group(self, group) -> None:
        momentum, centered = float(group["momentum"]), bool(group["centered"])
        hyper = dict(
            lr=float(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), momentum=momentum,
            centered=centered, maximize=bool(group["maximize"]),
        )
        for p in self._params_with_grad(group):
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["square_avg"] = Tensor._make(np.zeros_like(p._array))
                if momentum > 0:
                    state["momentum_buffer"] = Tensor._make(np.zeros_like(p._array))
                if centered:
                    state["grad_avg"] = Tensor._make(np.zeros_like(p._array))
            state["step"] += 1
            buf, gavg = state.get("momentum_buffer"), state.get("grad_avg")
            F.rmsprop(p._array, p.grad._array, state["square_avg"]._array,
                      None if gavg is None else gavg._array,
                      None if buf is None else buf._array, **hyper)
            p._version += 1
