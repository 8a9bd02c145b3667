"""Normalisation of each sample by its own statistics, composed of differentiable ops:
``LayerNorm`` (over its last dimensions), ``GroupNorm`` (over groups of channels),
``InstanceNorm1d`` / ``InstanceNorm2d`` (over each channel's positions), their
functions, and ``normalize`` (vectors of norm 1)."""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..dtypes import dtype_or_default
from ..ops.elementwise import clamp
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "layer_norm",
           "group_norm", "instance_norm", "normalize"]


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


def _standardise(x: Tensor, dims: tuple, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``dims`` (var biased), with the mean and
    the variance."""
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred / (var + eps).sqrt(), mean, var


def _affine(out: Tensor, weight, bias) -> Tensor:
    """Per-channel (dimension 1) scale and shift."""
    shape = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise an (N, C, ...) input over each group of ``C / num_groups`` channels
    and their positions, then scale and shift per channel."""
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"group_norm: num_channels ({c}) must be divisible by num_groups "
                         f"({num_groups})")
    grouped = input.reshape(n, num_groups, -1)
    out = _standardise(grouped, (2,), eps)[0].reshape(tuple(input.shape))
    return _affine(out, weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample of an (N, C, ...) input over its
    positions. With ``use_input_stats`` and running statistics, these are updated in
    place with the batch's average instance mean and unbiased variance; without
    ``use_input_stats`` the running statistics are used."""
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an (N, C, ...) input with positions, got "
                         f"shape {tuple(input.shape)}")
    dims = tuple(range(2, input.ndim))
    c = input.shape[1]
    if use_input_stats:
        out, mean, var = _standardise(input, dims, eps)
        if running_mean is not None and running_var is not None:
            count = math.prod(input.shape[2:])
            with no_grad():
                batch_mean = mean._array.reshape(-1, c).mean(0)
                unbiased = var._array.reshape(-1, c).mean(0) * (count / max(count - 1, 1))
                for run, new in ((running_mean, batch_mean), (running_var, unbiased)):
                    run._array[...] = (1 - momentum) * run._array + momentum * new
                    run._version += 1
    else:
        shape = (1, c) + (1,) * len(dims)
        mean = Tensor._make(running_mean._array.reshape(shape).astype(input.dtype))
        std = np.sqrt(running_var._array.reshape(shape).astype(input.dtype) + eps)
        out = (input - mean) / Tensor._make(std)
    return _affine(out, weight, bias)


class GroupNorm(Module):
    """Group normalisation (Wu and He, 2018): the channels of an (N, C, ...) input in
    ``num_groups`` groups, each normalised over its channels and positions, then
    ``weight`` (init 1) and ``bias`` (init 0) per channel.

    Examples
    --------
    >>> from reseau import nn
    >>> nn.GroupNorm(2, 4)
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _per_channel(self, num_channels, affine, affine and bias, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def init_kwargs(self) -> dict:
        return {"num_groups": self.num_groups, "num_channels": self.num_channels,
                "eps": self.eps, "affine": self.affine, "bias": self.bias is not None}

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


def _per_channel(layer: Module, channels: int, weight: bool, bias: bool, dtype) -> None:
    """A layer's per-channel ``weight`` (ones) and ``bias`` (zeros), or None."""
    dtype = dtype_or_default(dtype)
    for name, wanted, fill in (("weight", weight, backend.ones), ("bias", bias, backend.zeros)):
        if wanted:
            layer.register_parameter(name, Parameter(fill((channels,), dtype)))
        else:
            layer.register_parameter(name, None)


class _InstanceNorm(Module):
    """Instance normalisation: each channel of each sample normalised over its
    positions (``affine=False`` and no running statistics by default, as PyTorch)."""

    _positions = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _per_channel(self, num_features, affine, affine and bias, dtype)
        if track_running_stats:
            dt = dtype_or_default(dtype)
            self.register_buffer("running_mean",
                                 Tensor._make(backend.zeros((num_features,), dt)))
            self.register_buffer("running_var", Tensor._make(backend.ones((num_features,), dt)))
            self.register_buffer("num_batches_tracked",
                                 Tensor._make(backend.zeros((), np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input: Tensor) -> Tensor:
        batched = input.ndim == self._positions + 2
        if not batched and input.ndim != self._positions + 1:
            raise ValueError(f"{type(self).__name__}: expected a {self._positions + 2}-D "
                             f"(batched) or {self._positions + 1}-D input, got shape "
                             f"{tuple(input.shape)}")
        x = input if batched else input.unsqueeze(0)
        # as PyTorch: num_batches_tracked is kept but never counted, momentum=None is 0
        training = self.training or not self.track_running_stats
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training, self.momentum or 0.0, self.eps)
        return out if batched else out.squeeze(0)

    def init_kwargs(self) -> dict:
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum,
                "affine": self.affine, "track_running_stats": self.track_running_stats,
                "bias": self.bias is not None or not self.affine}

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of an (N, C, L) or (C, L) input."""


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of an (N, C, H, W) or (C, H, W) input (style transfer's
    normalisation)."""

    _positions = 2
