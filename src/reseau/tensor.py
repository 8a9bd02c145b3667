"""``Tensor``: an array (slot ``_array``) plus, when it requires a gradient, a graph node.

The arithmetic lives in ``reseau.ops`` (one registered primitive per operation, forward
and VJP side by side); the methods and operators here are written out one by one and
call into it through one name, ``ops``, imported at the bottom of this file: the core's
one import that points back up (the ops build Tensors). The backward engine
(``engine``) does not import this file: ``backward`` hands it ``Tensor._make``.
"""

from __future__ import annotations

import numpy as np

from . import backend, engine
from .devices import CPU, check_device, device as Device, get_default_device, is_device_name
from .dtypes import LEGACY_DTYPES, LEGACY_NAMES, DType, as_dtype, is_floating, public_dtype
from .grad_mode import is_grad_enabled
from .printing import tensor_repr
from .size import Size

__all__ = ["Tensor", "as_dtype", "to_dtype_arg"]

_new = object.__new__  # Tensor._make skips __init__ (no copy, no checks)


class Tensor:
    """An n-dimensional array that records the operations applied to it, so that
    ``backward()`` can compute gradients by reverse-mode differentiation.

    Examples
    --------
    >>> import reseau
    >>> u, v, w = (reseau.tensor(x, requires_grad=True) for x in (2.0, 3.0, 4.0))
    >>> f = (u + v) * w
    >>> f.backward()
    >>> f.item(), u.grad.item(), w.grad.item()
    (20.0, 4.0, 5.0)
    """

    __slots__ = ("_array", "_grad", "grad_fn", "_requires_grad", "_version", "name", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, *args, dtype=None, requires_grad: bool = False):
        # PyTorch's legacy constructor: Tensor(2, 3) is a 2x3 tensor (zeros here, where
        # PyTorch leaves memory uninitialised); Tensor(data) holds data in the default
        # float dtype. reseau.tensor(data) is the constructor that infers the dtype.
        if args and isinstance(args[0], Tensor):
            args = (args[0]._array,) + args[1:]
        self._set_slots(backend.legacy_array(args, dtype))
        if requires_grad:
            self.requires_grad = True

    def _set_slots(self, data: np.ndarray, grad_fn=None) -> None:
        """Give every slot its first value: the one place that lists them, for
        ``__init__``, ``_make`` and the subclasses (``nn.Parameter``, ``nn.Buffer``)."""
        self._array = data
        self._grad = None
        self.grad_fn = grad_fn
        self._requires_grad = grad_fn is not None
        self._version = 0
        self.name = None

    @staticmethod
    def _of(data, dtype=None, device=None) -> "Tensor":
        """A tensor holding a copy of ``data`` with the policy's dtype (``reseau.tensor``)."""
        return Tensor._make(backend.from_data(data._array if isinstance(data, Tensor) else data,
                                              dtype, device))

    @classmethod
    def _make(cls, data: np.ndarray, grad_fn=None) -> "Tensor":
        """Wrap an array without copying or checking (the engine's fast path)."""
        t = _new(cls)  # _set_slots written out (the engine's hottest call): keep them alike
        t._array, t._grad, t.grad_fn, t._requires_grad = data, None, grad_fn, grad_fn is not None
        t._version, t.name = 0, None
        return t

    @property
    def data(self) -> "Tensor":
        """PyTorch's ``.data``: the same values as a tensor outside the graph, sharing
        this tensor's memory, so ``p.data -= lr * p.grad`` or ``p.data.normal_()``
        change ``p`` in place. Autograd does not see such changes (the alias has its
        own version counter, as in PyTorch): use it for updates, not inside a model."""
        return Tensor._make(self._array)

    @data.setter
    def data(self, value) -> None:
        # ``p.data = t`` (and the write-back of ``p.data += t``): p takes t's array
        self._array = value._array if isinstance(value, Tensor) else backend.asarray(value)

    # ----------------------------------------------------------------- autograd
    @property
    def grad(self) -> "Tensor | None":
        """The gradient accumulated by ``backward()`` (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad: expected a Tensor or None, got {type(value).__name__}; wrap an "
                    "array with reseau.tensor(...)"
                )
            if value._array.shape != self._array.shape:
                raise RuntimeError(
                    f"grad: the assigned gradient has shape {value._array.shape} but the tensor "
                    f"has shape {self._array.shape}; they must match"
                )
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(
                    f"grad: the assigned gradient has dtype {value._array.dtype} but the tensor "
                    f"has dtype {self._array.dtype}; convert it with .to({self._array.dtype})"
                )
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not is_floating(self._array.dtype):
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype "
                f"{self._array.dtype}; convert first, e.g. x.float()"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be turned off on leaf tensors; use .detach() "
                "to get a tensor outside the graph"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Compute the gradient of this tensor with respect to every leaf of its graph
        that requires one, and add it to their ``.grad``. A non-scalar tensor needs
        ``gradient`` (d loss / d self, same shape)."""
        if not self._requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require a gradient and has no grad_fn: "
                "none of the tensors it was computed from has requires_grad=True "
                "(or it was computed under no_grad())"
            )
        if gradient is None:
            if self._array.size != 1:
                raise RuntimeError(
                    f"backward: gradient can be implicitly created only for scalar outputs, "
                    f"but this tensor has shape {tuple(self.shape)}; reduce it first (e.g. "
                    "loss.sum() or loss.mean()) or pass gradient= of the same shape"
                )
            data = self._array  # d loss / d loss = 1 (array(1): cheaper than ones for 0-d)
            d = CPU if type(data) is np.ndarray else backend.device_of(data)
            grad = (backend.array(1, data.dtype, d) if data.ndim == 0
                    else backend.ones(data.shape, data.dtype, d))
        else:
            grad = (gradient._array if isinstance(gradient, Tensor)
                    else backend.asarray(gradient, device=self.device))  # data: on our device
            if grad.shape != self._array.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {tuple(grad.shape)} but the tensor has shape "
                    f"{tuple(self.shape)}; they must match"
                )
            grad = grad.astype(self._array.dtype, copy=False)
        engine.backward(self, grad, Tensor._make, retain_graph=retain_graph)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require a gradient")
        if self.grad_fn is not None:
            engine.retain(self.grad_fn, self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def detach(self) -> "Tensor":
        """The same data outside the graph (shares memory)."""
        return Tensor._make(self._array)

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------ array facts
    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    @property
    def dtype(self) -> DType:
        return public_dtype(self._array.dtype)

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def device(self) -> Device:
        return backend.device_of(self._array)

    is_cuda = property(lambda self: self.device.type == "cuda", doc="On a cuda device?")

    def get_device(self) -> int:
        return -1 if type(self._array) is np.ndarray else self.device.index  # -1: the CPU

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    def dim(self) -> int:
        return self._array.ndim

    def size(self, dim: int | None = None):
        return Size(self._array.shape) if dim is None else self._array.shape[dim]

    def numel(self) -> int:
        return self._array.size

    def element_size(self) -> int:
        return self._array.itemsize

    def stride(self, dim: int | None = None):  # in elements, as PyTorch counts them
        strides = tuple(st // self._array.itemsize for st in self._array.strides)
        return strides if dim is None else strides[dim]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._array.flags.c_contiguous)

    def data_ptr(self) -> int:
        return self._array.__array_interface__["data"][0]

    # x.new_zeros(...): a new tensor of x's dtype (and device), as PyTorch's new_* methods
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> "Tensor":
        device = self.device if device is None else check_device(device, "new_tensor")
        return Tensor._of(data, dtype or self._array.dtype, device).requires_grad_(requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        size = ops._convert.shape_arg(size)
        return self.new_full(size, 0, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        size = ops._convert.shape_arg(size)
        return self.new_full(size, 1, dtype=dtype, device=device, requires_grad=requires_grad)

    new_empty = new_zeros

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        dtype = as_dtype(dtype) if dtype is not None else self._array.dtype
        device = self.device if device is None else check_device(device, "new_full")
        t = Tensor._make(backend.full(ops._convert.shape_arg((size,)), fill_value, dtype, device))
        return t.requires_grad_(requires_grad)

    nelement = numel

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def item(self):
        if self._array.size != 1:
            raise ValueError(
                f"item: only a tensor with one element can be converted to a Python "
                f"number, got shape {tuple(self.shape)}"
            )
        return self._array.item()

    def tolist(self):
        return self._array.tolist()

    def numpy(self) -> np.ndarray:
        if self._requires_grad:
            raise RuntimeError(
                "numpy: cannot convert a tensor that requires grad; use "
                "tensor.detach().numpy()"
            )
        return self.__array__()

    def __array__(self, dtype=None, copy=None):  # a device tensor: PyTorch's TypeError
        if type(self._array) is not np.ndarray and self.is_cuda:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        arr = backend.to_numpy(self._array)
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:  # classes[pred.argmax()], range(n_tensor)
        if self._array.size != 1 or self._array.dtype.kind not in "iub":
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, "
                f"got dtype {self._array.dtype} and shape {tuple(self._array.shape)}"
            )
        return int(self._array.item())

    def __format__(self, spec: str) -> str:  # f"{loss:.4f}"
        if self._array.ndim == 0:
            return format(self._array.item(), spec)
        return format(str(self), spec)

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._array)

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        """PyTorch's format: ``tensor([1., 2.], requires_grad=True)`` (see printing.py)."""
        node, d = self.grad_fn, self.device
        return tensor_repr(backend.to_numpy(self._array), node and node.op.backward_name,
                           self._requires_grad, None if d == get_default_device() else str(d))

    # ---------------------------------------------------- dtype and device casts
    def to(self, *args, dtype=None, device=None, non_blocking: bool = False,
           copy: bool = False, memory_format=None) -> "Tensor":
        """PyTorch's ``to``: ``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``,
        ``x.to(other)`` (its dtype and device). A string names a device (``"cuda"`` is a
        device, never a dtype). Moving copies (differentiable: the gradient moves back);
        ``non_blocking`` and ``memory_format`` change nothing."""
        dtype, device = to_dtype_arg(args, dtype, device, "Tensor.to")
        out = self if device is None or device == self.device else ops.to_device(self, device)
        out = out if dtype is None else ops.cast(out, as_dtype(dtype))
        return ops.clone(out) if copy and out is self else out

    def type(self, dtype=None, non_blocking: bool = False):
        """``x.type()`` names the legacy type (``'reseau.FloatTensor'``); ``x.type(d)``
        casts to the dtype ``d`` (a dtype or a legacy type name)."""
        if dtype is None:
            return f"reseau.{'cuda.' * self.is_cuda}{LEGACY_NAMES.get(self._array.dtype, 'Tensor')}"
        if isinstance(dtype, str) and dtype.rsplit(".", 1)[-1] in LEGACY_DTYPES:
            dtype = LEGACY_DTYPES[dtype.rsplit(".", 1)[-1]]
        return self.to(getattr(dtype, "legacy_dtype", dtype))

    def float(self) -> "Tensor":
        return ops.cast(self, np.dtype(np.float32))

    def double(self) -> "Tensor":
        return ops.cast(self, np.dtype(np.float64))

    def long(self) -> "Tensor":
        return ops.cast(self, np.dtype(np.int64))

    def int(self) -> "Tensor":
        return ops.cast(self, np.dtype(np.int32))

    def bool(self) -> "Tensor":
        return ops.cast(self, np.dtype(np.bool_))

    def clone(self) -> "Tensor":
        return ops.clone(self)

    # ----------------------------------------------------------- in place
    def _check_inplace(self, what: str) -> None:
        if self._requires_grad and is_grad_enabled() and self.grad_fn is None:
            raise RuntimeError(
                f"{what}: a leaf tensor that requires grad cannot be changed in place "
                "while gradients are recorded; wrap the update in `with reseau.no_grad():`"
            )

    def _in_graph(self, other=None) -> bool:
        """Whether an in-place change of this tensor (by ``other``) is recorded (then
        ``_record_inplace`` refuses a leaf that requires grad; otherwise the array is
        changed directly, and no check is needed: nothing records)."""
        return is_grad_enabled() and (self._requires_grad or (
            isinstance(other, Tensor) and other._requires_grad))

    def _record_inplace(self, what: str, result_of) -> "Tensor":
        """An in-place change inside a graph, as PyTorch records it: ``result_of`` (the
        out-of-place op) is applied to this tensor's current value, and its result
        becomes this tensor's value and ``grad_fn``. The old array is left as it was,
        so nodes that saved it still read the right values; the version counter moves
        on, so a node that recorded this tensor's version refuses to run backward."""
        self._check_inplace(what)
        old = Tensor._make(self._array, self.grad_fn)
        old._requires_grad, old._version = self._requires_grad, self._version
        new = result_of(old)
        self._array, self.grad_fn = new._array, new.grad_fn
        self._requires_grad = new._requires_grad
        return self._bump()

    def _bump(self) -> "Tensor":
        self._version += 1
        return self

    def zero_(self) -> "Tensor":
        if self._in_graph():
            return self._record_inplace("zero_", lambda old: ops.setitem(old, ..., 0))
        self._array[...] = 0
        return self._bump()

    def fill_(self, value) -> "Tensor":
        if self._in_graph(value):
            return self._record_inplace("fill_", lambda old: ops.setitem(old, ..., value))
        self._array[...] = value
        return self._bump()

    def copy_(self, src, non_blocking: bool = False) -> "Tensor":
        if self._in_graph(src):
            return self._record_inplace("copy_", lambda old: ops.setitem(old, ..., src))
        src = backend.to_device(src._array, self.device) if isinstance(src, Tensor) else src
        self._array[...] = src  # across devices too, as PyTorch's copy_
        return self._bump()

    def _inplace_binary(self, ufunc, other, what: str) -> "Tensor":
        if self._in_graph(other):
            op = getattr(ops, _INPLACE_OPS[ufunc])
            return self._record_inplace(what, lambda old: op(old, other))
        ufunc(self._array, other._array if isinstance(other, Tensor) else other, out=self._array,
              casting="same_kind")
        return self._bump()

    def add_(self, other, alpha=1) -> "Tensor":
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary(np.add, other, "add_")

    def sub_(self, other, alpha=1) -> "Tensor":
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary(np.subtract, other, "sub_")

    def mul_(self, other) -> "Tensor":
        return self._inplace_binary(np.multiply, other, "mul_")

    def div_(self, other) -> "Tensor":
        return self._inplace_binary(np.true_divide, other, "div_")

    def clamp_(self, min=None, max=None) -> "Tensor":
        if self._in_graph():
            return self._record_inplace("clamp_", lambda old: ops.clamp(old, min, max))
        np.clip(self._array, min, max, out=self._array)
        return self._bump()

    def _iop(self, other, op, ufunc, what):
        # Under no_grad (an optimizer step written by hand) this changes the array in
        # place; when a graph is being recorded it is the out-of-place operation,
        # rebinding the name, which gives the same gradients.
        other_rg = isinstance(other, Tensor) and other._requires_grad
        if is_grad_enabled() and (self._requires_grad or other_rg):
            if self._requires_grad and self.grad_fn is None:
                self._check_inplace(what)
            return op(self, other)
        return self._inplace_binary(ufunc, other, what)

    def __iadd__(self, other):
        return self._iop(other, ops.add, np.add, "+=")

    def __isub__(self, other):
        return self._iop(other, ops.sub, np.subtract, "-=")

    def __imul__(self, other):
        return self._iop(other, ops.mul, np.multiply, "*=")

    def __itruediv__(self, other):
        return self._iop(other, ops.div, np.true_divide, "/=")

    # ------------------------------------------------------------ operators
    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.pow(self, other)
    def __rpow__(self, other): return ops.pow(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    def __eq__(self, other): return ops.eq(self, other)  # type: ignore[override]
    def __ne__(self, other): return ops.ne(self, other)  # type: ignore[override]
    def __lt__(self, other): return ops.lt(self, other)
    def __le__(self, other): return ops.le(self, other)
    def __gt__(self, other): return ops.gt(self, other)
    def __ge__(self, other): return ops.ge(self, other)

    def __setitem__(self, index, value) -> None:
        if self._in_graph(value):  # dlogits[range(n), Yb] -= 1 in a hand-written backprop
            self._record_inplace("__setitem__", lambda old: ops.setitem(old, index, value))
            return
        if isinstance(index, Tensor):
            index = index._array
        self._array[index] = value._array if isinstance(value, Tensor) else value
        self._bump()

    # ------------------------------------------------------------ math methods
    def add(self, other, alpha=1): return ops.add(self, other, alpha)
    def sub(self, other, alpha=1): return ops.sub(self, other, alpha)
    def mul(self, other): return ops.mul(self, other)
    def div(self, other, rounding_mode=None): return ops.div(self, other, rounding_mode)
    def pow(self, exponent): return ops.pow(self, exponent)
    def matmul(self, other): return ops.matmul(self, other)
    def neg(self): return ops.neg(self)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def abs(self): return ops.abs(self)
    def sign(self): return ops.sign(self)
    def clamp(self, min=None, max=None): return ops.clamp(self, min, max)
    def clip(self, min=None, max=None): return ops.clamp(self, min, max)
    def relu(self): return ops.relu(self)
    def sigmoid(self): return ops.sigmoid(self)
    def tanh(self): return ops.tanh(self)
    def softmax(self, dim=None, dtype=None, **kw): return ops.softmax(self, dim, dtype, **kw)
    def log_softmax(self, dim=None, dtype=None, **kw):
        return ops.log_softmax(self, dim, dtype, **kw)
    def logsumexp(self, dim=None, keepdim=False, **kw):
        return ops.logsumexp(self, dim, keepdim, **kw)
    def maximum(self, other): return ops.maximum(self, other)
    def minimum(self, other): return ops.minimum(self, other)

    def sum(self, dim=None, keepdim=False, **kw): return ops.sum(self, dim, keepdim, **kw)
    def mean(self, dim=None, keepdim=False, **kw): return ops.mean(self, dim, keepdim, **kw)
    def var(self, dim=None, unbiased=None, keepdim=False, **kw):
        return ops.var(self, dim, unbiased, keepdim, **kw)
    def std(self, dim=None, unbiased=None, keepdim=False, **kw):
        return ops.std(self, dim, unbiased, keepdim, **kw)
    def max(self, dim=None, keepdim=False, **kw): return ops.max(self, dim, keepdim, **kw)
    def min(self, dim=None, keepdim=False, **kw): return ops.min(self, dim, keepdim, **kw)
    def amax(self, dim=None, keepdim=False, **kw): return ops.amax(self, dim, keepdim, **kw)
    def amin(self, dim=None, keepdim=False, **kw): return ops.amin(self, dim, keepdim, **kw)
    def argmax(self, dim=None, keepdim=False, **kw): return ops.argmax(self, dim, keepdim, **kw)
    def argmin(self, dim=None, keepdim=False, **kw): return ops.argmin(self, dim, keepdim, **kw)
    def any(self, dim=None, keepdim=False, **kw): return ops.any(self, dim, keepdim, **kw)
    def all(self, dim=None, keepdim=False, **kw): return ops.all(self, dim, keepdim, **kw)
    def isfinite(self): return Tensor._make(np.isfinite(self._array))
    def isnan(self): return Tensor._make(np.isnan(self._array))
    def isinf(self): return Tensor._make(np.isinf(self._array))

    def reshape(self, *shape): return ops.reshape(self, *shape)
    def view(self, *shape): return ops.reshape(self, *shape)
    def view_as(self, other): return ops.reshape(self, other.shape)
    def flatten(self, start_dim=0, end_dim=-1): return ops.flatten(self, start_dim, end_dim)
    def transpose(self, dim0, dim1): return ops.transpose(self, dim0, dim1)
    def t(self): return ops.transpose(self, 0, 1) if self.ndim == 2 else self
    def permute(self, *dims): return ops.permute(self, *dims)
    def squeeze(self, dim=None): return ops.squeeze(self, dim)
    def unsqueeze(self, dim): return ops.unsqueeze(self, dim)
    def expand(self, *shape): return ops.expand(self, *shape)
    def expand_as(self, other): return ops.expand(self, other.shape)

    # more methods (sin, mm, sort, gather, flip, tril...): op functions, see ops/methods.py

    @property
    def T(self):
        n = self._array.ndim
        return ops.permute(self, (1, 0) if n == 2 else tuple(range(n - 1, -1, -1)))


def to_dtype_arg(args: tuple, dtype, device, what: str):
    """The dtype and the checked device that ``to(*args, dtype=, device=)`` asks for
    (None: keep it): a tensor gives its dtype and device, a device object, an index or a
    device string (``"cuda"``: never a dtype) the device, anything else the dtype
    (``Tensor.to`` and ``Module.to`` read their arguments alike)."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a._array.dtype, a.device
        elif isinstance(a, (Device, int)) or (isinstance(a, str) and is_device_name(a)):
            device = a
        elif a is not None:
            dtype = a
    return dtype, None if device is None else check_device(device, what)


# The one import of ops (the core's one back-edge): the ops build Tensors, so they are
# imported after the class is defined, and every method above calls through this name.
from . import ops  # noqa: E402

# the out-of-place op an in-place arithmetic method records when it is part of a graph
_INPLACE_OPS = {np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "div"}
