"""``parameters_to_vector`` and ``vector_to_parameters``: every parameter as one flat
vector, and back (PyTorch's ``torch.nn.utils``)."""

from __future__ import annotations

from ...autograd import no_grad
from ...ops.shape import cat
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """The parameters flattened and joined, in order (differentiable).

    Examples
    --------
    >>> from reseau import nn
    >>> from reseau.nn.utils import parameters_to_vector
    >>> tuple(parameters_to_vector(nn.Linear(3, 2).parameters()).shape)
    (8,)
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the vector ``vec`` into the parameters, in place."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got "
                        f"{type(vec).__name__ if not isinstance(vec, Tensor) else vec.shape}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} entries but the "
                         f"parameters hold {total}")
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p._array[...] = vec._array[start:start + n].reshape(p._array.shape)
            p._version += 1
            start += n
