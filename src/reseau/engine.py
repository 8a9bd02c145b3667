"""The backward engine: graph nodes and reverse-mode differentiation.

A graph is built on the fly: every differentiable operation whose inputs require a
gradient returns a tensor whose ``grad_fn`` is a :class:`Node`. The node holds the
operation, its inputs and whatever the forward saved for the backward (the node *is*
the ``ctx`` the op's forward and VJP share). The output tensor points at its node and
the node points at the inputs, never back at the output, so a step's graph is freed by
reference counting as soon as the last tensor of it is dropped.

``backward`` walks the graph once in topological order (nodes are taken from a heap by
decreasing creation number: iterative, so a chain of 100,000 ops is fine), calls each
node's vector-Jacobian product, sums each gradient back to its input's shape
(:func:`unbroadcast`), and accumulates where paths meet.

The gradient mode (``no_grad``, ``detect_anomaly``...) lives in ``grad_mode.py``; the
public names users reach for (``torch.autograd.no_grad``) are gathered in ``autograd.py``.
"""

from __future__ import annotations

import itertools
import os
import traceback
import weakref
from heapq import heappop, heappush

import numpy as np

from . import backend
from .grad_mode import _Mode

__all__ = ["Node", "backward", "input_edges", "may_keep", "unbroadcast"]

#: the recorder of ``reseau.compile`` while a step is being recorded, else None: backward
#: tells it which VJPs ran, in which order, and where each gradient went
_recorder = None


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_site() -> str:
    """The innermost stack frame outside the reseau package: where the user created
    the operation."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return (f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
                    f"    {frame.line}")
    return "<unknown>"


class Node:
    """One operation in the graph, and the ``ctx`` its forward and VJP share.

    The forward stores what the backward needs as attributes (``ctx.x = x``). The
    engine sets ``inputs`` (the input tensors) and ``needs_input_grad`` (which of them
    need a gradient), so that a VJP computes nothing for constants.
    """

    # class-level defaults, overridden per instance only when used
    inputs: tuple = ()
    edges: tuple | None = None  # each input's grad_fn when the node was made (see input_edges)
    needs_input_grad: tuple = ()
    versions: tuple | None = None
    site: str | None = None
    retained = None  # weakref to the output tensor when .retain_grad() was called
    freed = False
    seq = 0  # creation order, set by the op that builds the node (see backward)

    @property
    def name(self) -> str:
        return self.op.name

    def __repr__(self) -> str:  # PyTorch's: <MulBackward0 object at 0x...>
        return f"<{self.op.node_module}{self.op.backward_name} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the graph: ``(node, 0)`` per input, where a leaf that
        requires a gradient shows as ``AccumulateGrad`` and a constant as ``None``."""
        return tuple((fn if fn is not None else AccumulateGrad(t) if t._requires_grad
                      else None, 0) for t, fn in zip(self.inputs, input_edges(self)))

    def _free(self) -> None:
        # drops what the forward saved; the graph's structure stays (inputs, edges), so
        # that draw_graph and next_functions still work after backward, as in PyTorch
        # a plain loop: a comprehension costs a frame, once per node of every backward
        state = self.__dict__
        kept = {"freed": True}
        for k in _STRUCTURE:
            if k in state:
                kept[k] = state[k]
        self.__dict__ = kept


#: what a node keeps after backward frees it
_STRUCTURE = ("op", "seq", "inputs", "edges", "needs_input_grad", "retained")


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the step that adds into its ``.grad``."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def input_edges(node: Node) -> tuple:
    """Where each input's gradient goes: its ``grad_fn`` as it was when ``node`` was
    made (None for a leaf). An in-place change inside a graph gives a tensor a new
    ``grad_fn``; the uses made before it still send their gradients to the old one."""
    edges = node.edges
    return edges if edges is not None else tuple([t.grad_fn for t in node.inputs])


