"""The update rules of the optimizers, as pure functions on NumPy arrays.

Each function updates one parameter array (and its state arrays) **in place**, with
``out=`` arguments, so that a step allocates no new parameter or state array; the
only allocations are gradient-sized temporaries. The formulas and the order of the
floating-point operations are PyTorch's (``torch.optim``, single-tensor path), so
trajectories agree to rounding.

The optimizer classes own the bookkeeping (parameter groups, lazily created state,
step counts); these functions own the arithmetic, so they can be tested alone against
steps computed by hand. Hyperparameters must be Python floats: a NumPy float64 scalar
would silently promote float32 temporaries to float64.
"""

from __future__ import annotations

import numpy as np

from .. import backend

__all__ = ["sgd", "adam", "rmsprop", "adagrad"]


def _effective_grad(param: np.ndarray, grad: np.ndarray, weight_decay: float,
                    maximize: bool) -> np.ndarray:
    """g' = (-g if maximize else g) + weight_decay * param (L2 penalty folded into the
    gradient). Returns ``grad`` itself when nothing changes: callers must not write to
    the result."""
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        # grad + wd * param, as PyTorch's grad.add(param, alpha=wd)
        grad = grad + np.multiply(param, weight_decay)
    return grad


def sgd(param: np.ndarray, grad: np.ndarray, momentum_buffer: np.ndarray | None, *,
        lr: float, weight_decay: float = 0.0, momentum: float = 0.0,
        dampening: float = 0.0, nesterov: bool = False,
        maximize: bool = False) -> np.ndarray | None:
    """One SGD step on ``param`` (in place).

    g = grad + weight_decay * param
    b = g                                     (first step)
    b = momentum * b + (1 - dampening) * g    (later steps)
    d = g + momentum * b   if nesterov   else   b       (d = g without momentum)
    param = param - lr * d

    Returns the momentum buffer (created on the first step from a copy of ``g``),
    or None when ``momentum`` is 0.
    """
    g = _effective_grad(param, grad, weight_decay, maximize)
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = backend.array(g)  # a copy, and an array even for 0-d
        else:
            np.multiply(momentum_buffer, momentum, out=momentum_buffer)
            if dampening != 0:
                np.add(momentum_buffer, np.multiply(g, 1.0 - dampening), out=momentum_buffer)
            else:
                np.add(momentum_buffer, g, out=momentum_buffer)
        if nesterov:
            g = g + np.multiply(momentum_buffer, momentum)
        else:
            g = momentum_buffer
    np.add(param, np.multiply(g, -lr), out=param)
    return momentum_buffer


def adam(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray,
         exp_avg_sq: np.ndarray, max_exp_avg_sq: np.ndarray | None, *, step: int,
         lr: float, beta1: float, beta2: float, eps: float, weight_decay: float = 0.0,
         amsgrad: bool = False, maximize: bool = False,
         decoupled_weight_decay: bool = False) -> None:
    """One Adam (or AdamW) step on ``param`` (in place); ``step`` counts from 1.

    param = param * (1 - lr * weight_decay)     (AdamW: decoupled weight decay)
    g     = grad + weight_decay * param         (Adam: L2 penalty in the gradient)
    m     = beta1 * m + (1 - beta1) * g         (exp_avg)
    v     = beta2 * v + (1 - beta2) * g^2       (exp_avg_sq)
    v_max = max(v_max, v)                       (amsgrad only; v_max replaces v below)
    param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        if decoupled_weight_decay:
            np.multiply(param, 1.0 - lr * weight_decay, out=param)
        else:
            grad = grad + np.multiply(param, weight_decay)
    # m += (1 - beta1) * (g - m): PyTorch's lerp, the same average as written above
    np.add(exp_avg, np.multiply(grad - exp_avg, 1.0 - beta1), out=exp_avg)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    np.add(exp_avg_sq, np.multiply(grad, 1.0 - beta2) * grad, out=exp_avg_sq)

    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    else:
        second = exp_avg_sq
    denom = backend.asarray(np.sqrt(second))  # 0-d parameters: NumPy would give a scalar
    np.divide(denom, bias_correction2_sqrt, out=denom)
    np.add(denom, eps, out=denom)
    np.add(param, np.multiply(exp_avg / denom, -step_size), out=param)


def rmsprop(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray,
            grad_avg: np.ndarray | None, momentum_buffer: np.ndarray | None, *,
            lr: float, alpha: float, eps: float, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False, maximize: bool = False) -> None:
    """One RMSprop step on ``param`` (in place).

    g   = grad + weight_decay * param
    v   = alpha * v + (1 - alpha) * g^2                (square_avg)
    a   = alpha * a + (1 - alpha) * g                  (grad_avg, centered only)
    den = sqrt(v - a^2) + eps   if centered   else   sqrt(v) + eps
    b   = momentum * b + g / den;  param = param - lr * b   (momentum > 0)
    param = param - lr * g / den                       (momentum = 0)
    """
    g = _effective_grad(param, grad, weight_decay, maximize)
    np.multiply(square_avg, alpha, out=square_avg)
    np.add(square_avg, np.multiply(g, 1.0 - alpha) * g, out=square_avg)
    if centered:
        np.add(grad_avg, np.multiply(g - grad_avg, 1.0 - alpha), out=grad_avg)
        avg = backend.asarray(square_avg - grad_avg * grad_avg)
        np.sqrt(avg, out=avg)
    else:
        avg = backend.asarray(np.sqrt(square_avg))
    np.add(avg, eps, out=avg)
    if momentum > 0:
        np.multiply(momentum_buffer, momentum, out=momentum_buffer)
        np.add(momentum_buffer, g / avg, out=momentum_buffer)
        np.add(param, np.multiply(momentum_buffer, -lr), out=param)
    else:
        np.add(param, np.multiply(g / avg, -lr), out=param)


def adagrad(param: np.ndarray, grad: np.ndarray, state_sum: np.ndarray, *, step: int,
            lr: float, lr_decay: float = 0.0, weight_decay: float = 0.0, eps: float = 1e-10,
            maximize: bool = False) -> None:
    """One Adagrad step on ``param`` (in place); ``step`` counts from 1.

    g     = grad + weight_decay * param
    lr_t  = lr / (1 + (t - 1) * lr_decay)
    s     = s + g^2                                   (sum)
    param = param - lr_t * g / (sqrt(s) + eps)
    """
    g = _effective_grad(param, grad, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    np.add(state_sum, g * g, out=state_sum)
    std = backend.asarray(np.sqrt(state_sum))
    np.add(std, eps, out=std)
    np.add(param, np.multiply(g / std, -clr), out=param)
