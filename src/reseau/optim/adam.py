"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

import numpy as np

from ..registry import OPTIMIZERS
from ..tensor import Tensor
from . import functional as F
from .optimizer import Optimizer, _check_non_negative

__all__ = ["Adam", "AdamW"]


@OPTIMIZERS.register("adam", default_lr=0.001)
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), optionally AMSGrad.

    For each parameter ``p`` with gradient ``g``, at step ``t`` (from 1)::

        g = g + weight_decay * p                 (decoupled_weight_decay=False)
        p = p * (1 - lr * weight_decay)          (decoupled_weight_decay=True: AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)                    (amsgrad: v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with
    amsgrad, ``max_exp_avg_sq``. Same as ``torch.optim.Adam``.

    Parameters
    ----------
    params : iterable of Tensors or of dicts (parameter groups)
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
    amsgrad : bool, default False
    maximize : bool, default False
    decoupled_weight_decay : bool, default False
        Shrink the weights directly instead of adding an L2 term to the gradient.

    Examples
    --------
    >>> import reseau
    >>> w = reseau.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = reseau.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                # the first step moves each weight by about lr
    >>> [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group) -> None:
        name = type(self).__name__
        _check_non_negative(name, group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(
                    f"{name}: invalid beta parameter at index {i}: {beta!r}; each beta must "
                    "be in [0, 1) (typical values: (0.9, 0.999))"
                )

    def _update_group(self, group) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        amsgrad = bool(group["amsgrad"])
        hyper = dict(
            lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), amsgrad=amsgrad,
            maximize=bool(group["maximize"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
        )
        for p in self._params_with_grad(group):
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = Tensor._make(np.zeros_like(p._array))
                state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._array))
                if amsgrad:
                    state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(p._array))
            state["step"] += 1
            vmax = state.get("max_exp_avg_sq")
            F.adam(p._array, p.grad._array, state["exp_avg"]._array, state["exp_avg_sq"]._array,
                   None if vmax is None else vmax._array, step=state["step"], **hyper)
            p._version += 1


@OPTIMIZERS.register("adamw", default_lr=0.001)
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The weights shrink directly, ``p = p * (1 - lr * weight_decay)``, before the Adam
    update (see :class:`Adam` for the rest of the formula), instead of an L2 term
    entering the moment estimates. Same as ``torch.optim.AdamW`` (default weight decay
    1e-2).

    Examples
    --------
    >>> import reseau
    >>> w = reseau.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = reseau.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()                # w * (1 - 0.05), then the Adam step of about lr
    >>> [round(v, 4) for v in w.tolist()]
    [0.85, -1.8]
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)
