"""``Linear``, ``Identity``, ``Flatten`` and ``Unflatten``: the layers that only reshape
or map affinely."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..dtypes import dtype_or_default
from ..ops.nn import linear
from ..registry import ACTIVATIONS
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Identity", "Flatten", "Unflatten"]


class Linear(Module):
    """Affine layer: ``y = x @ W.T + b`` with ``W`` of shape (out_features,
    in_features) and ``b`` of shape (out_features,).

    Initialised as in PyTorch: ``W ~ U(-1/sqrt(in), 1/sqrt(in))`` (``kaiming_uniform_``
    with ``a = sqrt(5)``) and ``b`` from the same interval, drawn from reseau's
    generator, so ``reseau.manual_seed`` makes it reproducible. Parameters are float32
    unless ``dtype`` (or ``reseau.set_default_dtype``) says otherwise.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> layer = nn.Linear(3, 2)
    >>> layer(reseau.randn(5, 3)).shape
    reseau.Size([5, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        for arg, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Linear: {arg} must be a non-negative int, got {v!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = dtype_or_default(dtype)
        self.weight = Parameter(backend.empty((self.out_features, self.in_features), dtype))
        if bias:
            self.bias = Parameter(backend.empty((self.out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        """Draw the weights again (PyTorch's default initialisation,
        :func:`init.layer_default_`)."""
        init.layer_default_(self.weight, self.bias, generator=generator)

    def forward(self, input: Tensor) -> Tensor:
        params = self._parameters  # direct: skips Module.__getattr__ on the hot path
        return linear(input, params["weight"], params["bias"])

    def init_kwargs(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features,
                "bias": self.bias is not None}

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


@ACTIVATIONS.register("identity")
class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored): a
    placeholder, e.g. to remove a layer from a network."""

    init_args = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Flattens dimensions ``start_dim`` to ``end_dim`` into one: (N, 28, 28) becomes
    (N, 784) with the defaults."""

    init_args = ("start_dim", "end_dim")

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension ``dim`` into ``unflattened_size`` (one entry may be -1): with
    ``Unflatten(1, (16, 5, 5))``, (N, 400) becomes (N, 16, 5, 5). The inverse of
    ``Flatten``."""

    init_args = ("dim", "unflattened_size")

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(input.shape)
        d = self.dim + len(shape) if self.dim < 0 else self.dim
        if not 0 <= d < len(shape):
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of "
                             f"shape {shape}")
        sizes = self.unflattened_size
        known = int(np.prod([s for s in sizes if s != -1]))
        if -1 in sizes:
            bad = sizes.count(-1) > 1 or known == 0 or shape[d] % known
        else:
            bad = known != shape[d]
        if bad:
            raise ValueError(f"Unflatten: cannot split dimension {self.dim} of size {shape[d]} "
                             f"(input shape {shape}) into {sizes}")
        return input.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
