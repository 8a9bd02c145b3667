"""Activation functions as modules, for ``Sequential`` and ``MLP``. Each calls the
fused primitive of ``reseau.ops`` (``ReLU`` -> ``reseau.relu``...)."""

from __future__ import annotations

from .. import backend
from ..dtypes import dtype_or_default
from ..registry import ACTIVATIONS
from ..tensor import Tensor
from . import activation_functions as A
from . import functional as F
from .module import Module
from .parameter import Parameter

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "GELU", "SiLU", "LogSigmoid",
           "Softmax", "LogSoftmax", "ELU", "CELU", "SELU", "GLU", "Hardtanh", "ReLU6",
           "Hardsigmoid", "Hardswish", "Mish", "Softsign", "Tanhshrink", "Threshold",
           "Hardshrink", "Softshrink", "Softmin", "Softmax2d", "PReLU"]


def _inplace(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


@ACTIVATIONS.register("relu")
class ReLU(Module):
    """``max(0, x)``; derivative 1 for x > 0 and 0 otherwise (0 at x = 0)."""

    init_args = ()

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


@ACTIVATIONS.register("leaky_relu")
class LeakyReLU(Module):
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""

    init_args = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


@ACTIVATIONS.register("sigmoid")
class Sigmoid(Module):
    """``1 / (1 + exp(-x))``; derivative ``s (1 - s)`` (at most 1/4: it saturates)."""

    init_args = ()

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


@ACTIVATIONS.register("tanh")
class Tanh(Module):
    """``tanh x``; derivative ``1 - tanh^2 x``."""

    init_args = ()

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


@ACTIVATIONS.register("softplus")
class Softplus(Module):
    """``log(1 + exp(beta x)) / beta`` (``x`` where ``beta x > threshold``): a smooth
    ReLU whose derivative is ``sigmoid(beta x)``."""

    init_args = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


@ACTIVATIONS.register("gelu")
class GELU(Module):
    """``x Phi(x)``, Phi the standard normal CDF (``approximate='tanh'`` for the tanh
    formula)."""

    init_args = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


@ACTIVATIONS.register("silu")
class SiLU(Module):
    """``x sigmoid(x)`` (swish)."""

    init_args = ()

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class LogSigmoid(Module):
    """``log sigmoid(x)``, stable for large |x|."""

    init_args = ()

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


@ACTIVATIONS.register("softmax", output_only=True, kwargs={"dim": -1})
class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim`` (pass it: ``Softmax(dim=1)`` for (N, C)
    scores)."""

    init_args = ("dim",)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


@ACTIVATIONS.register("log_softmax", output_only=True, kwargs={"dim": -1})
class LogSoftmax(Module):
    """``x - logsumexp(x)`` along ``dim``: log-probabilities, input of ``NLLLoss``."""

    init_args = ("dim",)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class ELU(Module):
    """``x`` for x > 0, ``alpha (e^x - 1)`` otherwise (:func:`F.elu`)."""

    init_args = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """``max(0, x) + min(0, alpha (e^(x / alpha) - 1))`` (:func:`F.celu`)."""

    def forward(self, input: Tensor) -> Tensor:
        return A.celu(input, self.alpha)


class SELU(Module):
    """``1.0507 * elu(x, 1.6733)``: self-normalising (:func:`F.selu`)."""

    init_args = ()

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.selu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class GLU(Module):
    """``a * sigmoid(b)``, ``a`` and ``b`` the halves of the input along ``dim``."""

    init_args = ("dim",)

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return A.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardtanh(Module):
    """``x`` clipped to ``[min_val, max_val]`` (:func:`F.hardtanh`)."""

    init_args = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        # min_value / max_value: PyTorch's deprecated spellings
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise ValueError(f"Hardtanh: max_val ({self.max_val}) must be larger than min_val "
                             f"({self.min_val})")

    def forward(self, input: Tensor) -> Tensor:
        return A.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return (f"min_val={self.min_val}, max_val={self.max_val}"
                + (", inplace=True" if self.inplace else ""))


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``."""

    init_args = ()

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class _Plain(Module):
    """An activation without settings (``inplace`` accepted, not printed)."""

    init_args = ()
    _fn = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input)


class Hardsigmoid(_Plain):
    """``relu6(x + 3) / 6``."""
    _fn = staticmethod(A.hardsigmoid)


class Hardswish(_Plain):
    """``x * relu6(x + 3) / 6``."""
    _fn = staticmethod(A.hardswish)


class Mish(_Plain):
    """``x * tanh(softplus(x))``."""
    _fn = staticmethod(A.mish)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class Softsign(Module):
    """``x / (1 + |x|)``."""

    init_args = ()

    def forward(self, input: Tensor) -> Tensor:
        return A.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    init_args = ()

    def forward(self, input: Tensor) -> Tensor:
        return A.tanhshrink(input)


class Threshold(Module):
    """``x`` where ``x > threshold``, ``value`` elsewhere."""

    init_args = ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, 0 elsewhere."""

    init_args = ("lambd",)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return A.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""

    def forward(self, input: Tensor) -> Tensor:
        return A.softshrink(input, self.lambd)


class Softmin(Module):
    """``softmax(-x)`` along ``dim``."""

    init_args = ("dim",)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return A.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of a (N, C, H, W) or (C, H, W) input, at each
    position."""

    init_args = ()

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape "
                             f"{tuple(input.shape)}")
        return F.softmax(input, -3)


class PReLU(Module):
    """``x`` for x > 0, ``a * x`` otherwise, the slope ``a`` learned: one for all
    channels, or one per channel (``num_parameters`` = C, dimension 1 of the input),
    initialised to ``init``."""

    init_args = ("num_parameters", "init")

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(backend.full((num_parameters,), init,
                                             dtype_or_default(dtype)))

    def reset_parameters(self) -> None:
        self.weight._array[...] = self.init
        self.weight._version += 1

    def forward(self, input: Tensor) -> Tensor:
        return A.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
