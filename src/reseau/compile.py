"""``reseau.compile``: a training step recorded once, then replayed as array calls.

The first call of a compiled step function runs it normally while a recorder watches
what the library does: each op's forward (which array function, on which arrays, with
which attributes), each backward's VJPs in the engine's order with where every gradient
went, the optimizer's ``step`` and ``zero_grad`` calls, and the values the function
returns. Later calls whose guards match (the tensors' shapes, dtypes and
``requires_grad``, the other arguments, grad mode, every module's ``training`` flag, the
parameters' shapes and dtypes) replay that record: the same forwards and VJPs on plain
arrays, in the same order, with the same accumulations, and the optimizer called again.
No ``Tensor``, no graph node and no argument check is made, so the results are bit for
bit those of the normal path, and the Python bookkeeping around each NumPy call goes.

What a replay cannot see, the recorder refuses: then the function runs uncompiled for
good, after one warning line saying why. It refuses a step that reads a tensor's value
into Python other than to return it (``if loss.item() > 1``, ``bool(t)``, ``.numpy()``,
printing a tensor), changes a tensor in place outside an optimizer (``p -= lr * p.grad``,
``x.add_(1)``), reads or sets ``.grad`` itself, builds a tensor from data outside the
ops (``reseau.zeros(3)`` inside the step: make it outside), or uses ``autograd.grad``,
``retain_grad`` or anomaly detection. Other Python side effects of the function (a
counter, a print of a number) happen at the recording call only.
"""

from __future__ import annotations

import functools
import warnings
from builtins import compile as compile_source

import numpy as np

from . import backend, engine
from .engine import Node, _accumulate_leaf, unbroadcast
from .grad_mode import _Mode
from .nn.module import Module
from .ops import registry
from .recorder import BACKWARD, CALL, EFFECT, OP, Recorder
from .tensor import Tensor

__all__ = ["compile", "CompiledStep"]

_new = object.__new__
_ndarray = np.ndarray

#: what a replay returns when a guard fails (a module switched train/eval, a parameter
#: was frozen or replaced by one of another shape): the step is recorded again
MISS = object()

#: at most this many recorded variants (guard keys) per function; others run normally
MAX_VARIANTS = 8


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend=None,  # noqa: A001
            mode=None, options=None, disable: bool = False):
    """Record a training step once and replay it as array calls (see the module's
    docstring for what is recorded and what is refused).

    ``step = reseau.compile(step_fn)`` returns a callable used as ``step_fn``;
    ``@reseau.compile`` works as a decorator. Given a ``Module`` (PyTorch's
    ``torch.compile(model)``), it returns the module itself: calling it, its
    parameters, its ``state_dict`` keys and ``train()``/``eval()`` are exactly the
    module's (PyTorch wraps it and prefixes the keys with ``_orig_mod.``; reseau does
    not). The keyword arguments are PyTorch's, accepted and ignored, except
    ``disable=True``, which returns ``model`` unchanged.
    """
    if model is None:  # @torch.compile(mode=...) : a decorator
        return lambda fn: compile(fn, disable=disable)
    if isinstance(model, Module) or disable:
        return model
    if not callable(model):
        raise TypeError(f"compile: expected a function or a Module, got "
                        f"{type(model).__name__}")
    return CompiledStep(model)


def _spec_of_args(args, kwargs):
    """The guard key of a call: per tensor its shape, dtype and requires_grad, other
    arguments by value (None when an argument cannot be a key)."""
    key = [_Mode.grad_enabled, _Mode.anomaly]
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            arr = a._array
            key.append((type(arr), arr.shape, arr.dtype, a._requires_grad))
        else:
            try:
                hash(a)
            except TypeError:
                return None
            key.append((type(a), a))
    key.append(tuple(kwargs))
    return tuple(key)


