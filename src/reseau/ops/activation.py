"""Activation functions, fused and numerically stable.

sigmoid and tanh take their derivative from their output (sigma' = sigma (1 - sigma),
tanh' = 1 - tanh^2), which is both cheaper and the formula of the course.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._convert import as_input
from .registry import apply, register

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softplus", "log_sigmoid", "gelu"]

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_erf_py = np.frompyfunc(math.erf, 1, 1)  # correctly rounded, one Python call per entry


def _erf_exact(x):
    """math.erf of every entry of a float64 array, computed on the host (a device array
    is copied there and back: no device kernel rounds erf correctly)."""
    if isinstance(x, (np.ndarray, np.generic)):  # NumPy: a 0-d result is a scalar
        return np.asarray(_erf_py(x), dtype=np.float64)  # host-side: objects to floats
    out = np.empty_like(x)  # on x's device; the values come from the host (explicit copies)
    out[...] = np.asarray(_erf_py(x.get()), dtype=np.float64)  # host-side: objects to floats
    return out


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, vectorised. float64 (what gradient checks
    use) gets math.erf, correctly rounded; lower precisions get Abramowitz & Stegun
    7.1.26, erfc(a) = poly(t) e^(-a^2) with t = 1 / (1 + p a) for a >= 0 (error below
    1.5e-7, under float32's resolution), taken as erfc so the left tail keeps its
    relative precision."""
    if x.dtype == np.float64:
        return 0.5 * (1 + _erf_exact(x / _SQRT_2))
    a = np.abs(x) / x.dtype.type(_SQRT_2)
    t = 1 / (1 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                + t * (-1.453152027 + t * 1.061405429))))
    half_erfc = 0.5 * poly * np.exp(-a * a)  # P(Z > |x|)
    return np.where(x >= 0, 1 - half_erfc, half_erfc).astype(x.dtype, copy=False)


@register("relu")
class ReLU:
    """z = max(x, 0); dx = g * [x > 0] (relu'(0) = 0)"""

    def forward(ctx, x):
        ctx.x = x
        return np.maximum(x, x.dtype.type(0))  # a typed zero: no conversion per call

    def vjp(ctx, g):
        return g * (ctx.x > 0)


def relu(x: Tensor) -> Tensor:
    x = as_input(x, "relu")
    return apply(ReLU, x)


@register("leaky_relu")
class LeakyReLU:
    """z = x if x > 0 else a x; dx = g if x > 0 else a g"""

    def forward(ctx, x, negative_slope):
        ctx.x, ctx.a = x, negative_slope
        return np.where(x > 0, x, x * negative_slope)

    def vjp(ctx, g):
        return np.where(ctx.x > 0, g, g * ctx.a)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    x = as_input(x, "leaky_relu")
    return apply(LeakyReLU, x, negative_slope=float(negative_slope))  # float32 stays float32


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: no overflow for any x
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@register("sigmoid", saves_inputs=False)
class Sigmoid:
    """z = 1 / (1 + e^-x); dx = g * z (1 - z)"""

    def forward(ctx, x):
        z = _stable_sigmoid(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        z = ctx.z
        return g * z * (1 - z)


def sigmoid(x: Tensor) -> Tensor:
    x = as_input(x, "sigmoid")
    return apply(Sigmoid, x)


@register("tanh", saves_inputs=False)
class Tanh:
    """z = tanh x; dx = g * (1 - z^2)"""

    def forward(ctx, x):
        z = np.tanh(x)
        ctx.z = z
        return z

    def vjp(ctx, g):
        z = ctx.z
        return g * (1 - z * z)


def tanh(x: Tensor) -> Tensor:
    x = as_input(x, "tanh")
    return apply(Tanh, x)


@register("softplus")
class Softplus:
    """z = log(1 + e^(b x)) / b, and x where b x > threshold; dx = g * sigmoid(b x)"""

    def forward(ctx, x, beta, threshold):
        bx = x * beta
        ctx.bx, ctx.threshold = bx, threshold
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        return np.where(bx > threshold, x, soft)

    def vjp(ctx, g):
        bx = ctx.bx
        return np.where(bx > ctx.threshold, g, g * _stable_sigmoid(bx))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    x = as_input(x, "softplus")
    if beta <= 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    return apply(Softplus, x, beta=float(beta), threshold=float(threshold))


@register("log_sigmoid")
class LogSigmoid:
    """z = log sigmoid(x) = -softplus(-x) = min(x, 0) - log(1 + e^-|x|); dx = g * sigmoid(-x)"""

    def forward(ctx, x):
        ctx.x = x
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def vjp(ctx, g):
        return g * _stable_sigmoid(-ctx.x)


def log_sigmoid(x: Tensor) -> Tensor:
    x = as_input(x, "log_sigmoid")
    return apply(LogSigmoid, x)


@register("gelu")
class GELU:
    """z = x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2; dx = g (Phi(x) + x phi(x)).
    With approximate='tanh': z = x (1 + tanh(u)) / 2, u = sqrt(2/pi) (x + 0.044715 x^3)."""

    def forward(ctx, x, approximate):
        ctx.x, ctx.approximate = x, approximate
        if approximate == "tanh":
            u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            t = np.tanh(u)
            ctx.t = t
            return 0.5 * x * (1 + t)
        cdf = backend.asarray(_normal_cdf(x), dtype=x.dtype)  # 0-d: an array, not a float
        ctx.cdf = cdf
        return x * cdf

    def vjp(ctx, g):
        x = ctx.x
        if ctx.approximate == "tanh":
            t = ctx.t
            du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x**2)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return g * (ctx.cdf + x * pdf)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    x = as_input(x, "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply(GELU, x, approximate=approximate)
