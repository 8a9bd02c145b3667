"""Activation functions as modules, for ``Sequential`` and ``MLP``. Each calls the
fused primitive of ``reseau.ops`` (``ReLU`` -> ``reseau.relu``...)."""

from __future__ import annotations

from ..registry import ACTIVATIONS
from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "GELU", "SiLU", "LogSigmoid",
           "Softmax", "LogSoftmax"]


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

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


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
