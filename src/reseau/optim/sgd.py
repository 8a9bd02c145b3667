"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

Batch, mini-batch and online (one example at a time) gradient descent are the same
optimizer: what changes is how many examples the loss given to ``backward()`` averages.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..registry import OPTIMIZERS
from ..tensor import Tensor
from . import functional as F
from .optimizer import Optimizer, _check_non_negative

__all__ = ["SGD"]


@OPTIMIZERS.register("sgd", default_lr=0.1, momentum=True)
class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum).

    For each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b  if nesterov  else  b
        p = p - lr * g

    The same as ``torch.optim.SGD`` (whose momentum differs from Sutskever et al.'s by
    where ``lr`` is applied).

    Parameters
    ----------
    params : iterable of Tensors or of dicts (parameter groups)
    lr : float, default 1e-3
    momentum : float, default 0
    dampening : float, default 0
    weight_decay : float, default 0
        L2 penalty coefficient (adds ``weight_decay * p`` to the gradient).
    nesterov : bool, default False
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Examples
    --------
    >>> import reseau
    >>> w = reseau.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = reseau.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()        # grad = 2w = [2, -4]
    >>> opt.step()                      # w - 0.1 * grad
    >>> [round(v, 4) for v in w.tolist()]
    [0.8, -1.6]
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group) -> None:
        _check_non_negative("SGD", group, "lr", "momentum", "dampening", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']} and dampening={group['dampening']}; pass "
                "e.g. momentum=0.9, dampening=0"
            )

    def _update_group(self, group) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        if momentum == 0 and group["weight_decay"] == 0 and not group["maximize"]:
            # plain gradient descent, the courses' case: p -= lr * g, nothing else
            for p in group["params"]:
                grad = p._grad
                if grad is not None:
                    p._array -= lr * grad._array
                    p._version += 1
            return
        if (group["weight_decay"] == 0 and group["dampening"] == 0 and not group["maximize"]
                and not group["nesterov"]):
            self._momentum_steps(group["params"], lr, momentum)
            return
        hyper = dict(
            lr=lr, weight_decay=float(group["weight_decay"]),
            momentum=momentum, dampening=float(group["dampening"]),
            nesterov=bool(group["nesterov"]), maximize=bool(group["maximize"]),
        )
        for p in self._params_with_grad(group):
            # without momentum there is no state: none is created (PyTorch's state_dict
            # then has no entry for the parameter either)
            buf = self.state[p].get("momentum_buffer") if momentum != 0 else None
            new_buf = F.sgd(p._array, p.grad._array, None if buf is None else buf._array, **hyper)
            if buf is None and new_buf is not None:
                self.state[p]["momentum_buffer"] = Tensor._make(new_buf)
            p._version += 1  # the array changed in place: a saved graph would be stale

    def _momentum_steps(self, params, lr: float, momentum: float) -> None:
        """The common momentum case (no weight decay, dampening, Nesterov or maximize):
        the operations of ``F.sgd`` in the same order, written out in one loop, so a
        step costs three NumPy calls per parameter and no Python call (the ``foreach``
        idea of PyTorch's optimizers)."""
        state, neg_lr = self.state, -lr
        multiply, add = np.multiply, np.add
        for p in params:
            grad = p._grad
            if grad is None:
                continue
            s = state[p]
            buf = s.get("momentum_buffer")
            if buf is None:  # first step: b = g (a copy)
                b = backend.array(grad._array)
                s["momentum_buffer"] = Tensor._make(b)
            else:  # b = momentum * b + g
                b = buf._array
                multiply(b, momentum, out=b)
                add(b, grad._array, out=b)
            data = p._array
            add(data, multiply(b, neg_lr), out=data)  # p = p - lr * b
            p._version += 1
