"""``LayerNorm`` and the functions ``layer_norm`` and ``normalize``: normalisation of
each sample by its own statistics (no running averages, the same in training and
evaluation), composed of differentiable ops."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..dtype import dtype_or_default
from ..ops.elementwise import clamp
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["LayerNorm", "layer_norm", "normalize"]


def _shape(normalized_shape) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions of each sample:
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, var biased (divided by n).

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> F.layer_norm(reseau.tensor([[1.0, 2.0, 3.0]]), (3,)).tolist()  # doctest: +ELLIPSIS
    [[-1.22473..., 0.0, 1.22473...]]
    """
    shape = _shape(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(
            f"layer_norm: normalized_shape {shape} must be the last dimensions of the "
            f"input, got an input of shape {tuple(input.shape)}"
        )
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centred = input - mean
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


class LayerNorm(Module):
    """Layer normalisation (Ba et al., 2016): each sample normalised over its last
    dimensions ``normalized_shape``, then scaled by ``weight`` (init 1) and shifted by
    ``bias`` (init 0), both of shape ``normalized_shape``, as in PyTorch.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> ln = nn.LayerNorm(4)
    >>> ln
    LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> [round(v, 6) + 0.0 for v in ln(reseau.randn(2, 4)).mean(-1).tolist()]
    [0.0, 0.0]
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        if any(s <= 0 for s in self.normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must hold positive sizes, got "
                             f"{normalized_shape!r}")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = dtype_or_default(dtype)
        if elementwise_affine:
            self.weight = Parameter(backend.empty(self.normalized_shape, dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(backend.empty(self.normalized_shape, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def init_kwargs(self) -> dict:
        return {"normalized_shape": self.normalized_shape, "eps": self.eps,
                "elementwise_affine": self.elementwise_affine, "bias": self.bias is not None}

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out=None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``: vectors of norm 1 (a zero vector stays
    zero, with a finite gradient).

    Examples
    --------
    >>> import reseau
    >>> import reseau.nn.functional as F
    >>> F.normalize(reseau.tensor([[3.0, 4.0]]), dim=1).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported; use the returned tensor")
    if p <= 0:
        raise ValueError(f"normalize: p must be positive, got {p}")
    if p == float("inf"):
        return input / clamp(input.abs().amax(dim, keepdim=True), min=float(eps))
    if p == 2:
        powered = (input * input).sum(dim, keepdim=True)
    else:
        powered = input.abs().pow(p).sum(dim, keepdim=True)
    # clamping the p-th power at eps^p (not the norm at eps) keeps the gradient finite
    # at a zero vector; the value is the same, the root being increasing
    powered = clamp(powered, min=float(eps) ** p)
    norm = powered.sqrt() if p == 2 else powered.pow(1.0 / p)
    return input / norm
