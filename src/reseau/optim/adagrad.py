"""Adagrad: per-coordinate learning rates shrinking with the sum of squared gradients."""

from __future__ import annotations

import numpy as np

from ..registry import OPTIMIZERS
from ..tensor import Tensor
from . import functional as F
from .optimizer import Optimizer, _check_non_negative

__all__ = ["Adagrad"]


@OPTIMIZERS.register("adagrad", default_lr=0.01)
class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011).

    For each parameter ``p`` with gradient ``g``, at step ``t`` (from 1)::

        g    = g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s    = s + g^2                    (sum, starting at initial_accumulator_value)
        p    = p - lr_t * g / (sqrt(s) + eps)

    State per parameter: ``step`` and ``sum``. Same as ``torch.optim.Adagrad``.

    Parameters
    ----------
    params : iterable of Tensors or of dicts (parameter groups)
    lr : float, default 1e-2
    lr_decay : float, default 0
    weight_decay : float, default 0
    initial_accumulator_value : float, default 0
        Starting value of ``sum``. Unlike PyTorch, a value given in a parameter group
        is honoured for that group.
    eps : float, default 1e-10
    maximize : bool, default False

    Examples
    --------
    >>> import reseau
    >>> w = reseau.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = reseau.optim.Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward()   # s = g^2, so the first step is lr * sign(g)
    >>> opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.5, -1.5]
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group) -> None:
        _check_non_negative("Adagrad", group, "lr", "lr_decay", "weight_decay",
                            "initial_accumulator_value", "eps")

    def _update_group(self, group) -> None:
        hyper = dict(
            lr=float(group["lr"]), lr_decay=float(group["lr_decay"]),
            weight_decay=float(group["weight_decay"]), eps=float(group["eps"]),
            maximize=bool(group["maximize"]),
        )
        for p in self._params_with_grad(group):
            state = self.state[p]
            if not state:
                # PyTorch fills this state in the constructor from the constructor's
                # initial_accumulator_value, ignoring a per-group value; here it is
                # created lazily from the group's value (the same when not overridden).
                state["step"] = 0
                state["sum"] = Tensor._make(
                    np.full_like(p._array, group["initial_accumulator_value"])
                )
            state["step"] += 1
            F.adagrad(p._array, p.grad._array, state["sum"]._array, step=state["step"], **hyper)
            p._version += 1