def _same_args(spec, args) -> bool:
    """Whether ``args`` match, argument by argument, those ``spec`` describes (the
    guards of :func:`_spec_of_args`, compared without building a key)."""
    if len(spec) != len(args):
        return False
    for s, a in zip(spec, args):
        if s[0]:
            if not isinstance(a, Tensor):
                return False
            arr = a._array
            if (type(arr) is not s[1] or arr.shape != s[2] or arr.dtype is not s[3]
                    or a._requires_grad is not s[4]):
                return False
        elif type(a) is not s[1] or a != s[2]:
            return False
    return True


class CompiledStep:
    """A step function with its recorded variants. ``refused`` says why it runs
    uncompiled (None while it compiles); ``variants`` counts the records;
    ``replays`` the calls served by a record."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.refused: str | None = None
        self._records: dict = {}
        self.replays = 0
        # the last call's arguments, grad mode and record: a call like it (a training
        # loop's) is recognised by direct comparisons, without a key built and hashed
        self._last = None

    @property
    def variants(self) -> int:
        return len(self._records)

    def __call__(self, *args, **kwargs):
        if self.refused is not None:
            return self.fn(*args, **kwargs)
        last = self._last
        if (last is not None and not kwargs and _Mode.grad_enabled is last[1]
                and _Mode.anomaly is last[2] and _same_args(last[0], args)):
            key, rec = last[3], last[4]
        else:
            key = _spec_of_args(args, kwargs)
            if key is None:
                return self.fn(*args, **kwargs)
            rec = self._records.get(key)
        if rec is not None:
            result = rec.replay(args, kwargs)
            if result is not MISS:
                self.replays += 1
                if last is None or last[4] is not rec:
                    self._remember(args, kwargs, key, rec)
                return result
            del self._records[key]  # a module switched train/eval, a parameter changed
            self._last = None
        elif len(self._records) >= MAX_VARIANTS:
            return self.fn(*args, **kwargs)
        if engine._recorder is not None or registry._recorder is not None:
            return self.fn(*args, **kwargs)  # a compiled step called by one being recorded
        recorder = Recorder(args, kwargs)
        result = recorder.run(self.fn)
        ret = recorder.finish(result) if recorder.refused is None else None
        if recorder.refused is not None:
            self.refused = recorder.refused
            name = getattr(self.fn, "__qualname__", repr(self.fn))
            warnings.warn(f"reseau.compile: {name} runs uncompiled: {self.refused}",
                          RuntimeWarning, stacklevel=2)
        else:
            self._records[key] = _Record(recorder, ret)
            self._remember(args, kwargs, key, self._records[key])
        return result

    def _remember(self, args, kwargs, key, rec) -> None:
        spec = None if kwargs else [
            (True, type(a._array), a._array.shape, a._array.dtype, a._requires_grad)
            if isinstance(a, Tensor) else (False, type(a), a) for a in args]
        self._last = None if spec is None else (spec, _Mode.grad_enabled, _Mode.anomaly,
                                                key, rec)

    def __repr__(self) -> str:
        state = f"refused: {self.refused}" if self.refused else f"{self.variants} variant(s)"
        return f"<compiled {getattr(self.fn, '__qualname__', self.fn)!r}, {state}>"


def _resolve(spec, vals):
    kind = spec[0]
    if kind == "slot":
        return vals[spec[1]]
    if kind == "value":
        return spec[1]
    return spec[1](_resolve(x, vals) for x in spec[2])


def _fit(gi, shape, dtype):
    """The engine's ``_conform`` for a replay: a VJP output off the common path as an
    array of the input's shape and dtype (the same calls, so the same bits)."""
    if gi is None:
        return backend.zeros(shape, dtype)
    if not isinstance(gi, backend.xp.ndarray):
        gi = backend.asarray(gi)
    if gi.shape != shape:
        gi = backend.asarray(unbroadcast(gi, shape))
    if gi.dtype != dtype:
        gi = gi.astype(dtype)
    return gi


