"""The differentiable primitives of reseau, each registered once in ``OPS`` with its
forward and its vector-Jacobian product side by side.

Modules by kind: ``arithmetic`` (add, mul, matmul...), ``elementwise`` (exp, log,
clamp, maximum, where...), ``activation`` (relu, sigmoid, tanh, softplus, gelu...),
``reduce`` (sum, mean, var, max, logsumexp, softmax...), ``shape`` (reshape, permute,
indexing, cat, stack...), ``compare`` (no gradient), ``nn`` (fused linear and losses),
``losses`` (binary cross-entropy on probabilities).
"""

from . import activation, arithmetic, compare, elementwise, losses, nn, reduce, shape  # noqa: F401
from .registry import OPS, OpDef, apply, register

__all__ = ["OPS", "OpDef", "apply", "register"]
