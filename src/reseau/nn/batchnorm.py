"""``BatchNorm1d`` and ``BatchNorm2d``: normalisation by batch statistics, with running
averages for evaluation. Both are one code path (``_BatchNorm``): the statistics of each
channel are taken over every axis but the channel axis (N, or N and L, or N, H and W)."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..dtypes import dtype_or_default
from ..ops.registry import effect
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


def _count(n):
    n += 1


class _BatchNorm(Module):
    """Batch normalisation per channel (axis 1):
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``.

    In training, mean and var are the batch's (var biased, divided by n) and the
    running statistics are updated with the unbiased variance (divided by n - 1):
    ``running = (1 - momentum) running + momentum * batch``; ``momentum=None`` gives
    the cumulative average over the batches seen. In evaluation the running
    statistics are used. As in PyTorch.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float
        Added to the variance for stability.
    momentum : float or None
        Weight of the new batch in the running statistics.
    affine : bool
        Learn ``weight`` (init 1) and ``bias`` (init 0).
    track_running_stats : bool
        Keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` buffers;
        without them batch statistics are used in evaluation too.
    bias : bool (keyword only)
        With ``affine``, learn ``bias`` too (PyTorch 2.13's keyword); ``bias=False``
        keeps ``weight`` alone.
    """

    init_args = ("num_features", "eps", "momentum", "affine", "track_running_stats")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, (int, np.integer)) or num_features <= 0:
            raise ValueError(f"{name}: num_features must be a positive int, got "
                             f"{num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = dtype_or_default(dtype)
        if affine:
            self.weight = Parameter(backend.ones(num_features, dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(backend.zeros(num_features, dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(backend.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor._make(backend.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked",
                                 Tensor._make(backend.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            effect(_count, self.num_batches_tracked)  # repeated by a compiled step's replay
            if self.momentum is None:  # cumulative moving average (read: no compiled step)
                factor = 1.0 / float(self.num_batches_tracked)
        # without running statistics, batch statistics are used in evaluation too
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            training=self.training or not self.track_running_stats,
                            momentum=factor, eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def init_kwargs(self) -> dict:
        kwargs = super().init_kwargs()
        if self.bias is None and self.affine:  # only then is the flag not implied
            kwargs["bias"] = False
        return kwargs


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of an (N, C) or (N, C, L) input, per channel C (statistics
    over N, or N and L). The arguments, buffers and modes of ``_BatchNorm``, as in
    PyTorch."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d: expected input of shape (N, {self.num_features}) or "
                f"(N, {self.num_features}, L), got {tuple(input.shape)}"
            )


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of an (N, C, H, W) input, per channel C (statistics over N,
    H and W): the usual normalisation after a convolution. The arguments, buffers
    (``running_mean``, ``running_var``, ``num_batches_tracked``) and modes of
    ``_BatchNorm``, as in PyTorch.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> bn = nn.BatchNorm2d(3)
    >>> y = bn(reseau.randn(4, 3, 5, 5))
    >>> [round(float(v), 6) + 0.0 for v in y.mean((0, 2, 3))._array]
    [0.0, 0.0, 0.0]
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d: expected a 4-D input (N, {self.num_features}, H, W), got shape "
                f"{tuple(input.shape)}"
                + ("; add a batch axis with x.unsqueeze(0)" if input.ndim == 3 else "")
            )
