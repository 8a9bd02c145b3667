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

__all__ = ["gradcheck", "GradcheckError", "central_difference"]


class GradcheckError(AssertionError):
    """Backprop and finite differences disagree."""


def central_difference(f, array: np.ndarray, eps: float, indices=None) -> np.ndarray:
    """Partial derivatives of ``f()`` with respect to entries of ``array`` by central
    differences, ``df/da_j ~ (f(a + eps e_j) - f(a - eps e_j)) / (2 eps)``.

    ``f`` takes no argument: it reads ``array``, which is perturbed in place, one entry
    at a time, and restored. ``indices`` are flat indices (default: every entry). The
    arithmetic is done in ``array``'s dtype (``eps`` cast to it, ``f``'s values
    subtracted as returned), so that a float32 check shows float32's rounding; the
    result is a float64 array with one derivative per index.

    Examples
    --------
    >>> a = np.array([1.0, 2.0])
    >>> central_difference(lambda: float(np.sum(a ** 3)), a, 1e-6).round(4)
    array([ 3., 12.])
    """
    flat = array.reshape(-1)
    if flat.size and not np.may_share_memory(flat, array):
        raise ValueError("central_difference: the array must be contiguous, so that "
                         "perturbing its flat view perturbs it; pass a contiguous copy "
                         "that f reads")
    picked = range(flat.size) if indices is None else indices
    step = flat.dtype.type(eps)
    out = np.empty(len(picked))
    for k, j in enumerate(picked):
        orig = flat[j]
        flat[j] = orig + step
        plus = f()
        flat[j] = orig - step
        minus = f()
        flat[j] = orig
        out[k] = (plus - minus) / (2 * step)
    return out


def _as_float64_inputs(inputs) -> list:
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.is_floating_point():
            t = Tensor._make(np.array(x._array, dtype=np.float64))
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
            return float(np.sum(fn(*xs)._array.astype(np.float64) * v))

    for i in wrt:
        xs[i].grad = None
    if out.requires_grad:
        out.backward(Tensor._make(v.astype(out.dtype)))

    worst = None  # (excess, input, index, analytic, numeric)
    for i in wrt:
        x = xs[i]
        analytic = np.zeros(x.shape) if x.grad is None else x.grad._array
        numeric = central_difference(scalar_loss, x._array, eps).reshape(x.shape)
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
