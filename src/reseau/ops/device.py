"""Moving a tensor to another device: the ``to_device`` primitive behind ``Tensor.to``,
``.cuda()`` and ``.cpu()``. The gradient moves back, so a CPU leaf moved to ``cuda``
gets its gradient on the CPU."""

from __future__ import annotations

from .. import backend
from ..devices import CPU, check_device, device as Device
from ..tensor import Tensor
from .registry import apply, register


@register("to_device", saves_inputs=False)
class ToDevice:
    """z = x copied to another device; dx = g copied back to x's device"""

    def forward(ctx, x, device):
        ctx.source = backend.device_of(x)
        out = backend.to_device(x, device)
        return x.copy() if out is x else out  # a new array even when nothing moves

    def vjp(ctx, g):
        return backend.to_device(g, ctx.source)


def to_device(x: Tensor, device: Device) -> Tensor:
    """A copy of ``x`` on ``device`` (a checked device: ``devices.check_device``),
    differentiable: the gradient comes back to ``x``'s device."""
    return apply(ToDevice, x, device=device)


def _cuda(self: Tensor, device=None, non_blocking: bool = False) -> Tensor:
    """``x.cuda()``, ``x.cuda(1)``: ``x`` on that cuda device (itself if there already)."""
    return self.to(check_device("cuda" if device is None else device, "Tensor.cuda"))


def _cpu(self: Tensor, memory_format=None) -> Tensor:
    """``x.cpu()``: ``x`` on the host (itself if there already)."""
    return self.to(CPU)


def _pin_memory(self: Tensor, device=None) -> Tensor:
    """``x.pin_memory()``: ``x`` itself (host memory is not page-locked here; a move to a
    device is a synchronous copy either way)."""
    return self


def _is_pinned(self: Tensor, device=None) -> bool:
    return False


# Tensor methods written here (as ops/methods.py attaches the ops): tensor.py stays
# within its size budget
Tensor.cuda, Tensor.cpu = _cuda, _cpu
Tensor.pin_memory, Tensor.is_pinned = _pin_memory, _is_pinned