class _Record:
    """One recorded variant: its program, the slots' sources and its guards."""

    def __init__(self, rec: Recorder, ret):
        self.n_slots = len(rec.sources) + 1  # the last one a scratch slot (below)
        self.args = [(s, src[1]) for s, src in enumerate(rec.sources)
                     if src is not None and src[0] == "arg"]
        # the external tensors, with their guards: shape, dtype, requires_grad
        self.exts = [(s, t, t._array.shape, t._array.dtype, t._requires_grad)
                     for s, t in ((s, src[1]) for s, src in enumerate(rec.sources)
                                  if src is not None and src[0] == "ext")]
        slotted = {id(t) for _, t, _, _, _ in self.exts}
        self.exts += [(len(rec.sources), t, t._array.shape, t._array.dtype, t._requires_grad)
                      for t in rec.externals.values() if id(t) not in slotted]
        self.consts = [(s, src[1]) for s, src in enumerate(rec.sources)
                       if src is not None and src[0] == "const"]
        self.prog = _segments([_compact(ins) if ins[0] == OP else ins for ins in rec.prog])
        self.n_ctx = rec.n_ctx
        self.ret = ret
        self.modules = tuple(m for m, _ in rec.modules.values())
        self.modes = [training for _, training in rec.modules.values()]

    def replay(self, args, kwargs):
        """What the step returns, replayed; MISS (and nothing done) if a guard fails."""
        if [m.training for m in self.modules] != self.modes:
            return MISS
        vals = [None] * self.n_slots
        for s, t, shape, dtype, rg in self.exts:
            a = t._array
            if a.shape != shape or a.dtype is not dtype and a.dtype != dtype \
                    or t._requires_grad is not rg:
                return MISS
            vals[s] = a  # a leaf that only receives a gradient: to the scratch slot
        flat = args if not kwargs else (*args, *kwargs.values())
        for s, i in self.args:
            vals[s] = flat[i]._array
        for s, a in self.consts:
            vals[s] = a
        ctxs = [None] * self.n_ctx
        xp_asarray = backend.xp.asarray
        for ins in self.prog:
            kind = ins[0]
            if kind == OP:  # the common case first, its arity and keywords decided once
                _, fn, slots, attrs, dyn, out, ci, cls, n = ins
                ctx = _new(cls)  # the ctx the forward saves into, as apply's
                if dyn:
                    attrs = _resolved(attrs, dyn, vals)
                if attrs is None:  # no keyword dict to build: most ops have no attribute
                    if n == 2:
                        r = fn(ctx, vals[slots[0]], vals[slots[1]])
                    elif n == 1:
                        r = fn(ctx, vals[slots[0]])
                    else:
                        r = fn(ctx, *[vals[s] for s in slots])
                elif n == 2:
                    r = fn(ctx, vals[slots[0]], vals[slots[1]], **attrs)
                else:
                    r = fn(ctx, *[vals[s] for s in slots], **attrs)
                if type(r) is not _ndarray:  # NumPy's scalars from 0-d operations, as apply
                    r = xp_asarray(r)
                vals[out] = r
                if ci >= 0:
                    ctxs[ci] = ctx
            elif kind == SEGMENT:
                ins[1](vals, ctxs, xp_asarray)
            elif kind == BACKWARD:
                _replay_backward(ins, vals, ctxs, flat)
            elif kind == CALL:
                ins[1](ins[2], *ins[3], **ins[4])
            else:  # EFFECT
                _, fn, slots, attrs, dyn, out, _, _ = ins
                if dyn:
                    attrs = _resolved(attrs, dyn, vals)
                r = fn(*[vals[s] for s in slots], **attrs)
                if out >= 0:
                    vals[out] = r
        return _rebuild(self.ret, vals)


#: per needs_input_grad tuple, a Node class holding it as a class attribute: a replay's
#: ctx then needs no instance attribute (and no instance dict) for it
_CTX_CLASSES: dict = {}


def _compact(ins):
    """An op instruction as the replay reads it: no attribute dict when there is none,
    the arity, and the ctx's class (its needs_input_grad) instead of the tuple."""
    kind, fn, slots, attrs, dyn, out, ci, needs = ins
    cls = Node
    if ci >= 0:
        cls = _CTX_CLASSES.get(needs)
        if cls is None:
            cls = _CTX_CLASSES[needs] = type("ReplayCtx", (Node,), {"needs_input_grad": needs})
    return kind, fn, slots, attrs or None, dyn, out, ci, cls, len(slots)


