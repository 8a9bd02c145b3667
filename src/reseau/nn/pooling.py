"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, their 1-D forms and the adaptive
versions, with PyTorch's arguments, attributes and repr. They hold no parameters; the
work is done by the primitives of ``reseau.ops.pool``, called with the layer's name so
that an error says which layer refused its input."""

from __future__ import annotations

from ..ops import pool
from ..tensor import Tensor
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", 
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
]


def _as_given(v):
    """An int as it is, a sequence as a tuple (a saved model's JSON gives lists back)."""
    return tuple(v) if isinstance(v, (list, tuple)) else v


def _single(v) -> tuple:
    return _as_given(v) if isinstance(v, (list, tuple)) else (v,)


class _MaxPoolNd(Module):
    init_args = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = _as_given(kernel_size)
        self.stride = self.kernel_size if stride is None else _as_given(stride)
        self.padding = _as_given(padding)
        self.dilation = _as_given(dilation)
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """The max of each (kH, kW) window of an (N, C, H, W) or (C, H, W) input, padded with
    -inf; ``stride`` defaults to the kernel size. With ``return_indices``, the layer
    returns ``(output, indices)``, the indices flat in H*W. The gradient goes to one
    entry per window (the first maximum), as in PyTorch.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> nn.MaxPool2d(2)(reseau.randn(8, 6, 28, 28)).shape
    reseau.Size([8, 6, 14, 14])
    """

    def forward(self, input: Tensor):
        return pool.max_pool2d(input, self.kernel_size, self.stride, self.padding,
                               self.dilation, self.ceil_mode, self.return_indices,
                               _name="MaxPool2d")


class MaxPool1d(_MaxPoolNd):
    """The max of each window of length k along the last axis of an (N, C, L) or (C, L)
    input (indices are positions in L)."""

    def forward(self, input: Tensor):
        return pool.max_pool1d(input, self.kernel_size, self.stride, self.padding,
                               self.dilation, self.ceil_mode, self.return_indices,
                               _name="MaxPool1d")


class AvgPool2d(Module):
    """The mean of each (kH, kW) window of an (N, C, H, W) or (C, H, W) input,
    zero-padded; the padding counts in the divisor with ``count_include_pad``, or the
    divisor is ``divisor_override``.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> nn.AvgPool2d(2)(reseau.ones(1, 1, 4, 4)).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    init_args = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                 "divisor_override")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = _as_given(kernel_size)
        self.stride = self.kernel_size if stride is None else _as_given(stride)
        self.padding = _as_given(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return pool.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                               self.ceil_mode, self.count_include_pad, self.divisor_override,
                               _name="AvgPool2d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """The mean of each window of length k along the last axis of an (N, C, L) or
    (C, L) input. As in PyTorch, its sizes are kept as 1-tuples."""

    init_args = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = self.kernel_size if stride is None else _single(stride)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return pool.avg_pool1d(input, self.kernel_size, self.stride, self.padding,
                               self.ceil_mode, self.count_include_pad, _name="AvgPool1d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (an int, a pair; None keeps that axis):
    window i runs from ``floor(i H / OH)`` to ``ceil((i + 1) H / OH)``.
    ``AdaptiveAvgPool2d(1)`` is global average pooling."""

    init_args = ("output_size",)

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = _as_given(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return pool.adaptive_avg_pool2d(input, self.output_size, _name="AdaptiveAvgPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (windows as in ``AdaptiveAvgPool2d``); with
    ``return_indices``, ``(output, indices)``."""

    init_args = ("output_size", "return_indices")

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = _as_given(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        return pool.adaptive_max_pool2d(input, self.output_size, self.return_indices,
                                        _name="AdaptiveMaxPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Resizes the spatial axes with ``F.interpolate`` (``mode="nearest"``): give
    ``size`` or ``scale_factor``, as PyTorch."""

    init_args = ("size", "scale_factor", "mode")

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners=None, recompute_scale_factor=None) -> None:
        super().__init__()
        self.size = tuple(size) if isinstance(size, list) else size
        # PyTorch keeps the factor as a float (a tuple of floats)
        if isinstance(scale_factor, (tuple, list)):
            scale_factor = tuple(float(f) for f in scale_factor)
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pool.interpolate(input, self.size, self.scale_factor, self.mode,
                                self.align_corners, self.recompute_scale_factor)

    def extra_repr(self) -> str:
        shown = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                 else f"size={self.size!r}")
        return f"{shown}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample`` with ``mode="nearest"``."""

    init_args = ("size", "scale_factor")

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, "nearest")
