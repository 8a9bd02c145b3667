"""Gradient checking by finite differences (seed 004's "gradient check").

Backprop is compared with central differences,
``dL/dx_j ~ (L(x + eps e_j) - L(x - eps e_j)) / (2 eps)``, in float64. A non-scalar
output ``y`` is reduced to the scalar ``L = sum(v * y)`` with a fixed random ``v`` (a
random projection of the Jacobian: a wrong entry shows up with probability 1).
"""

from __future__ import annotations

import numpy as np

from .autograd import no_grad
from .tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Backprop and finite differences disagree."""


def _as_float64_inputs(inputs) -> list:
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.is_floating_point:
            t = Tensor._make(np.array(x.data, dtype=np.float64))
            t.requires_grad = x.requires_grad
            out.append(t)
        else:
            out.append(x)
    return out


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> bool:
    """Check the gradients of ``fn(*inputs)`` with respect to every input tensor that
    requires a gradient.

    Inputs are copied to float64 first. Returns True when
    ``|analytic - numeric| <= atol + rtol * |numeric|`` everywhere; otherwise raises
    :class:`GradcheckError` naming the worst entry (input, index, both values), or
    returns False when ``raise_exception=False``.

    Examples
    --------
    >>> import reseau
    >>> x = reseau.randn(3, 4, dtype="float64", requires_grad=True)
    >>> reseau.gradcheck(lambda t: (t.tanh() * t).sum(), (x,))
    True
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    xs = _as_float64_inputs(inputs)
    wrt = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires a gradient; nothing to check")

    out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    v = np.random.default_rng(seed).standard_normal(out.shape) if out.ndim else np.array(1.0)
    v = v.astype(np.float64)

    def scalar_loss() -> float:
        with no_grad():
            return float(np.sum(fn(*xs).data.astype(np.float64) * v))

    for i in wrt:
        xs[i].grad = None
    if out.requires_grad:
        out.backward(Tensor._make(v.astype(out.dtype)))

    worst = None  # (excess, input, index, analytic, numeric)
    for i in wrt:
        x = xs[i]
        analytic = np.zeros(x.shape) if x.grad is None else x.grad.data
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = scalar_loss()
            flat[j] = orig - eps
            minus = scalar_loss()
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and err.max() > 0:
            j = int(np.argmax(err))
            idx = np.unravel_index(j, x.shape) if x.ndim else ()
            cand = (err.reshape(-1)[j], i, idx, analytic.reshape(-1)[j], numeric.reshape(-1)[j])
            if worst is None or cand[0] > worst[0]:
                worst = cand
    if worst is None:
        return True
    if not raise_exception:
        return False
    _, i, idx, a, n = worst
    raise GradcheckError(
        f"gradcheck: backprop and finite differences disagree for input {i} at index "
        f"{tuple(int(k) for k in idx)}: analytic {a:.10g}, numeric {n:.10g} "
        f"(difference {abs(a - n):.3g} > atol {atol} + rtol {rtol} * |numeric|)"
    )