SEGMENT = -1


def _segments(prog: list) -> list:
    """Each run of op instructions without array attributes as one generated function of
    straight-line code (SEGMENT): the same calls in the same order as the replay loop
    makes them, with the arrays in local variables; no loop, no tuple unpacked per op."""
    out, run = [], []
    for ins in prog + [None]:
        if ins is not None and ins[0] == OP and not ins[4]:
            run.append(ins)
            continue
        if len(run) > 1:
            out.append((SEGMENT, _generate(run)))
        else:
            out.extend(run)
        run = []
        if ins is not None:
            out.append(ins)
    return out


def _generate(run: list):
    names = {"new": _new, "nd": _ndarray}
    lines, defined = [], set()
    for i, (_, fn, slots, attrs, _, out, ci, cls, _) in enumerate(run):
        for s in slots:
            if s not in defined:
                lines.append(f"v{s} = vals[{s}]")
                defined.add(s)
        names[f"F{i}"], names[f"K{i}"], names[f"A{i}"] = fn, cls, attrs
        args = "".join(f", v{s}" for s in slots) + ("" if attrs is None else f", **A{i}")
        lines += [f"c = new(K{i})", f"r = F{i}(c{args})",
                  "if type(r) is not nd:", "    r = asarray(r)", f"v{out} = vals[{out}] = r"]
        defined.add(out)
        if ci >= 0:
            lines.append(f"ctxs[{ci}] = c")
    src = "def segment(vals, ctxs, asarray):\n" + "".join(f"    {x}\n" for x in lines)
    exec(compile_source(src, "<reseau.compile segment>", "exec"), names)  # noqa: S102
    return names["segment"]


def _resolved(attrs, dyn, vals) -> dict:
    """The attributes with the arrays of this replay put in."""
    attrs = dict(attrs or ())
    for k, spec in dyn:
        attrs[k] = _resolve(spec, vals)
    return attrs


def _replay_backward(ins, vals, ctxs, flat) -> None:
    _, root, root_ctx, retain, nodes = ins
    data = vals[root]  # Tensor.backward's implicit gradient, the same two calls
    g0 = backend.array(1, data.dtype) if data.ndim == 0 else backend.ones(data.shape, data.dtype)
    pending = {root_ctx: g0}
    owned = set()
    make = Tensor._make
    for ci, vjp, edges in nodes:
        g = pending.pop(ci)
        ctx = ctxs[ci]
        in_grads = vjp(ctx, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        if not retain:
            ctxs[ci] = None
        for i, shape, dtype, keep, dest in edges:
            gi = in_grads[i]
            if type(gi) is not _ndarray or gi.shape != shape or gi.dtype is not dtype:
                gi = _fit(gi, shape, dtype)
            if type(dest) is int:  # the engine's _add_pending, on ctx numbers
                if dest not in pending:
                    pending[dest] = gi
                    if keep:
                        owned.add(dest)
                elif dest in owned:
                    pending[dest] += gi
                else:
                    pending[dest] = pending[dest] + gi
                    owned.add(dest)
            else:
                t = dest[1] if dest[0] == "ext" else flat[dest[1]]
                _accumulate_leaf(t, gi, keep, make)


def _rebuild(spec, vals):
    kind = spec[0]
    if kind == "tensor":
        return Tensor._make(vals[spec[1]])
    if kind == "read":
        a = vals[spec[1]]
        what = spec[2]
        if what == "tolist()":
            return a.tolist()
        if what == "float()":
            return float(a.item())
        if what == "int()":
            return int(a.item())
        return a.item()
    if kind == "value":
        return spec[1]
    if kind == "seq":
        return spec[1](_rebuild(x, vals) for x in spec[2])
    return {k: _rebuild(x, vals) for k, x in spec[1]}
