"""A model's architecture as JSON, and the model rebuilt from it.

Each layer declares the constructor arguments that rebuild it (``Module.init_args``, or
an ``init_kwargs`` method when an argument is not kept as is), next to its code; this
module only reads those declarations. A description names a layer by its class name and
lists its arguments::

    {"type": "Linear", "in_features": 2, "out_features": 4, "bias": true}

An argument that is itself a layer (``nn.MLP``'s activations) is stored as its own
description, and rebuilt as a function that builds it. ``Sequential`` and ``ModuleList``
list their children, and so does a ``Sequential`` subclass such as ``nn.MLP``: when the
children rebuilt from the arguments are not the saved ones (layers changed after
construction), the model is rebuilt as a ``Sequential`` of the saved children.

Only classes of ``reseau.nn`` that declare their arguments are ever built: a file cannot
name any other class.

Loading a file builds its model with ``init=False`` and a ``budget``: the layers'
initialisers (``nn.init``) are skipped, since the file's weights replace them (no random
draw, no pass over the new arrays: the memory is only reserved), every integer of the
description is checked against the number of values the file stores before anything is
built, and the values built are counted layer by layer, so that a forged description
declaring more weights than the file holds is refused at the first layer too many.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import numbers
import threading

from .. import nn
from ..backend import fork_rng
from ..nn import init as nn_init
from .errors import ModelFileError

__all__ = ["architecture", "build"]

_CONTAINERS = ("Sequential", "ModuleList")


def _layer_class(name: str):
    """The class of ``reseau.nn`` called ``name`` if it declares its constructor
    arguments, else None."""
    cls = getattr(nn, name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        return None
    declared = cls.init_args is not None or cls.init_kwargs is not nn.Module.init_kwargs
    return cls if declared else None


def _known_names() -> list[str]:
    names = [name for name in nn.__all__ if _layer_class(name) is not None]
    return sorted(set(names) - set(_CONTAINERS)) + list(_CONTAINERS)


def _children(module) -> list | None:
    children = []
    for child_name, child in module._modules.items():
        spec = architecture(child) if child is not None else None
        if spec is None:
            return None
        children.append([child_name, spec])
    return children


def architecture(module) -> dict | None:
    """A JSON-able description of ``module`` from which :func:`build` rebuilds it, or
    None when it holds a layer reseau cannot rebuild (a custom Module class, or a
    subclass of a reseau layer, which may behave differently)."""
    name = type(module).__name__
    if getattr(nn, name, None) is not type(module):
        return None
    if name in _CONTAINERS:
        children = _children(module)
        return None if children is None else {"type": name, "children": children}
    kwargs = module.init_kwargs()
    if kwargs is None:
        return None
    spec = {"type": name}
    for key, value in kwargs.items():
        if isinstance(value, nn.Module):
            value = architecture(value)
            if value is None:
                return None
        spec[key] = value
    if module._modules:
        if not isinstance(module, nn.Sequential):
            return None  # a layer with submodules added after construction
        children = _children(module)
        if children is None:
            return None
        spec["children"] = children
    return spec


def _is_layer_spec(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("type"), str)


# ----------------------------------------------------------------- building without init
# Skipping init is per context (a ContextVar), so that another thread building layers
# meanwhile still initialises them: the initialisers of nn.init are wrapped while a build
# without init runs, and each wrapper asks the ContextVar whether to skip.
_SKIP_INIT = contextvars.ContextVar("reseau_io_skip_init", default=False)
_wrap_lock = threading.Lock()
_wrap_users = 0
_INITIALISERS = [name for name in nn_init.__all__ if name.endswith("_")]


def _skippable(fn):
    @functools.wraps(fn)
    def initialiser(tensor, *args, **kwargs):
        return tensor if _SKIP_INIT.get() else fn(tensor, *args, **kwargs)

    initialiser.__wrapped_initialiser__ = fn
    return initialiser


@contextlib.contextmanager
def _skipping_init():
    """Inside the block, the initialisers of ``nn.init`` (which every layer's
    ``reset_parameters`` calls) leave their tensor as allocated: the weights about to be
    replaced by a file's are not drawn (PyTorch's ``skip_init``, without a meta device)."""
    global _wrap_users
    with _wrap_lock:
        if _wrap_users == 0:
            for name in _INITIALISERS:
                setattr(nn_init, name, _skippable(getattr(nn_init, name)))
        _wrap_users += 1
    token = _SKIP_INIT.set(True)
    try:
        yield
    finally:
        _SKIP_INIT.reset(token)
        with _wrap_lock:
            _wrap_users -= 1
            if _wrap_users == 0:
                for name in _INITIALISERS:
                    wrapped = getattr(nn_init, name)
                    setattr(nn_init, name, getattr(wrapped, "__wrapped_initialiser__", wrapped))


class _Budget:
    """The number of values a file stores, spent by the layers built from its
    description; ``None`` values: no limit."""

    def __init__(self, values: int | None, where: str) -> None:
        self.left, self.total, self.where = values, values, where

    def spend(self, module) -> None:
        if self.left is None:
            return
        self.left -= _values(module)
        if self.left < 0:
            raise ModelFileError(
                f"{self.where}: the architecture declares more weights than the "
                f"{self.total:,} values the file stores (at {type(module).__name__}): the "
                "file is damaged or forged")

    def refund(self, module) -> None:
        if self.left is not None:
            self.left += _values(module)


def _values(module) -> int:
    """The number of values the state dict of ``module`` holds (a non-persistent buffer
    is not in the file), counted without building the state dict, which copies."""
    total = 0
    for mod in module.modules():
        total += sum(p.numel() for p in mod._parameters.values() if p is not None)
        total += sum(b.numel() for name, b in mod._buffers.items()
                     if b is not None and name not in mod._non_persistent)
    return total


def _check_integers(spec, budget: _Budget) -> None:
    """Every integer of the description is at most the number of values stored (or
    2**20): a layer size larger than the whole file is forged, and refused before any
    allocation; so is a description of more items (layers, sizes...) than 10,000 plus
    the values stored (``MLP(sizes=[1] * 10**6)`` would build a million layers). A loop,
    not a recursion: the JSON nesting was already bounded."""
    if budget.total is None:
        return
    limit = max(budget.total, 1 << 20)
    stack, items = [spec], 0
    while stack:
        value = stack.pop()
        items += 1
        if items > 10_000 + budget.total:
            raise ModelFileError(
                f"{budget.where}: the architecture describes more than {items - 1:,} items "
                f"(layers, sizes...) for the {budget.total:,} values the file stores: the "
                "file is damaged or forged")
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, numbers.Integral) and not isinstance(value, bool) \
                and abs(value) > limit:
            raise ModelFileError(
                f"{budget.where}: the architecture holds the size {value:,}, larger than the "
                f"{budget.total:,} values the file stores: the file is damaged or forged")


def _build(spec, budget: _Budget):
    where = budget.where
    if not _is_layer_spec(spec):
        raise ModelFileError(f"{where}: a layer description is not a dict with a 'type'")
    kind = spec["type"]
    if kind in _CONTAINERS:
        return _build_children(kind, spec.get("children"), budget)
    cls = _layer_class(kind)
    if cls is None:
        raise ModelFileError(
            f"{where}: unknown layer type {kind!r}; reseau rebuilds only "
            f"{', '.join(_known_names())}"
        )
    kwargs = {}
    for key, value in spec.items():
        if key in ("type", "children"):
            continue
        # a layer given as an argument (MLP's activations): a function that builds it
        kwargs[key] = (lambda layer=value: _build(layer, budget)) if _is_layer_spec(value) \
            else value
    try:
        module = cls(**kwargs)
    except ModelFileError:
        raise
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 (a forged file may pass any argument)
        shown = {k: v for k, v in spec.items() if k not in ("type", "children")}
        text = str(shown)
        shown = text if len(text) <= 200 else text[:200] + "...}"
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelFileError(f"{where}: cannot build {kind} from {shown}: {message}") from None
    budget.spend(module)
    children = spec.get("children")
    rebuilt = architecture(module) if children is not None else None
    if children is not None and (rebuilt is None or rebuilt.get("children") != children):
        # built from its arguments, it is not what was saved: its layers were changed
        # after construction, so rebuild them as they were
        budget.refund(module)
        return _build_children("Sequential", children, budget)
    return module


def _build_children(kind: str, children, budget: _Budget):
    where = budget.where
    if not isinstance(children, list):
        raise ModelFileError(f"{where}: {kind} without a list of children")
    built = {}
    for item in children:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise ModelFileError(f"{where}: a child of {kind} is not a [name, layer] pair")
        if item[0] in built or not item[0] or "." in item[0]:
            raise ModelFileError(f"{where}: a child of {kind} has the name {item[0]!r}, "
                                 "empty, repeated or dotted")
        built[item[0]] = _build(item[1], budget)
    if kind == "Sequential":
        return nn.Sequential(built)
    return nn.ModuleList(list(built.values()))


def build(spec, where: str = "build", *, init: bool = True, values: int | None = None):
    """The module that ``spec`` (from :func:`architecture`) describes, leaving reseau's
    random generator as it was; ``where`` starts the messages of the
    :class:`ModelFileError` raised for a description that cannot be built.

    ``init=False`` skips the layers' initialisers: the weights are left as allocated
    (uninitialised), for a caller that fills them all at once (``load``). ``values``, the
    number of values a file stores, bounds what the description may build: an integer
    larger than it (and than 2**20) is refused before building, and building stops at
    the first layer past it."""
    budget = _Budget(values, where)
    _check_integers(spec, budget)
    # building layers draws initial weights: loading a model must not change the random
    # numbers a seeded run draws next
    skipping = contextlib.nullcontext() if init else _skipping_init()
    with fork_rng(), skipping:
        try:
            return _build(spec, budget)
        except (MemoryError, RecursionError):
            raise ModelFileError(f"{where}: the architecture is too large to build "
                                 "(damaged or forged file?)") from None
