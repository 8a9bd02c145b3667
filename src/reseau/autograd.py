"""``reseau.autograd``: the public autograd API, where PyTorch keeps it
(``torch.autograd.no_grad``, ``torch.autograd.Function``, ``torch.autograd.grad``).

The machinery lives below: the graph nodes and the backward pass in ``engine.py``, the
gradient mode in ``grad_mode.py``, custom functions in ``function.py``. Here: the names
users reach for, and :func:`grad` / :func:`backward`, which run the engine on several
outputs at once and, for ``grad``, collect the gradients of chosen tensors instead of
adding them to ``.grad`` (first order only: the engine differentiates arrays).
"""

from __future__ import annotations

import sys
import warnings

from . import backend, engine
from . import function  # noqa: F401 (torch.autograd.function)
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (  # noqa: F401 (re-exported: the public names of reseau.autograd)
    _decorate,
    _GradModeContext,
    _Mode,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .tensor import Tensor

# PyTorch has a module torch.autograd.function (``from torch.autograd.function import
# once_differentiable``): here it is function.py, importable under that name too, which
# takes a package path on this module (an empty one: nothing else is found below it).
__path__: list = []
sys.modules.setdefault(__name__ + ".function", function)

__all__ = [
    "Function", "FunctionCtx", "Variable", "backward", "detect_anomaly", "enable_grad",
    "grad", "inference_mode", "is_anomaly_enabled", "is_grad_enabled", "no_grad",
    "once_differentiable", "set_detect_anomaly", "set_grad_enabled",
]


class inference_mode(_GradModeContext):
    """PyTorch's ``inference_mode``: on this backend the same as ``no_grad`` (PyTorch
    also skips bookkeeping there that reseau does not have). ``inference_mode(False)``
    turns gradients on, as in PyTorch. A context manager and a decorator, with or
    without parentheses (``@inference_mode``)."""

    def __new__(cls, mode=True):
        if callable(mode):  # @inference_mode, without parentheses
            return _decorate(mode, cls)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self._enabled = not mode

    def __call__(self, fn):
        mode = not self._enabled
        return _decorate(fn, lambda: inference_mode(mode))


class set_detect_anomaly:
    """Anomaly mode (see ``detect_anomaly``) on or off at once; as a context manager,
    the previous mode comes back on exit. ``check_nan`` is accepted: the check always
    covers NaN and inf."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = _Mode.anomaly
        _Mode.anomaly = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _Mode.anomaly = self._prev
        return False


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's wrapper from before version 0.4, for old course code: every tensor is a
    ``Variable``, and ``Variable(t, requires_grad=False)`` is ``t.detach()`` (a tensor
    sharing ``t``'s memory, outside the graph) with ``requires_grad`` set."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}; wrap it with reseau.tensor(...)")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", UserWarning, stacklevel=2)
        t = data.detach()
        if requires_grad:
            t.requires_grad = True
        return t


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs`` (leaves or intermediate
    tensors), as a tuple, without touching any ``.grad``: ``sum_k grad_outputs[k] .
    d outputs[k] / d inputs[i]`` for each input ``i``.

    ``grad_outputs`` may be omitted for scalar outputs. An input that no output depends
    on is an error unless ``allow_unused=True`` (its gradient is then None) or
    ``materialize_grads=True`` (zeros). ``create_graph=True`` (gradients of gradients)
    is not supported.

    Examples
    --------
    >>> import reseau
    >>> x = reseau.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = reseau.autograd.grad((x ** 3).sum(), x)
    >>> g.tolist(), x.grad
    ([3.0, 12.0], None)
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad: create_graph=True (a graph of the gradient, for derivatives "
            "of higher order) is not supported: reseau's backward computes first-order "
            "gradients on arrays. Call grad with create_graph=False.")
    if is_grads_batched:
        raise NotImplementedError("autograd.grad: is_grads_batched=True is not supported; "
                                  "call grad once per row of grad_outputs")
    roots, grads = _roots("grad", outputs, grad_outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: inputs[{i}] is a {type(t).__name__}, "
                            "expected a Tensor")
        if not t._requires_grad:
            raise RuntimeError(
                f"autograd.grad: one of the differentiated Tensors does not require grad "
                f"(inputs[{i}], shape {tuple(t.shape)}); create it with requires_grad=True")
    capture = _Capture(roots, inputs)
    engine.backward(roots, grads, Tensor._make, retain_graph=bool(retain_graph),
                    capture=capture)
    if allow_unused is None:
        allow_unused = materialize_grads
    result = []
    seen = set()
    for i, (t, slot) in enumerate(zip(inputs, capture.slots)):
        g = capture.grads[slot]
        if g is None:
            if materialize_grads:
                g = backend.zeros(t._array.shape, t._array.dtype,
                                  device=backend.device_of(t._array))
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: the differentiated Tensor at index {i} appears to not "
                    "have been used in the graph. Set allow_unused=True if this is the "
                    "desired behavior.")
        elif slot in seen:  # the same tensor asked twice: two arrays
            g = g.copy()
        seen.add(slot)
        result.append(None if g is None else Tensor._make(g))
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None) -> None:
    """Add the gradients of ``tensors`` (one or several outputs, with ``grad_tensors``
    for those that are not scalars) to the ``.grad`` of the leaves: ``t.backward()``
    for several outputs at once, each path counted once. With ``inputs``, only those
    tensors' ``.grad`` receive it."""
    if create_graph:
        raise NotImplementedError(
            "autograd.backward: create_graph=True (derivatives of higher order) is not "
            "supported: reseau's backward computes first-order gradients.")
    if grad_tensors is None:
        grad_tensors = grad_variables
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        grads = grad(tensors, inputs, grad_tensors, retain_graph, allow_unused=True)
        for t, g in zip(inputs, grads):
            if g is not None:
                if t._grad is None:
                    t._grad = g
                else:
                    t._grad._array += g._array
        return
    roots, grads = _roots("backward", tensors, grad_tensors)
    engine.backward(roots, grads, Tensor._make, retain_graph=bool(retain_graph))


def _roots(what: str, outputs, grad_outputs) -> tuple[list, list]:
    """The outputs as a list of tensors and their gradients as arrays."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"autograd.{what}: got {len(outputs)} outputs but {len(grad_outputs)} "
            "gradients for them; pass one per output (None for a scalar output)")
    grads = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.{what}: output {i} is a {type(t).__name__}, "
                            "expected a Tensor")
        if not t._requires_grad:
            raise RuntimeError(
                f"autograd.{what}: element {i} of tensors does not require grad and does "
                "not have a grad_fn: no tensor it was computed from requires a gradient "
                "(or it was computed under no_grad())")
        arr = t._array
        if g is None:
            if arr.size != 1:
                raise RuntimeError(
                    f"autograd.{what}: grad can be implicitly created only for scalar "
                    f"outputs, but output {i} has shape {tuple(arr.shape)}; pass its "
                    "gradient (same shape) in grad_outputs")
            grads.append(backend.ones(arr.shape, arr.dtype, device=backend.device_of(arr)))
            continue
        g = g._array if isinstance(g, Tensor) else backend.asarray(g)
        if g.shape != arr.shape:
            raise RuntimeError(
                f"autograd.{what}: mismatch in shape: the gradient of output {i} has shape "
                f"{tuple(g.shape)} and the output has shape {tuple(arr.shape)}")
        grads.append(g.astype(arr.dtype, copy=False))
    return outputs, grads


class _Capture:
    """What ``engine.backward`` needs to compute the gradients of some tensors only.

    ``nodes`` and ``leaves`` map each requested tensor (by its grad_fn, or by identity
    for a leaf) to a slot of ``grads``; ``needed`` are the nodes on a path from the
    outputs to a requested tensor (the engine sends gradients to them only) and ``run``
    those of them with a requested tensor below, whose VJP must run. A node freed by an
    earlier backward (its inputs are forgotten) counts as running, so that the engine
    reports it, unless its own gradient is the one asked for.
    """

    def __init__(self, roots: list, inputs: tuple):
        self.nodes: dict = {}
        self.leaves: dict = {}
        self.grads: list = []
        self.slots = []  # input i -> its slot (the same tensor twice: one slot)
        for t in inputs:
            table, key = ((self.leaves, id(t)) if t.grad_fn is None
                          else (self.nodes, t.grad_fn))
            if key not in table:
                table[key] = len(self.grads)
                self.grads.append(None)
            self.slots.append(table[key])
        self.run: set = set()
        self.needed: set = set()
        self._walk([t.grad_fn for t in roots if t.grad_fn is not None])

    def _walk(self, starts: list) -> None:
        """Depth first from the outputs' nodes (iterative), each node decided after
        its inputs' nodes."""
        done: dict = {}  # node -> whether a requested tensor is at or below it
        for start in starts:
            stack = [(start, False)]
            while stack:
                node, inputs_done = stack.pop()
                if inputs_done:
                    below = (node.freed and node not in self.nodes) or any(
                        (id(t) in self.leaves) if fn is None else done[fn]
                        for t, fn in zip(node.inputs, engine.input_edges(node)))
                    if below:
                        self.run.add(node)
                    if below or node in self.nodes:
                        done[node] = True
                        self.needed.add(node)
                    continue
                if node in done:
                    continue
                done[node] = False
                stack.append((node, True))
                for fn in engine.input_edges(node):
                    if fn is not None and fn not in done:
                        stack.append((fn, False))

    def take(self, slot: int, g, keep: bool) -> None:
        """Add ``g`` to a requested gradient (a copy unless the engine owns ``g``)."""
        old = self.grads[slot]
        self.grads[slot] = (g if keep else g.copy()) if old is None else old + g

    def leaf(self, t, g, keep: bool) -> None:
        slot = self.leaves.get(id(t))
        if slot is not None:
            self.take(slot, g, keep)
