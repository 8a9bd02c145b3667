"""The op table: every primitive of the engine, registered once.

An op is a class with two static methods side by side::

    @register("mul")
    class Mul:
        "z = x * y; dx = g * y, dy = g * x"
        def forward(ctx, x, y):
            ctx.x, ctx.y = x, y
            return x * y
        def vjp(ctx, g):
            return g * ctx.y, g * ctx.x

``forward`` takes arrays (and keyword attributes: Python scalars, axes, flags) and
returns an array; ``vjp`` takes the gradient of the output and returns one gradient per
input (``None`` where ``ctx.needs_input_grad`` is False). The engine un-broadcasts and
casts the VJP outputs: ops never call ``unbroadcast``.

Rules for a VJP: never modify ``g`` or anything saved in place, and return for each
input either ``g`` itself, a view of ``g``, or a newly allocated array (never an array
saved by the forward): the engine then knows which gradients it may keep without a
copy and add into in place (``autograd.may_keep``, the one statement of that rule).

The table (``OPS``) drives the tests (each op must have a test case), the op list in
the docs and the labels of the graph drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

from numpy import ndarray

from .. import backend
from ..engine import Node, _user_site, next_seq
from ..grad_mode import _Mode
from ..tensor import Tensor

__all__ = ["OpDef", "OPS", "register", "apply", "effect"]


@dataclass(frozen=True)
class OpDef:
    name: str
    forward: object
    vjp: object
    doc: str
    differentiable: bool = True
    saves_inputs: bool = True  # check in-place changes of the inputs before the VJP

    def __repr__(self) -> str:
        return f"OpDef({self.name!r})"

    #: where a node of this op says it comes from, in its repr (custom Functions set it)
    node_module = ""

    @property
    def backward_name(self) -> str:
        """The name PyTorch gives this op's backward node (``grad_fn=<MulBackward0>``)."""
        name = _TORCH_NAMES.get(self.name) or "".join(
            w.capitalize() for w in self.name.split("_"))
        return name + "Backward0"


# Ops PyTorch names otherwise than by capitalising ours (its backward node names).
_TORCH_NAMES = {
    "matmul": "Mm", "pow_scalar": "Pow", "getitem": "Index", "linear": "Addmm",
    "cross_entropy": "NllLoss",
    "reshape": "View", "cast": "ToCopy", "transpose": "Transpose", "permute": "Permute",
    "binary_cross_entropy_with_logits": "BinaryCrossEntropyWithLogits", "amax": "Amax",
    "log_softmax": "LogSoftmax", "logsumexp": "Logsumexp", "max_pool2d": "MaxPool2DWithIndices",
    "conv2d": "Convolution", "conv1d": "Convolution", "conv_transpose2d": "Convolution",
    "leaky_relu": "LeakyRelu", "log_sigmoid": "LogSigmoid", "avg_pool2d": "AvgPool2D",
}


OPS: dict[str, OpDef] = {}


def register(name: str, *, differentiable: bool = True, saves_inputs: bool = True):
    """Class decorator adding an op to ``OPS``. Returns the ``OpDef``."""

    def deco(cls) -> OpDef:
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        vjp = getattr(cls, "vjp", None)
        if differentiable and vjp is None:
            raise TypeError(f"op {name!r} is differentiable but defines no vjp")
        op = OpDef(
            name=name,
            forward=cls.forward,
            vjp=vjp,
            doc=(cls.__doc__ or "").strip(),
            differentiable=differentiable,
            saves_inputs=saves_inputs,
        )
        OPS[name] = op
        return op

    return deco


_new = object.__new__

#: the recorder of ``reseau.compile`` while a step is being recorded, else None
_recorder = None


