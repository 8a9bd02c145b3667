"""Fused loss primitives that cannot be composed from other ops with PyTorch's
numerics: ``binary_cross_entropy`` on probabilities, whose logarithms are clamped at
-100 so that a probability of exactly 0 or 1 gives a finite loss and gradient.

The user-facing functions (argument checks, reductions) are in
``reseau.nn.functional``.
"""

from __future__ import annotations

import numpy as np

from .registry import register

__all__ = ["BinaryCrossEntropy", "MseLoss"]

# PyTorch's constants: logs are clamped at -100, the gradient's denominator at 1e-12.
LOG_CLAMP = -100.0
GRAD_EPS = 1e-12


@register("binary_cross_entropy")
class BinaryCrossEntropy:
    """l = -w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)];
    dx = g w (x - y) / max(x (1 - x), 1e-12), dy = -g w [max(log x, -100) - max(log(1 - x), -100)]
    (elementwise; the reduction is done outside)"""

    def forward(ctx, x, y, weight):
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped just below
            log_x = np.maximum(np.log(x), LOG_CLAMP)
            log_1mx = np.maximum(np.log1p(-x), LOG_CLAMP)
        ctx.x, ctx.y, ctx.w = x, y, weight
        ctx.log_x, ctx.log_1mx = log_x, log_1mx
        losses = -(y * log_x + (1 - y) * log_1mx)
        if weight is not None:
            losses = losses * weight
        return losses.astype(x.dtype, copy=False)

    def vjp(ctx, g):
        x, y = ctx.x, ctx.y
        if ctx.w is not None:
            g = g * ctx.w
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - y) / np.maximum(x * (1 - x), GRAD_EPS)
        if ctx.needs_input_grad[1]:
            gy = -g * (ctx.log_x - ctx.log_1mx)
        return gx, gy


@register("mse_loss", saves_inputs=False)
class MseLoss:
    """l = sum((x - y)^2) / n (mean; n the number of entries) or the sum;
    dx = (x - y) (2 g / n), dy = -dx (PyTorch's formula: the scale meets g first)"""

    def forward(ctx, x, y, mean):
        d = x - y
        ctx.d, ctx.scale = d, (2.0 / d.size if mean else 2.0)
        return (d * d).mean() if mean else (d * d).sum()

    def vjp(ctx, g):
        gx = ctx.d * (ctx.scale * g)
        return (gx if ctx.needs_input_grad[0] else None,
                -gx if ctx.needs_input_grad[1] else None)
