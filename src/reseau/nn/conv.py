"""Convolution layers with PyTorch's names, arguments, initialisation and ``state_dict``
keys: ``Conv1d``, ``Conv2d``, ``ConvTranspose2d``; the primitives are in
``ops/conv.py``.

``padding_mode`` other than ``"zeros"`` (``"reflect"``, ``"replicate"``, ``"circular"``)
pads the input first with differentiable slices and concatenations, then convolves
without padding, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..dtypes import dtype_or_default
from ..ops.conv import conv1d, conv2d, conv_transpose2d
from ..tensor import Tensor
from . import init
from .module import Module
from .padding import pad_axis
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v, n: int, what: str, layer: str, low: int = 1) -> tuple[int, ...]:
    vals = (v,) * n if isinstance(v, (int, np.integer)) else tuple(v) \
        if isinstance(v, (tuple, list)) else None
    if vals is None or len(vals) != n or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= low
            for a in vals):
        kind = "positive" if low else "non-negative"
        raise ValueError(f"{layer}: {what} must be a {kind} int or a tuple of {n}, got {v!r}")
    return tuple(int(a) for a in vals)


def _pad(x: Tensor, pads, mode: str) -> Tensor:
    """Pad the last ``len(pads)`` axes by ``pads`` = [(lo, hi), ...] (first axis first)."""
    for k, (lo, hi) in enumerate(pads):
        if lo or hi:
            x = pad_axis(x, lo, hi, k - len(pads), mode)
    return x


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation, repr."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, output_padding, dtype) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels),
                       ("groups", groups)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: {arg} must be a positive int, got {v!r}")
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if v % groups:
                raise ValueError(f"{name}: {arg}={v} must be divisible by groups={groups}")
        if padding_mode not in _MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(_MODES)}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", name)
        self.stride = _tuple(stride, n, "stride", name)
        self.dilation = _tuple(dilation, n, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', "
                                 f"got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, "padding", name, low=0)
        self.output_padding = _tuple(output_padding, n, "output_padding", name, low=0)
        self.groups, self.padding_mode = int(groups), padding_mode
        dtype = dtype_or_default(dtype)
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(backend.empty(shape, dtype))
        if bias:
            self.bias = Parameter(backend.empty((self.out_channels,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        """Draw the weights again, as PyTorch: ``kaiming_uniform_(a=sqrt(5))``, which is
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and the bias from the same interval."""
        init.layer_default_(self.weight, self.bias, generator=generator)

    def _zero_padding(self, input: Tensor):
        """The input padded by ``padding_mode`` and the padding left for the convolution."""
        if self.padding_mode == "zeros":
            return input, self.padding
        channels = input.shape[-self._dims - 1] if input.ndim > self._dims else None
        if channels != self.in_channels:  # say it before padding changes the shape
            return input, self.padding
        if self.padding == "same":
            total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pads = [(t // 2, t - t // 2) for t in total]
        else:
            pads = [(0, 0)] * self._dims if self.padding == "valid" else \
                [(p, p) for p in self.padding]
        return _pad(input, pads, self.padding_mode), 0

    def init_kwargs(self) -> dict:
        as_list = lambda v: v if isinstance(v, str) else list(v)  # noqa: E731 (JSON lists)
        kw = {"in_channels": self.in_channels, "out_channels": self.out_channels,
              "kernel_size": as_list(self.kernel_size), "stride": as_list(self.stride),
              "padding": as_list(self.padding), "dilation": as_list(self.dilation),
              "groups": self.groups, "bias": self.bias is not None,
              "padding_mode": self.padding_mode}
        if self.transposed:
            kw["output_padding"] = as_list(self.output_padding)
        return kw

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """The constructor and forward of ``Conv1d`` and ``Conv2d`` (PyTorch's arguments)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, dtype)

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._zero_padding(input)
        params = self._parameters
        conv = conv2d if self._dims == 2 else conv1d
        return conv(x, params["weight"], params["bias"], self.stride, padding, self.dilation,
                    self.groups, name=type(self).__name__)


class Conv2d(_Conv):
    """2-D convolution layer: (N, C_in, H, W) -> (N, C_out, OH, OW), or unbatched
    (C_in, H, W) -> (C_out, OH, OW); ``weight`` (C_out, C_in/groups, kh, kw), ``bias``
    (C_out,). ``OH = (H + 2*padding - dilation*(kh - 1) - 1) // stride + 1``.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> conv = nn.Conv2d(1, 6, kernel_size=5, padding=2)
    >>> conv(reseau.randn(8, 1, 28, 28)).shape
    reseau.Size([8, 6, 28, 28])
    """


class Conv1d(_Conv):
    """1-D convolution layer: (N, C_in, L) -> (N, C_out, OL), or unbatched (C_in, L);
    ``weight`` (C_out, C_in/groups, k), ``bias`` (C_out,)."""

    _dims = 1


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of ``Conv2d`` with respect to its
    input, used to upsample): (N, C_in, H, W) -> (N, C_out, OH, OW) with
    ``OH = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1``;
    ``weight`` (C_in, C_out/groups, kh, kw). ``forward(input, output_size)`` picks the
    output_padding that gives ``output_size``."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros" or isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' and numeric padding "
                             f"are supported, got {padding_mode!r} and {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        extra = self.output_padding
        if output_size is not None:
            size = tuple(output_size)[-2:]
            least = [(input.shape[-2 + a] - 1) * self.stride[a] - 2 * self.padding[a]
                     + self.dilation[a] * (self.kernel_size[a] - 1) + 1 for a in (0, 1)]
            extra = tuple(s - m for s, m in zip(size, least))
        params = self._parameters
        return conv_transpose2d(input, params["weight"], params["bias"], self.stride,
                                self.padding, extra, self.groups, self.dilation,
                                name="ConvTranspose2d")
