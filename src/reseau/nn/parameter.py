"""``Parameter``: a tensor that a Module trains.

A Parameter is a plain :class:`~reseau.Tensor` (a marker subclass, never a wrapper), so
``p._array``, ``p.grad`` and every tensor method work on it directly. Assigning one to an
attribute of a :class:`~reseau.nn.Module` registers it.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A tensor registered as a trainable parameter when assigned to a Module attribute.

    Parameters
    ----------
    data : Tensor, ndarray or None
        The values; a Tensor's or an ndarray's memory is shared, not copied (as in
        PyTorch). ``None`` gives an empty float tensor.
    requires_grad : bool
        True by default.

    Examples
    --------
    >>> import reseau
    >>> w = reseau.nn.Parameter(reseau.zeros(2, 3))
    >>> w.requires_grad, w.shape
    (True, reseau.Size([2, 3]))
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = backend.empty((0,))
        elif isinstance(data, Tensor):
            arr = data._array
        elif isinstance(data, np.ndarray) or backend.device_of(data).type != "cpu":
            arr = data  # a host array or a device one (layers built on a cuda default device)
        else:
            raise TypeError(
                f"Parameter: expected a Tensor or a numpy.ndarray, got {type(data).__name__}; "
                "build the tensor first, e.g. Parameter(reseau.tensor([1.0, 2.0]))"
            )
        # Tensor.__init__ would copy the array; a Parameter shares it (PyTorch's rule).
        self._set_slots(arr)
        if requires_grad:
            self.requires_grad = True  # the setter refuses integer dtypes with a clear error

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A marker: assigning ``Buffer(t)`` to a Module attribute registers ``t`` as a
    buffer (saved in ``state_dict``, never trained), like ``register_buffer``;
    ``persistent=False`` keeps it out of ``state_dict``. The module stores a plain
    tensor sharing the memory."""

    __slots__ = ("persistent",)

    def __init__(self, data, persistent: bool = True):
        arr = data._array if isinstance(data, Tensor) else backend.asarray(data)
        self._set_slots(arr)
        self.persistent = persistent
