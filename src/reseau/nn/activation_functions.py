"""The activation functions of ``torch.nn.functional`` that are not primitives of
``reseau.ops``: each is composed of differentiable ops (``where``, ``clamp``, ``exp``,
``tanh``...), so its gradient comes from the engine. Where PyTorch's derivative at a
kink is one-sided, the composition picks the same side (noted in the docstring).

``inplace=True`` is accepted for compatibility; the result is always a new tensor.
"""

from __future__ import annotations

from ..ops.activation import sigmoid, softplus, tanh
from ..ops.arithmetic import abs as _abs
from ..ops.elementwise import clamp, exp, where
from ..ops.reduce import softmax as _softmax
from ..tensor import Tensor

__all__ = ["elu", "celu", "selu", "glu", "hardtanh", "relu6", "hardsigmoid", "hardswish",
           "mish", "softsign", "tanhshrink", "threshold", "hardshrink", "softshrink",
           "softmin", "prelu"]

# SELU's constants (Klambauer et al., 2017), as PyTorch writes them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``alpha (e^x - 1)`` otherwise; derivative ``alpha e^x`` for
    x <= 0 (``alpha`` at 0, as PyTorch). The exponential only sees ``min(x, 0)``, so a
    large x neither overflows nor spoils the gradient."""
    return where(input > 0, input, alpha * (exp(clamp(input, max=0.0)) - 1))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha (e^(x / alpha) - 1))``: ELU whose derivative is
    continuous at 0 for every alpha."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    return where(input > 0, input, alpha * (exp(clamp(input, max=0.0) / alpha) - 1))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with alpha = 1.6733 and scale = 1.0507: activations
    that keep mean 0 and variance 1 through layers (self-normalising)."""
    return _SELU_SCALE * elu(input, _SELU_ALPHA)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of
    ``input`` along ``dim`` (whose size must be even)."""
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} is size "
                         f"{size} (input shape {tuple(input.shape)})")
    half = size // 2
    tail = (slice(None),) * (input.ndim - 1 - (dim % input.ndim))
    a = input[(Ellipsis, slice(0, half)) + tail]
    b = input[(Ellipsis, slice(half, size)) + tail]
    return a * sigmoid(b)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``; derivative 1 strictly inside, 0 outside
    and at the bounds (PyTorch's)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return where(input <= min_val, min_val, where(input >= max_val, max_val, input))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between."""
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (MobileNetV3)."""
    return input * hardsigmoid(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return input * tanh(softplus(input))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (1 + _abs(input))


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - tanh(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, ``value`` elsewhere."""
    return where(input > threshold, input, value)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    return where(_abs(input) > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:  # PyTorch's implicit choice (deprecated there too)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    x = input if dtype is None else input.to(dtype)
    return _softmax(-x, dim)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for x > 0, ``weight * x`` otherwise, ``weight`` one slope or one per
    channel (dimension 1 of the input)."""
    n = weight.numel()
    if n != 1:
        if input.ndim < 2 or input.shape[1] != n:
            raise ValueError(f"prelu: weight has {n} slopes but the input has shape "
                             f"{tuple(input.shape)}; expected {n} channels in dimension 1, or "
                             "one slope")
        weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    elif input.ndim:
        weight = weight.reshape(())
    return where(input > 0, input, weight * input)
