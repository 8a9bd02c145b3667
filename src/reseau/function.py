"""``reseau.autograd.Function``: an operation whose forward and backward the user writes
in Python, on Tensors, as ``torch.autograd.Function``::

    class MyReLU(reseau.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[x < 0] = 0
            return grad_input

    y = MyReLU.apply(x)      # y.grad_fn is <MyReLUBackward>

How it fits the engine: ``apply`` runs ``forward`` under ``no_grad`` and, when an input
requires a gradient, gives the output a graph :class:`~reseau.engine.Node` like any
primitive's, whose op (an ``OpDef`` made once per subclass, named after it) has a VJP
that wraps the gradient arrays as Tensors, calls the user's ``backward`` and unwraps
what it returns. The ``ctx`` is a separate object held by the node (its
``needs_input_grad`` has one entry per argument of ``forward``, the node's one per
tensor input), dropped with everything else when backward frees the node.

Several outputs: an engine node has one output, so each differentiable output gets a
small node of its own (same name) whose VJP hands its gradient to the function's node,
and which feeds it through a 0-d stand-in tensor; the function's node runs after all
of them (it was created first: see ``engine.backward``), with every output's gradient.

Higher-order derivatives are out of scope (the engine differentiates arrays):
``backward`` runs with grad mode off, and ``once_differentiable`` changes nothing.
"""

from __future__ import annotations

import inspect
import warnings
import weakref

import numpy as np

from . import backend
from .dtypes import is_floating
from .engine import Node, _user_site, next_seq
from .grad_mode import _Mode, no_grad
from .ops.registry import OpDef
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class _FunctionOp(OpDef):
    """The op of a custom Function's nodes: named after the class, and shown as PyTorch
    shows it, ``grad_fn=<MyReLUBackward>`` (no ``0``, the class name as written)."""

    @property
    def backward_name(self) -> str:
        return f"{self.name}Backward"

    #: where PyTorch says a custom function's node comes from, in its repr
    node_module = "reseau.autograd.function."


def once_differentiable(fn):
    """Mark a ``backward`` as not differentiable itself (PyTorch's decorator).

    Here it returns ``fn`` unchanged: reseau computes first-order gradients only, and
    every ``backward`` already runs with grad mode off."""
    return fn


class _SavedOutput:
    """A saved tensor that is also an output of the function: held weakly, since the
    output points at the node that holds the ctx (a strong reference would make a
    cycle and keep the graph alive after the last tensor of it is dropped)."""

    __slots__ = ("ref", "array")

    def __init__(self, tensor: Tensor):
        self.ref = weakref.ref(tensor)
        self.array = tensor._array