def apply(op: OpDef, *inputs: Tensor, **attrs) -> Tensor:
    """Run ``op`` forward on the tensors' arrays and, if any input requires a gradient
    (and grad mode is on), attach a graph node to the result.

    This is the hot path of the library: every operation goes through it, so it avoids
    generators and keyword unpacking where it can.
    """
    node = _new(Node)  # the ctx the forward saves into; kept only if we track
    node.op = op
    track = False
    if _Mode.grad_enabled and op.differentiable:
        for t in inputs:
            if t._requires_grad:
                track = True
                break
    n = len(inputs)
    try:
        if n == 1:
            out = op.forward(node, inputs[0]._array, **attrs)
        elif n == 2:
            x, y = inputs[0]._array, inputs[1]._array
            if x.__class__ is not y.__class__:  # a cpu and a cuda array: the one hot test
                backend.check_same_device(op.name, x, y)
            out = op.forward(node, x, y, **attrs)
        else:
            arrays = [t._array for t in inputs]
            kind = arrays[0].__class__
            for a in arrays:
                if a.__class__ is not kind:
                    backend.check_same_device(op.name, *arrays)
                    break
            out = op.forward(node, *arrays, **attrs)
    except ValueError as e:  # NumPy's own message (e.g. broadcasting): say which op
        if n > 1:  # or CuPy's for arrays of two GPUs (without peer access): name both
            backend.check_same_device(op.name, *[t._array for t in inputs])
        shapes = ", ".join(str(t._array.shape) for t in inputs)
        raise ValueError(f"{op.name}: cannot apply to inputs of shapes {shapes}: {e}") from None
    if type(out) is not ndarray:  # NumPy returns scalars from 0-d operations: keep arrays
        out = backend.as_result(out, inputs[0]._array) if inputs else backend.xp.asarray(out)
    if not track:
        if _recorder is not None:
            return _recorder.op(op, inputs, attrs, node, Tensor._make(out), False)
        return Tensor._make(out)
    if n == 2:  # written out for the common arities: a comprehension costs a frame
        a, b = inputs
        node.needs_input_grad = (a._requires_grad, b._requires_grad)
        node.edges = (a.grad_fn, b.grad_fn)
    elif n == 1:
        node.needs_input_grad = (inputs[0]._requires_grad,)
        node.edges = (inputs[0].grad_fn,)
    else:
        node.needs_input_grad = tuple([t._requires_grad for t in inputs])
        node.edges = tuple([t.grad_fn for t in inputs])
    node.inputs = inputs
    node.seq = next_seq()
    if op.saves_inputs:
        if n == 2:
            node.versions = (inputs[0]._version, inputs[1]._version)
        else:
            node.versions = tuple([t._version for t in inputs])
    if _Mode.anomaly:
        node.site = _user_site()
    if _recorder is not None:
        return _recorder.op(op, inputs, attrs, node, Tensor._make(out, node), True)
    return Tensor._make(out, node)


def effect(fn, *inputs: Tensor, **attrs) -> Tensor | None:
    """Array work outside the op table that a recorded step (``reseau.compile``) must
    repeat at each replay: a random mask drawn, running statistics updated in place.
    Runs ``fn(*arrays, **attrs)`` on the inputs' arrays now; returns its array as an
    untracked tensor (None if ``fn`` returns None). ``fn`` must read nothing but its
    arguments and the random generators, which a replay calls again in the same order."""
    out = fn(*[t._array for t in inputs], **attrs)
    res = None if out is None else Tensor._make(out)
    if _recorder is not None:
        _recorder.effect(fn, inputs, attrs, res)
    return res


def op_table_markdown() -> str:
    """The op list of the docs (docs/ops.md), generated from ``OPS``."""
    lines = [
        "# Primitives",
        "",
        "Generated from `reseau.OPS` by `python -m reseau.ops > docs/ops.md`; a test keeps it",
        "in step with the code. Each primitive's forward and vector-Jacobian product (VJP)",
        "are side by side in `src/reseau/ops/`; `g` is the gradient of the output.",
        "",
        "| op | module | formula: forward; backward |",
        "| --- | --- | --- |",
    ]
    for name in sorted(OPS):
        op = OPS[name]
        module = op.forward.__module__.rsplit(".", 1)[-1]
        doc = op.doc.splitlines()
        formula = " ".join(line.strip() for line in doc).replace("|", "\\|") if doc else ""
        if not op.differentiable:
            formula += " (no gradient)" if "differentiable" not in formula else ""
        lines.append(f"| `{name}` | {module} | {formula} |")
    return "\n".join(lines) + "\n"