#: creation counter of graph nodes (their topological order)
next_seq = itertools.count(1).__next__


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` back to ``shape``, undoing NumPy broadcasting: first over the leading
    axes that broadcasting added, then (keeping them) over the axes where ``shape`` has
    size 1 and the gradient does not. Called by the engine only, never by an op."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"unbroadcast: gradient of shape {grad.shape} cannot reduce to {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _fit_gradient(g, tensor, node: Node, index: int) -> np.ndarray:
    """Un-broadcast a VJP output to its input's shape and dtype, and check it."""
    shape = tensor._array.shape
    if g.shape != shape:
        g = backend.asarray(unbroadcast(g, shape))  # a sum over every axis is a scalar
        if g.shape != shape:
            raise RuntimeError(
                f"{node.op.name} backward: the gradient for input {index} has shape "
                f"{tuple(g.shape)} but the input has shape {shape} (a bug in the op's VJP)"
            )
    if g.dtype != tensor._array.dtype:
        g = g.astype(tensor._array.dtype)
    return g


def _check_finite(g: np.ndarray, node: Node, index: int) -> None:
    if not np.all(np.isfinite(g)):
        what = "NaN" if np.isnan(g).any() else "inf"
        raise RuntimeError(
            f"anomaly detected: the backward of '{node.op.name}' returned {what} in the "
            f"gradient of its input {index} (shape {tuple(g.shape)}).\n"
            "The operation was created at:\n  "
            + (node.site or "<unknown: create the graph inside detect_anomaly()>")
        )


def may_keep(gi: np.ndarray, g: np.ndarray, in_grads: tuple, inputs: tuple) -> bool:
    """The gradient-aliasing rule: whether the engine may keep ``gi``, a VJP's output,
    without a copy, and later add other gradients into it in place.

    Only an array that the VJP allocated for this one input qualifies. Not ``g``, the
    upstream gradient (it may be the user's ``gradient=`` array, or a buffer another
    node still reads); not a view (of ``g`` or of anything else: ``gi.base`` is set);
    not an array returned for two inputs (``Add`` returns ``g, g``); not the array of
    one of the node's inputs (a tensor the user holds). Anything else is copied before
    it is stored where ``+=`` may reach it. Arrays the engine allocates itself (zeros
    for a ``None`` gradient, the sums of un-broadcasting, dtype casts) are always kept.
    """
    if gi is g or gi.base is not None:
        return False
    if len(in_grads) > 1:
        n = 0
        for other in in_grads:
            if other is gi:
                n += 1
        if n > 1:
            return False
    for t in inputs:
        if t._array is gi:
            return False
    return True


def _conform(gi, node: Node, i: int, in_grads: tuple, g: np.ndarray):
    """A VJP output off the common path (None, a NumPy scalar, another shape or dtype)
    as an array of input ``i``'s shape and dtype, and whether the engine may keep it."""
    t = node.inputs[i]
    if gi is None:  # the VJP skipped an input that needs a gradient: zero
        return np.zeros_like(t._array), True
    if isinstance(gi, (np.generic, float, int)):  # NumPy returns scalars from 0-d operations
        return _fit_gradient(backend.as_result(gi, t._array), t, node, i), True  # ours
    fit = _fit_gradient(gi, t, node, i)
    if fit is not gi:  # summed or cast by the engine: a new array
        return fit, True
    return gi, may_keep(gi, g, in_grads, node.inputs)


def _accumulate_leaf(tensor, g: np.ndarray, keep: bool, make_tensor) -> None:
    """Add ``g`` into a leaf's ``.grad``. The first gradient becomes ``.grad`` as it is
    only if ``keep`` (see :func:`may_keep`), else a copy: ``.grad`` never aliases
    another array."""
    if tensor._grad is None:
        tensor._grad = make_tensor(g if keep else g.copy())
    else:
        tensor._grad._array += g


def _add_pending(node: Node, g: np.ndarray, keep: bool, pending: dict, owned: set,
                 heap: list) -> None:
    """Sum ``g`` into the gradient waiting for ``node`` (scheduling ``node`` the first
    time). A waiting gradient is added into in place only if the engine owns it
    (``owned``); otherwise the sum is a new array, which it then owns."""
    if node not in pending:
        pending[node] = g
        if keep:
            owned.add(node)
        heappush(heap, (-node.seq, node))
    elif node in owned:
        pending[node] += g
    else:
        pending[node] = pending[node] + g
        owned.add(node)


def _call_vjp(node: Node, g: np.ndarray, make_tensor) -> tuple:
    """Run ``node``'s VJP on ``g`` (after the checks), one gradient per input."""
    if node.freed:
        _raise_freed(node)
    if node.retained is not None:
        out = node.retained()
        if out is not None:
            _accumulate_leaf(out, g, False, make_tensor)
    versions = node.versions
    if versions is not None:
        for t, v in zip(node.inputs, versions):
            if t._version != v:
                _raise_modified(node)
    in_grads = node.op.vjp(node, g)
    return in_grads if type(in_grads) is tuple else (in_grads,)


def backward(root, grad: np.ndarray, make_tensor, retain_graph: bool = False,
             capture=None) -> None:
    """Backpropagate ``grad`` (d loss / d root) from ``root`` to every leaf that
    requires a gradient, accumulating into the leaves' ``.grad``. ``make_tensor``
    wraps an array as a tensor (``Tensor._make``, handed over by ``Tensor.backward``:
    the engine does not import ``tensor.py``). ``root`` and ``grad`` may be lists
    (several outputs at once, ``autograd.backward``).

    With ``capture`` (``autograd.grad``), no ``.grad`` is written: gradients go only to
    the nodes in ``capture.needed``, a VJP runs only for the nodes in ``capture.run``,
    and ``capture`` takes the gradients of the tensors it asks for (``capture.nodes``:
    a node's whole output gradient; ``capture.leaf``: a leaf's).

    Order: every node carries the sequence number of its creation, and an op's inputs
    always exist before it, so processing pending nodes from the highest number down
    (a heap) is a topological order: a node runs only after every consumer that can
    reach it from ``root`` has sent its gradient. No recursion, and no separate pass to
    count dependencies.
    """
    anomaly = _Mode.anomaly
    rec = _recorder
    if rec is not None and not rec.backward_begin(root, grad, retain_graph, capture, anomaly):
        rec = None
    pending: dict = {}  # node -> gradient of its output, summed over its consumers
    owned: set = set()  # nodes whose pending gradient the engine may add into in place
    heap: list = []
    for root, grad in zip(*((root, grad) if type(root) is list else ((root,), (grad,)))):
        node = root.grad_fn
        if node is None:
            if capture is not None:
                capture.leaf(root, grad, False)
            elif root._requires_grad:
                _accumulate_leaf(root, grad, False, make_tensor)
        elif capture is None or node in capture.needed:
            _add_pending(node, grad, False, pending, owned, heap)
    prev_mode = _Mode.grad_enabled
    _Mode.grad_enabled = False  # VJPs work on arrays; nothing they do builds a graph
    try:
        while heap:
            node = heappop(heap)[1]
            g = pending.pop(node)
            if capture is not None:
                if node in capture.nodes:
                    capture.take(capture.nodes[node], g, False)
                if node not in capture.run:
                    continue
            in_grads = _call_vjp(node, g, make_tensor)
            if rec is not None:
                rec.vjp(node)
            inputs = node.inputs
            edges = node.edges  # input_edges(node), without a call in the common case
            if edges is None:
                edges = input_edges(node)
            i = -1
            for t, need in zip(inputs, node.needs_input_grad):
                i += 1
                if not need:
                    continue
                gi = in_grads[i]
                data = t._array
                if type(gi) is np.ndarray and gi.shape == data.shape and gi.dtype is data.dtype:
                    keep = may_keep(gi, g, in_grads, inputs)  # the common case, inline
                else:
                    gi, keep = _conform(gi, node, i, in_grads, g)
                if anomaly:
                    _check_finite(gi, node, i)
                fn = edges[i]
                if rec is not None:
                    rec.edge(i, keep, fn, t)
                if fn is None:
                    if capture is None:
                        _accumulate_leaf(t, gi, keep, make_tensor)
                    else:
                        capture.leaf(t, gi, keep)
                elif capture is None or fn in capture.needed:
                    _add_pending(fn, gi, keep, pending, owned, heap)
            if not retain_graph:
                node._free()
    finally:
        _Mode.grad_enabled = prev_mode


def _raise_freed(node: Node) -> None:
    raise RuntimeError(
        f"backward: trying to backward through the graph a second time (the buffers "
        f"of '{node.op.name}' were freed by the first backward). Pass "
        "retain_graph=True to the first backward() if you need to call it twice, "
        "or recompute the forward pass."
    )


def _raise_modified(node: Node) -> None:
    for i, (t, v) in enumerate(zip(node.inputs, node.versions)):
        if t._version != v:
            raise RuntimeError(
                f"backward of '{node.op.name}': input {i} (shape {tuple(t.shape)}) was modified "
                f"in place after it was used (version {t._version}, expected {v}), and "
                "the gradient needs its old value. Use an out-of-place operation "
                "(y = y + 1 rather than y += 1) or clone the tensor before changing it."
            )


def retain(node: Node, tensor) -> None:
    node.retained = weakref.ref(tensor)
