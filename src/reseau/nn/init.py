"""Weight initialisers, in place, with PyTorch's names and formulas.

Every draw comes from reseau's default generator (``reseau.manual_seed``) unless a
``generator`` (a ``reseau.Generator``) is given, through the tensor's own ``uniform_`` /
``normal_``, with PyTorch's formulas in PyTorch's order of operations: after the same
seed, the weights are PyTorch's, bit for bit. Each function fills the tensor under
``no_grad`` and returns it.

Fans: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import no_grad
from .. import backend
from ..registry import INITIALISERS
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "zeros_", "ones_", "constant_", "eye_", "uniform_", "normal_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "layer_default_",
]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid", "identity")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: the factor that keeps the variance of
    activations steady through a layer.

    ========================  ==============================
    linear, conv, sigmoid     1
    tanh                      5/3
    relu                      sqrt(2)
    leaky_relu                sqrt(2 / (1 + slope^2)), slope = param or 0.01
    selu                      3/4
    ========================  ==============================
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR_LIKE + ('tanh', 'relu', 'leaky_relu', 'selu'))}"
    )


def _check(tensor, fn: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(tensor).__name__}")


def _calculate_fan_in_and_fan_out(tensor: Tensor, fn: str = "init") -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(
            f"{fn}: fan in and fan out cannot be computed for a tensor with fewer than 2 "
            f"dimensions (shape {tuple(tensor.shape)}); it is meant for weights (out, in, ...)"
        )
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str, fn: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{fn}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, fn)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values) -> Tensor:
    with no_grad():
        tensor._array[...] = values
        tensor._version += 1
    return tensor


def _draw(tensor: Tensor, method: str, *params, generator=None) -> Tensor:
    with no_grad():
        return getattr(tensor, method)(*params, generator=generator)


@INITIALISERS.register("zeros")
def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    _check(tensor, "zeros_")
    return _fill(tensor, 0)


@INITIALISERS.register("ones")
def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    _check(tensor, "ones_")
    return _fill(tensor, 1)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    _check(tensor, "constant_")
    return _fill(tensor, val)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the diagonal)."""
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: expected a 2-D tensor, got shape {tuple(tensor.shape)}")
    return _fill(tensor, backend.eye(*tensor.shape, dtype=tensor.dtype))


@INITIALISERS.register("uniform")
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from U(a, b)."""
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _draw(tensor, "uniform_", a, b, generator=generator)


@INITIALISERS.register("normal")
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _draw(tensor, "normal_", mean, std, generator=generator)


@INITIALISERS.register("xavier_uniform")
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = sqrt(3) * gain * sqrt(2 / (fan_in + fan_out))``
    (rounded as PyTorch computes it)."""
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_uniform_")
    bound = math.sqrt(3.0) * (gain * math.sqrt(2.0 / float(fan_in + fan_out)))
    return _draw(tensor, "uniform_", -bound, bound, generator=generator)


@INITIALISERS.register("xavier_normal")
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_normal_")
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _draw(tensor, "normal_", 0.0, std, generator=generator)


@INITIALISERS.register("kaiming_uniform")
def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He uniform: U(-b, b) with ``b = sqrt(3) * gain / sqrt(fan)``, ``gain =
    calculate_gain(nonlinearity, a)``, fan = fan_in or fan_out (``mode``).

    ``a`` is the negative slope of the leaky ReLU that follows. With ``a = sqrt(5)``
    the bound is ``1 / sqrt(fan_in)``: PyTorch's default for ``Linear``.
    """
    _check(tensor, "kaiming_uniform_")
    fan = _fan(tensor, mode, "kaiming_uniform_")
    if fan == 0:
        return tensor  # nothing to draw for an empty weight
    bound = math.sqrt(3.0) * (calculate_gain(nonlinearity, a) / math.sqrt(fan))
    return _draw(tensor, "uniform_", -bound, bound, generator=generator)


@INITIALISERS.register("kaiming_normal")
def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``, ``gain =
    calculate_gain(nonlinearity, a)``."""
    _check(tensor, "kaiming_normal_")
    fan = _fan(tensor, mode, "kaiming_normal_")
    if fan == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _draw(tensor, "normal_", 0.0, std, generator=generator)


def layer_default_(weight: Tensor, bias: Tensor | None = None, generator=None) -> None:
    """PyTorch's default initialisation of ``Linear`` and the convolutions, in place:
    ``weight ~ kaiming_uniform_(a=sqrt(5))``, which is ``U(-1/sqrt(fan_in),
    1/sqrt(fan_in))``, then ``bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, with
    ``fan_in`` computed from the weight (``in * kh * kw``). Drawn in that order, so that
    a seed gives PyTorch's layer."""
    kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight, "layer_default_")
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound, generator=generator)
