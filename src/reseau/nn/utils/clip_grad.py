"""Gradient clipping: rescale (``clip_grad_norm_``) or clamp (``clip_grad_value_``) the
gradients of a set of parameters in place, between ``backward()`` and ``step()``.

Same names, formulas and return values as ``torch.nn.utils``.
"""

from __future__ import annotations

import math
import warnings
from types import GeneratorType

import numpy as np

from ... import backend
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(tensors, what: str) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    if isinstance(tensors, np.ndarray) or not hasattr(tensors, "__iter__"):
        raise TypeError(
            f"{what}: expected a Tensor or an iterable of Tensors (e.g. "
            f"model.parameters()), got {type(tensors).__name__}"
        )
    items = list(tensors)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{what}: item {i} is a {type(t).__name__}, expected a Tensor"
            )
    return items


def _norm_type(norm_type, what: str) -> float:
    try:
        return float(norm_type)  # accepts 'inf' like PyTorch
    except (TypeError, ValueError):
        raise ValueError(
            f"{what}: norm_type must be a number or 'inf', got {norm_type!r}"
        ) from None


def _vector_norm(x: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of ``x`` seen as one flat vector, in ``x``'s dtype (PyTorch's
    ``linalg.vector_norm``: p=inf is max|x|, p=-inf min|x|, p=0 the count of non-zeros)."""
    flat = x.reshape(-1)
    if flat.size == 0:
        return backend.zeros((), x.dtype)
    return backend.asarray(np.linalg.norm(flat, ord=p), x.dtype)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Norm of a set of tensors as if they were concatenated into one vector.

    total = || (||t_1||_p, ..., ||t_n||_p) ||_p

    ``foreach`` is accepted for compatibility with PyTorch and ignored.
    """
    what = "get_total_norm"
    tensors = _as_list(tensors, what)
    p = _norm_type(norm_type, what)
    if not tensors:
        return Tensor._make(backend.zeros((), np.float32))
    norms = [_vector_norm(t._array, p) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.stack([n.astype(dtype) for n in norms]), p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{what}: the total norm of order {p} of the gradients is non-finite "
            f"({total.item()}), so it cannot be clipped; find where the gradient "
            "overflows, or pass error_if_nonfinite=False to scale by it anyway"
        )
    return Tensor._make(total)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scale the gradients in place given a precomputed total norm.

    grad <- grad * min(max_norm / (total_norm + 1e-6), 1)
    """
    params = _as_list(parameters, "clip_grads_with_norm_")
    max_norm = float(max_norm)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    total = total_norm._array if isinstance(total_norm, Tensor) else backend.asarray(total_norm)
    # Computed in the norm's dtype, as PyTorch does, so that float32 results match.
    coef = np.minimum(max_norm / (total + total.dtype.type(1e-6)), total.dtype.type(1.0))
    for g in grads:
        np.multiply(g._array, coef.astype(g._array.dtype), out=g._array)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Rescale the gradients in place so that their total norm is at most ``max_norm``.

    total = || (||g_1||_p, ..., ||g_n||_p) ||_p
    g_i   <- g_i * min(max_norm / (total + 1e-6), 1)

    Parameters
    ----------
    parameters : Tensor or iterable of Tensors
        Parameters whose ``.grad`` is clipped (those without a gradient are skipped).
    max_norm : float
        Largest allowed total norm.
    norm_type : float or 'inf'
        The p of the p-norm (2 by default).
    error_if_nonfinite : bool
        Raise ``RuntimeError`` if the total norm is nan or infinite.

    Returns
    -------
    Tensor
        The total norm of the gradients *before* clipping (a 0-d tensor).

    Examples
    --------
    >>> import reseau
    >>> from reseau.nn.utils import clip_grad_norm_
    >>> w = reseau.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()          # grad = 2w = [6, 8], norm 10
    >>> clip_grad_norm_([w], max_norm=1.0).item()
    10.0
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.6, 0.8]
    """
    if isinstance(parameters, GeneratorType):
        parameters = list(parameters)
        if not parameters:
            warnings.warn("clip_grad_norm_: `parameters` is an empty generator, no "
                          "gradient clipping will occur", stacklevel=2)
    params = _as_list(parameters, "clip_grad_norm_")
    max_norm = float(max_norm)
    if math.isnan(max_norm):
        raise ValueError("clip_grad_norm_: max_norm is nan; expected a positive number")
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element in place to ``[-clip_value, clip_value]``.

    g <- min(max(g, -clip_value), clip_value)

    Examples
    --------
    >>> import reseau
    >>> from reseau.nn.utils import clip_grad_value_
    >>> w = reseau.tensor([3.0, -4.0, 0.1], requires_grad=True)
    >>> (w * w).sum().backward()          # grad = [6, -8, 0.2]
    >>> clip_grad_value_([w], 1.0)
    >>> [round(v, 4) for v in w.grad.tolist()]
    [1.0, -1.0, 0.2]
    """
    params = _as_list(parameters, "clip_grad_value_")
    try:
        clip_value = float(clip_value)
    except (TypeError, ValueError):
        raise TypeError(
            f"clip_grad_value_: clip_value must be a number, got {clip_value!r}"
        ) from None
    for p in params:
        if p.grad is not None:
            np.clip(p.grad._array, -clip_value, clip_value, out=p.grad._array)
