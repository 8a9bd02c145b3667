"""Layers written as one ONNX node each, rather than as the primitives they run.

The trace (``export.py``) records primitives; a layer of an exact type listed in
``LAYERS`` is written instead by its converter, from the layer's settings: ONNX's
BatchNormalization and LayerNormalization, and the activations ONNX has as operators
(Elu, Selu, Clip, HardSigmoid, Mish...), so the file reads as the model does. A subclass
is traced like any model: its ``forward`` may differ from the parent's.
"""

from __future__ import annotations

import numpy as np

from .. import nn

__all__ = ["LAYERS", "writes_as_one_node"]

LAYERS: dict = {}


def writes_as_one_node(module) -> bool:
    """Whether ``module`` is written by its converter (batch normalisation without running
    statistics uses the batch's, even in evaluation: its primitives say so)."""
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and not module.track_running_stats:
        return False
    return type(module) in LAYERS


def _layer(*types):
    def deco(fn):
        for t in types:
            LAYERS[t] = fn
        return fn
    return deco


def _param(g, t, fill, shape, dtype) -> str:
    """A weight, or the constant it stands for when the layer has none (affine=False)."""
    return g.const(np.full(shape, fill, dtype=dtype)) if t is None else g.value_of(t._array)


@_layer(nn.BatchNorm1d, nn.BatchNorm2d)
def _batch_norm(g, m, x, dtype):
    """y = (x - running_mean) / sqrt(running_var + eps) * weight + bias (evaluation)."""
    c = m.num_features
    return g.node("BatchNormalization",
                  [x, _param(g, m.weight, 1.0, c, dtype), _param(g, m.bias, 0.0, c, dtype),
                   g.value_of(m.running_mean._array), g.value_of(m.running_var._array)],
                  epsilon=float(m.eps))


@_layer(nn.LayerNorm)
def _layer_norm(g, m, x, dtype):
    shape = tuple(m.normalized_shape)
    return g.node("LayerNormalization",
                  [x, _param(g, m.weight, 1.0, shape, dtype),
                   _param(g, getattr(m, "bias", None), 0.0, shape, dtype)],
                  axis=-len(shape), epsilon=float(m.eps))


@_layer(nn.ELU, nn.CELU)
def _elu(g, m, x, dtype):
    return g.node("Elu" if type(m) is nn.ELU else "Celu", [x], alpha=float(m.alpha))


@_layer(nn.SELU)
def _selu(g, m, x, dtype):
    return g.node("Selu", [x])  # ONNX's default alpha and gamma are PyTorch's constants


@_layer(nn.Hardtanh, nn.ReLU6)
def _hardtanh(g, m, x, dtype):
    return g.node("Clip", [x, g.scalar(m.min_val, dtype), g.scalar(m.max_val, dtype)])


@_layer(nn.Hardsigmoid)
def _hardsigmoid(g, m, x, dtype):
    return g.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)


@_layer(nn.Hardswish, nn.Mish, nn.Softsign)
def _plain(g, m, x, dtype):
    return g.node({nn.Hardswish: "HardSwish", nn.Mish: "Mish",
                   nn.Softsign: "Softsign"}[type(m)], [x])


@_layer(nn.Hardshrink, nn.Softshrink)
def _shrink(g, m, x, dtype):
    bias = float(m.lambd) if type(m) is nn.Softshrink else 0.0
    return g.node("Shrink", [x], lambd=float(m.lambd), bias=bias)