class FunctionCtx:
    """The ``ctx`` that ``forward`` and ``backward`` share.

    ``ctx.save_for_backward(*tensors)`` and ``ctx.saved_tensors`` carry tensors (checked
    for in-place changes); any other value is kept as an attribute (``ctx.k = k``).
    ``ctx.needs_input_grad`` has one bool per argument of ``forward``.
    """

    def __init__(self, name: str, needs_input_grad: tuple):
        self._name = name
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved: tuple = ()
        self._versions: tuple | None = None  # set when forward returns
        self._non_differentiable: tuple = ()
        self._dirty: tuple = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` (Tensors or None) for ``backward``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"{self._name}.forward: save_for_backward can only save tensors (or "
                    f"None), but argument {i} is a {type(t).__name__}; keep other values "
                    f"as attributes of ctx instead (ctx.value = value)"
                )
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``. Raises if one was changed in place
        since ``forward`` returned: ``backward`` would read the new values."""
        if self._versions is None:  # still inside forward
            return self._saved
        out = []
        for i, (t, version) in enumerate(zip(self._saved, self._versions)):
            if type(t) is _SavedOutput:
                alive = t.ref()
                t = alive if alive is not None else Tensor._make(t.array)
            if t is not None and t._version != version:
                raise RuntimeError(
                    f"{self._name}Backward: one of the variables needed for gradient "
                    f"computation has been modified by an inplace operation: saved tensor "
                    f"{i} (shape {tuple(t.shape)}, {t._array.dtype}) is at version "
                    f"{t._version}; expected version {version} instead. Change it out of "
                    "place (y = y * 2 rather than y *= 2) or save a .clone() of it."
                )
            out.append(t)
        return tuple(out)

    @property
    def saved_variables(self) -> tuple:
        """The old name of ``saved_tensors`` (deprecated, as in PyTorch)."""
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'",
                      DeprecationWarning, stacklevel=2)
        return self.saved_tensors

    def _freeze(self, outputs: tuple) -> None:
        """Record the versions of the saved tensors (forward has returned) and hold the
        saved outputs weakly (see :class:`_SavedOutput`)."""
        outs = {id(o) for o in outputs if isinstance(o, Tensor) and o.grad_fn is not None}
        self._versions = tuple(None if t is None else t._version for t in self._saved)
        self._saved = tuple(_SavedOutput(t) if id(t) in outs else t for t in self._saved)

    def mark_non_differentiable(self, *outputs) -> None:
        """Outputs that get no gradient (indices, masks): they do not require grad, and
        ``backward`` receives zeros (or None, see ``set_materialize_grads``) for them."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors) -> None:
        """Accepted for PyTorch's code. An input changed in place by ``forward`` and
        returned keeps its own history here: use the tensor that ``apply`` returns."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` receives zeros (True, the default) or None for outputs
        whose gradient was not computed."""
        self.materialize_grads = bool(value)


class Function:
    """Base class of operations written by the user: subclass it with a static
    ``forward(ctx, *args)`` and a static ``backward(ctx, *grad_outputs)`` returning one
    gradient per argument of ``forward`` (None where there is none), and call
    ``MyFunction.apply(*args)``.

    Examples
    --------
    >>> import reseau
    >>> class Cube(reseau.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * 3 * x ** 2
    >>> x = reseau.tensor(2.0, requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y.backward()
    >>> y.item(), x.grad.item(), y
    (8.0, 12.0, tensor(8., grad_fn=<CubeBackward>))
    """

    _backward_op: OpDef
    _output_op: OpDef

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        doc = f"custom Function {cls.__qualname__} (forward and backward written in Python)"
        cls._backward_op = _FunctionOp(cls.__name__, cls.forward, _function_vjp, doc,
                                       saves_inputs=False)
        cls._output_op = _FunctionOp(cls.__name__, None, _output_vjp, doc, saves_inputs=False)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            f"{type(self).__name__}: legacy autograd function with non-static forward "
            "method is not supported. Make forward and backward @staticmethod, and call "
            f"{type(self).__name__}.apply(...) on the class, not on an instance."
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function of a custom autograd.Function "
            "(a @staticmethod forward(ctx, *args) returning a Tensor or a tuple of them)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement the backward function of a custom autograd.Function "
            "(a @staticmethod backward(ctx, *grad_outputs) returning one gradient per "
            "input of forward)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's optional split: ``forward(*args)`` without ctx, then
        ``setup_context(ctx, inputs, output)`` saves what backward needs."""
        raise NotImplementedError("setup_context is not overridden")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and, if one of the tensors among them requires a
        gradient (and grad mode is on), record the operation in the graph."""
        if kwargs:  # as PyTorch: keyword arguments become positional ones
            args = _bind(cls, args, kwargs)
        needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        ctx = FunctionCtx(cls.__name__, needs)
        track = _Mode.grad_enabled and any(needs)
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                result = cls.forward(*args)
                cls.setup_context(ctx, args, result)
            else:
                result = cls.forward(ctx, *args)
        if not track:
            return result
        return _connect(cls, ctx, args, needs, result)


def _bind(cls, args: tuple, kwargs: dict) -> tuple:
    params = list(inspect.signature(cls.forward).parameters.values())
    if cls.setup_context is Function.setup_context:
        params = params[1:]  # ctx
    sig = inspect.Signature(params)
    try:
        return sig.bind(*args, **kwargs).args
    except TypeError as e:
        raise TypeError(f"{cls.__name__}.apply: {e}") from None


def _connect(cls, ctx: FunctionCtx, args: tuple, needs: tuple, result):
    """Attach a graph node to the outputs of ``forward`` (the tracked case of apply)."""
    outs = result if isinstance(result, tuple) else (result,)
    node = Node()
    node.op = cls._backward_op
    node.function = cls
    node.ctx = ctx
    node.positions = tuple([i for i, n in enumerate(needs) if n])
    node.inputs = tuple([args[i] for i in node.positions])
    node.needs_input_grad = (True,) * len(node.positions)
    node.arg_is_tensor = tuple([isinstance(a, Tensor) for a in args])
    node.out_meta = tuple([(o._array.shape, o._array.dtype) if isinstance(o, Tensor) else None
                           for o in outs])
    node.seq = next_seq()
    if _Mode.anomaly:
        node.site = _user_site()
    skip = {id(t) for t in ctx._non_differentiable}
    diff = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and id(o) not in skip
            and is_floating(o._array.dtype)]  # integer outputs never require grad
    taken = {id(a) for a in args if isinstance(a, Tensor)}
    outs = list(outs)
    if len(diff) == 1:
        node.single = diff[0]
        outs[diff[0]] = _attach(outs[diff[0]], node, taken)
    elif diff:
        node.single = None
        node.out_grads = [None] * len(outs)
        stand_in = Tensor._make(backend.zeros((), outs[diff[0]]._array.dtype), node)
        for k in diff:  # created after the function's node: they run before it
            sel = Node()
            sel.op = cls._output_op
            sel.index = k
            sel.inputs = (stand_in,)
            sel.needs_input_grad = (True,)
            sel.seq = next_seq()
            outs[k] = _attach(outs[k], sel, taken)
            taken.add(id(outs[k]))  # the same tensor returned twice: alias the second
    ctx._freeze(tuple(outs))
    return tuple(outs) if isinstance(result, tuple) else outs[0]


def _attach(out: Tensor, node: Node, taken: set) -> Tensor:
    """``out`` with ``node`` as its grad_fn. A tensor that is an input (or already part
    of a graph) keeps its history; the result is then a new tensor on the same array."""
    if id(out) in taken or out._requires_grad:
        return Tensor._make(out._array, node)
    out.grad_fn = node
    out._requires_grad = True
    return out


def _output_vjp(sel: Node, g: np.ndarray):
    """VJP of output ``sel.index`` of a multi-output function: store ``g`` on the
    function's node (which runs later) and send a zero through the 0-d stand-in."""
    stand_in = sel.inputs[0]
    grads = stand_in.grad_fn.out_grads
    k = sel.index
    grads[k] = g if grads[k] is None else grads[k] + g
    return backend.zeros((), stand_in._array.dtype)


def _function_vjp(node: Node, g: np.ndarray) -> tuple:
    """The user's backward on Tensors; its results as arrays, one per tensor input."""
    ctx = node.ctx
    if node.single is not None:
        grads = [None] * len(node.out_meta)
        grads[node.single] = g
    else:
        grads, node.out_grads = node.out_grads, [None] * len(node.out_meta)
    wrapped = []
    for gk, meta in zip(grads, node.out_meta):
        if gk is not None:  # a copy: backward may change grad_output in place
            wrapped.append(Tensor._make(gk.copy()))
        elif meta is not None and ctx.materialize_grads:
            wrapped.append(Tensor._make(backend.zeros(*meta)))
        else:
            wrapped.append(None)
    result = node.function.backward(ctx, *wrapped)
    return _unwrap(node, result if isinstance(result, tuple) else (result,))


def _unwrap(node: Node, result: tuple) -> tuple:
    name = node.op.backward_name
    n = len(node.arg_is_tensor)
    if len(result) != n:
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients (expected "
                f"{n}, got {len(result)}): backward must return one gradient per argument "
                "of forward, None for the arguments that need none")
        result = result[:n]
    for i, r in enumerate(result):
        if r is not None and not isinstance(r, Tensor):
            raise TypeError(f"function {name} returned a {type(r).__name__} as the gradient "
                            f"of input {i}: expected a Tensor or None")
        if r is not None and not node.arg_is_tensor[i]:
            raise RuntimeError(
                f"function {name} returned a gradient different than None at position {i}, "
                "but the corresponding forward input was not a Tensor; return None there")
    out = []
    # None is "no gradient" (PyTorch's undefined gradient): the input is marked as not
    # needing one for this pass, which the engine reads after the VJP returns, so a
    # leaf's .grad stays None rather than receiving zeros
    node.needs_input_grad = tuple([result[i] is not None for i in node.positions])
    for i, t in zip(node.positions, node.inputs):
        r = result[i]
        if r is None:
            out.append(None)
            continue
        shape = t._array.shape
        if r._array.shape != shape and not _expandable(shape, r._array.shape):
            raise RuntimeError(
                f"function {name} returned an invalid gradient at index {i} - got "
                f"{list(r._array.shape)} but expected shape compatible with {list(shape)} "
                "(the shape of that input)")
        out.append(r._array.view())  # a view: the engine will not add into it in place
    return tuple(out)


def _expandable(shape: tuple, to: tuple) -> bool:
    """Whether ``shape`` broadcasts to ``to`` (the engine then sums the gradient back)."""
    try:
        return np.broadcast_shapes(shape, to) == to
    except ValueError:
        return False
