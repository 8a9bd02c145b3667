"""The recorder of ``reseau.compile``: it watches one normal call of a step function
and writes down what a replay must repeat (see ``compile.py``).

While it records, ``ops/registry.apply`` and ``registry.effect`` hand it every op and
effect, ``engine.backward`` every VJP and where each gradient went, and a few methods
of ``Tensor``, ``Module``, the optimizers and the schedulers are wrapped (and put back
afterwards): the optimizer and scheduler calls to replay, the modules whose ``training``
flag is a guard, and whatever a replay could not see (a value read into Python, an
in-place change, ``.grad`` used by hand), which it refuses.
"""

from __future__ import annotations

import numpy as np

from . import engine
from .nn.module import Module
from .ops import registry
from .optim.optimizer import Optimizer
from .optim.scheduler import LRScheduler
from .tensor import Tensor

__all__ = ["Recorder", "Refused", "OP", "EFFECT", "CALL", "BACKWARD"]

_ndarray = np.ndarray

# instruction kinds of a record
OP, EFFECT, CALL, BACKWARD = range(4)


class Refused(Exception):
    """Raised inside the recorder to stop recording; never reaches the user."""


class Recorder:
    """Watches one normal call of the step function and writes its record.

    Every array the step touches gets a slot: an argument's array, a parameter's or
    buffer's (an *external* tensor, read again at each replay), a scalar constant, or
    the result of a recorded op or effect. Arrays are kept alive until the end, so that
    ``id(array)`` names one array only."""

    def __init__(self, args, kwargs):
        self.refused: str | None = None
        self.keep: list = []
        self.slot_of: dict = {}  # id(array) -> slot
        self.sources: list = []  # per slot: ("arg", index) | ("ext", tensor) | ("const", a) | None
        self.prog: list = []
        self.ctx_of: dict = {}  # id(node) -> ctx index
        self.n_ctx = 0
        self.fresh: dict = {}  # id(tensor) -> tensor, made during recording
        self.reads: list = []  # (value, slot, kind) read into Python
        self.modules: dict = {}  # id -> (module, training)
        self.externals: dict = {}  # id(tensor) -> tensor
        self.inhook = 0  # inside an optimizer or zero_grad call: nothing is recorded
        self.bw_call = None  # (root, implicit gradient) of the Tensor.backward in progress
        self.bw = None  # the backward being recorded
        self._call_args = (args, kwargs)
        flat = [*args, *kwargs.values()]
        self.arg_ids = {}
        for i, a in enumerate(flat):
            if isinstance(a, Tensor):
                self.arg_ids[id(a)] = i
                self._slot(a._array, ("arg", i))

    # ---------------------------------------------------------------- slots
    def _slot(self, array, source) -> int:
        s = len(self.sources)
        self.sources.append(source)
        self.slot_of[id(array)] = s
        self.keep.append(array)
        return s

    def refuse(self, reason: str) -> None:
        if self.refused is None:
            self.refused = reason
        raise Refused(reason)

    def _in(self, t) -> int:
        a = t._array
        s = self.slot_of.get(id(a))
        if s is not None:
            return s
        if id(t) in self.fresh:
            if a.ndim == 0:  # a Python number made a tensor (x * 2.0): a constant
                return self._slot(a, ("const", a.copy()))
            self.refuse(f"a tensor of shape {tuple(a.shape)} made inside the step outside "
                        "reseau's ops (creation, random draw or .data of a changed array) "
                        "would be frozen in a replay; make it outside the step or pass it "
                        "as an argument")
        self.externals[id(t)] = t
        return self._slot(a, ("ext", t))

    def _attr(self, v):
        """An attribute as (value, slot-or-None) references; arrays become slots."""
        if type(v) is _ndarray or isinstance(v, _ndarray):
            s = self.slot_of.get(id(v))
            if s is not None:
                return ("slot", s)
            if v.ndim == 0:
                return ("value", v)
            self.refuse(f"an array of shape {v.shape} computed outside reseau's ops is "
                        "an attribute of an op; a replay would reuse it")
        if type(v) in (tuple, list) and any(isinstance(x, _ndarray) for x in v):
            return ("seq", type(v), [self._attr(x) for x in v])
        return ("value", v)

    def _attrs(self, attrs: dict):
        fixed, dyn = {}, []
        for k, v in attrs.items():
            spec = self._attr(v)
            if spec[0] == "value":
                fixed[k] = spec[1]
            else:
                dyn.append((k, spec))
        return fixed, tuple(dyn)

    # ---------------------------------------------------------------- hooks
    def op(self, op, inputs, attrs, node, result, tracked):
        if not self.inhook and self.refused is None:
            ctx = -1
            if tracked:
                ctx = self.n_ctx
                self.n_ctx += 1
                self.ctx_of[id(node)] = ctx
                self.keep.append(node)
            self._record(OP, op.forward, inputs, attrs, result,
                         (ctx, node.needs_input_grad if tracked else None))
        return result

    def effect(self, fn, inputs, attrs, result):
        if not self.inhook and self.refused is None:
            self._record(EFFECT, fn, inputs, attrs, result, (-1, None))

    def _record(self, kind, fn, inputs, attrs, result, tail):
        try:
            ins = tuple(self._in(t) for t in inputs)
            fixed, dyn = self._attrs(attrs)
            out = -1 if result is None else self._slot(result._array, None)
            self.prog.append((kind, fn, ins, fixed, dyn, out, *tail))
        except Refused:
            pass

    def call(self, fn, obj, args, kwargs):
        self.prog.append((CALL, fn, obj, args, kwargs))

    def backward_begin(self, root, grad, retain_graph, capture, anomaly) -> bool:
        if self.inhook or self.refused is not None:
            return False
        try:
            if capture is not None:
                self.refuse("autograd.grad inside the step")
            if anomaly:
                self.refuse("anomaly detection is on")
            call, self.bw_call = self.bw_call, None
            if call is None or call[0] is not root or type(root) is list:
                self.refuse("autograd.backward (use loss.backward())")
            if not call[1]:
                self.refuse("backward(gradient=...) (use a scalar loss)")
            node = root.grad_fn
            s = self.slot_of.get(id(root._array))
            if s is None or id(node) not in self.ctx_of:
                self.refuse("backward from a tensor made outside the step")
            self.bw = []
            self.prog.append((BACKWARD, s, self.ctx_of[id(node)], bool(retain_graph),
                              self.bw))
            return True
        except Refused:
            return False

    def vjp(self, node):
        if self.refused is not None:
            return
        try:
            ctx = self.ctx_of.get(id(node))
            if ctx is None:
                self.refuse("a graph node not made by the step's ops (a custom Function, "
                            "or a graph built before the step)")
            if node.retained is not None:
                self.refuse("retain_grad inside the step")
            self.bw.append((ctx, node.op.vjp, []))
        except Refused:
            pass

    def edge(self, i, keep, fn, t):
        if self.refused is not None:
            return
        try:
            a = t._array
            if fn is None:
                k = self.arg_ids.get(id(t))
                if k is not None:
                    dest = ("arg", k)
                elif id(t) in self.fresh:
                    self.refuse("a leaf tensor requiring grad made inside the step")
                else:
                    self.externals[id(t)] = t
                    dest = ("ext", t)
            else:
                dest = self.ctx_of.get(id(fn))
                if dest is None:
                    self.refuse("a gradient flowing into a graph built before the step")
            self.bw[-1][2].append((i, a.shape, a.dtype, keep, dest))
        except Refused:
            pass

    # ---------------------------------------------------------------- the call
    def run(self, fn):
        """Call ``fn`` with the recorder installed; returns what it returns."""
        patches = self._patches()
        saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
        for owner, name, new in patches:
            setattr(owner, name, new)
        registry._recorder = engine._recorder = self
        args, kwargs = self._call_args
        self._call_args = None
        try:
            return fn(*args, **kwargs)
        finally:
            registry._recorder = engine._recorder = None
            for owner, name, old in saved:
                setattr(owner, name, old)

    def finish(self, result):
        """How to rebuild what the call returned from the slots (None, and refused, if
        it returned something a replay cannot reproduce)."""
        try:
            ret = self._ret_spec(result)
            returned = {id(v) for v, _, _ in self.reads if self._returned(v, result)}
            for v, _, kind in self.reads:
                if id(v) not in returned:
                    self.refuse(f"it reads a tensor's value into Python ({kind}) and uses "
                                "it otherwise than by returning it")
        except Refused:
            return None
        return ret

    @staticmethod
    def _returned(v, result) -> bool:
        if result is v:
            return True
        if type(result) in (tuple, list):
            return any(Recorder._returned(v, r) for r in result)
        if type(result) is dict:
            return any(Recorder._returned(v, r) for r in result.values())
        return False

    def _ret_spec(self, v):
        if isinstance(v, Tensor):
            s = self.slot_of.get(id(v._array))
            if s is None:
                self.refuse("it returns a tensor made outside the step's ops")
            return ("tensor", s)
        for value, s, kind in self.reads:
            if value is v:
                return ("read", s, kind)
        if type(v) in (tuple, list):
            return ("seq", type(v), [self._ret_spec(x) for x in v])
        if type(v) is dict:
            return ("dict", [(k, self._ret_spec(x)) for k, x in v.items()])
        if v is None or type(v) in (bool, int, float, str):
            return ("value", v)
        self.refuse(f"it returns a {type(v).__name__}, which a replay cannot rebuild")

    # ---------------------------------------------------------------- patches
    def _patches(self) -> list:
        """(owner, attribute, replacement) for every method the recorder watches."""
        rec = self
        out = []

        def read(name, kind, forbid):
            orig = Tensor.__dict__[name]

            def wrapper(t, *a, **k):
                if rec.inhook or rec.refused is not None:
                    return orig(t, *a, **k)
                if forbid:
                    rec.refused = rec.refused or (
                        f"it reads a tensor's value into Python ({kind}): a replay cannot "
                        "follow a branch taken on a value")
                    return orig(t, *a, **k)
                rec.inhook += 1
                try:
                    v = orig(t, *a, **k)
                finally:
                    rec.inhook -= 1
                s = rec.slot_of.get(id(t._array))
                if s is None:
                    rec.refused = rec.refused or (
                        f"it reads the value of a tensor made outside the step's ops ({kind})")
                else:
                    rec.reads.append((v, s, kind))
                return v

            out.append((Tensor, name, wrapper))

        for name, kind in (("item", "item()"), ("tolist", "tolist()"),
                           ("__float__", "float()"), ("__int__", "int()")):
            read(name, kind, False)
        for name, kind in (("__bool__", "bool(), an if or a while on a tensor"),
                           ("__index__", "an index taken from a tensor"),
                           ("numpy", ".numpy()"), ("__array__", "an array taken from a tensor"),
                           ("__format__", "formatted into a string"),
                           ("__repr__", "printed")):
            read(name, kind, True)

        make = Tensor.__dict__["_make"].__func__

        def _make(cls, data, grad_fn=None):
            t = make(cls, data, grad_fn)
            if not rec.inhook:
                rec.fresh[id(t)] = t
            return t

        out.append((Tensor, "_make", classmethod(_make)))

        bump = Tensor.__dict__["_bump"]

        def _bump(t):
            if not rec.inhook:
                rec.refused = rec.refused or (
                    "it changes a tensor in place (x += ..., x.add_(), p -= lr * p.grad): "
                    "use an optimizer, or out-of-place operations")
            return bump(t)

        out.append((Tensor, "_bump", _bump))

        def refuse_property(name, what, getter_too):
            prop = Tensor.__dict__[name]

            def check():
                if not rec.inhook:
                    rec.refused = rec.refused or what

            def get(t):
                if getter_too:
                    check()
                return prop.fget(t)

            def set_(t, v):
                check()
                return prop.fset(t, v)

            out.append((Tensor, name, property(get, set_, None, prop.__doc__)))

        refuse_property("grad", "it reads or sets .grad itself (clip_grad_norm_, a manual "
                                "update): only an optimizer's step and zero_grad are replayed",
                        True)
        refuse_property("requires_grad", "it changes requires_grad inside the step", False)
        refuse_property("data", "it assigns .data inside the step", False)

        backward = Tensor.__dict__["backward"]

        def _backward(t, gradient=None, retain_graph=False):
            if not rec.inhook:
                rec.bw_call = (t, gradient is None)
            return backward(t, gradient, retain_graph)

        out.append((Tensor, "backward", _backward))

        call = Module.__dict__["__call__"]

        def _call(m, *a, **k):
            if not rec.inhook:
                rec.modules[id(m)] = (m, m.training)
            return call(m, *a, **k)

        out.append((Module, "__call__", _call))

        def replayed(owner, name):
            orig = owner.__dict__[name]

            def wrapper(obj, *a, **k):
                if rec.inhook or rec.refused is not None:
                    return orig(obj, *a, **k)
                if name == "step" and (a or k) and isinstance(obj, Optimizer):
                    rec.refused = "optimizer.step(closure) inside the step"
                    return orig(obj, *a, **k)
                if any(isinstance(v, Tensor) for v in (*a, *k.values())):
                    # a replay would call it again with this call's tensor, not the new one
                    rec.refused = f"a tensor passed to {type(obj).__name__}.{name}()"
                    return orig(obj, *a, **k)
                rec.call(orig, obj, a, k)
                rec.inhook += 1
                try:
                    return orig(obj, *a, **k)
                finally:
                    rec.inhook -= 1

            out.append((owner, name, wrapper))

        replayed(Module, "zero_grad")
        for base in (Optimizer, LRScheduler):
            for cls in _subclasses(base):
                for name in ("step", "zero_grad"):
                    if name in cls.__dict__:
                        replayed(cls, name)
        return out


def _subclasses(cls) -> list:
    found, todo = [], [cls]
    while todo:
        c = todo.pop()
        if c not in found:
            found.append(c)
            todo.extend(c.__subclasses__())
    return found
