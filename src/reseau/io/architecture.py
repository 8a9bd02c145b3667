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
"""

from __future__ import annotations

from .. import nn
from ..backend import fork_rng
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


def _build(spec, where: str):
    if not _is_layer_spec(spec):
        raise ModelFileError(f"{where}: a layer description is not a dict with a 'type'")
    kind = spec["type"]
    if kind in _CONTAINERS:
        return _build_children(kind, spec.get("children"), where)
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
        kwargs[key] = (lambda layer=value: _build(layer, where)) if _is_layer_spec(value) \
            else value
    try:
        module = cls(**kwargs)
    except (KeyError, TypeError, ValueError) as err:
        shown = {k: v for k, v in spec.items() if k not in ("type", "children")}
        raise ModelFileError(f"{where}: cannot build {kind} from {shown}: {err}") from None
    children = spec.get("children")
    rebuilt = architecture(module) if children is not None else None
    if children is not None and (rebuilt is None or rebuilt.get("children") != children):
        # built from its arguments, it is not what was saved: its layers were changed
        # after construction, so rebuild them as they were
        return _build_children("Sequential", children, where)
    return module


def _build_children(kind: str, children, where: str):
    if not isinstance(children, list):
        raise ModelFileError(f"{where}: {kind} without a list of children")
    built = {}
    for item in children:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise ModelFileError(f"{where}: a child of {kind} is not a [name, layer] pair")
        built[item[0]] = _build(item[1], where)
    if kind == "Sequential":
        return nn.Sequential(built)
    return nn.ModuleList(list(built.values()))


def build(spec, where: str = "build"):
    """The module that ``spec`` (from :func:`architecture`) describes, with fresh
    weights, leaving reseau's random generator as it was; ``where`` starts the
    messages of the :class:`ModelFileError` raised for a description that cannot be
    built."""
    # building layers draws initial weights: loading a model must not change the random
    # numbers a seeded run draws next
    with fork_rng():
        try:
            return _build(spec, where)
        except MemoryError:
            raise ModelFileError(f"{where}: the architecture is too large to build "
                                 "(damaged or forged file?)") from None
