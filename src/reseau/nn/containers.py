"""Containers that register the modules they hold: ``Sequential`` (a chain),
``ModuleList`` (a list) and ``ModuleDict`` (a dict); and the parameters they hold:
``ParameterList`` and ``ParameterDict``. A plain Python list of layers is invisible to
``parameters()``; these are not."""

from __future__ import annotations

import operator
from typing import Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module, _indent
from .parameter import Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(i, n: int, what: str) -> int:
    try:
        i = operator.index(i)
    except TypeError:
        raise TypeError(f"{what} indices must be integers or slices, got {type(i).__name__}") \
            from None
    if not -n <= i < n:
        raise IndexError(f"{what}: index {i} is out of range for {n} module(s)")
    return i % n


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named ``"0"``, ``"1"``, ...) or from one dict of named modules.

    Examples
    --------
    >>> from reseau import nn
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> sum(p.numel() for p in net.parameters())  # (2*3 + 3) + (3*1 + 1)
    13
    """

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], Mapping):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                if not isinstance(module, Module):
                    raise TypeError(
                        f"Sequential: argument {i} is a {type(module).__name__}, not a "
                        "Module; activations are modules too (nn.ReLU(), not reseau.relu)"
                    )
                self.add_module(str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(dict(list(self._modules.items())[i]))
        return list(self._modules.values())[_index(i, len(self), "Sequential")]

    def __setitem__(self, i, module: Module) -> None:
        key = list(self._modules)[_index(i, len(self), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, i) -> None:
        keys = list(self._modules)
        doomed = keys[i] if isinstance(i, slice) else [keys[_index(i, len(self), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        # renumber so that names stay "0", "1", ... as in PyTorch
        mods = list(self._modules.values())
        self._modules.clear()
        for j, m in enumerate(mods):
            self._modules[str(j)] = m

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got {type(module).__name__}")
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules.clear()
        for j, m in enumerate(mods):
            self._modules[str(j)] = m
        return self


class ModuleList(Module):
    """A list of modules, registered so that their parameters are found.

    Examples
    --------
    >>> from reseau import nn
    >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleList has no forward(): it is a container; loop over it in your "
            "module's forward (for layer in self.layers: x = layer(x)), or use nn.Sequential"
        )

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ModuleList(list(self._modules.values())[i])
        return self._modules[str(_index(i, len(self), "ModuleList"))]

    def __setitem__(self, i, module: Module) -> None:
        self.add_module(str(_index(i, len(self), "ModuleList")), module)

    def __delitem__(self, i) -> None:
        mods = list(self._modules.values())
        del mods[i if isinstance(i, slice) else _index(i, len(self), "ModuleList")]
        self._modules.clear()
        for j, m in enumerate(mods):
            self._modules[str(j)] = m

    def append(self, module: Module) -> "ModuleList":
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend: expected an iterable of Modules, got one Module")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules.clear()
        for m in mods:
            self.append(m)

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def _child_lines(self) -> list[str]:
        # As PyTorch prints a ModuleList: a run of children with the same repr is one
        # line, "(0-2): 3 x Linear(...)".
        lines, run = [], []
        for name, mod in list(self._modules.items()) + [(None, None)]:
            text = None if name is None else repr(mod)
            if run and text != run[0][1]:
                first, body = run[0]
                label = first if len(run) == 1 else f"{first}-{run[-1][0]}"
                count = "" if len(run) == 1 else f"{len(run)} x "
                lines.append(f"({label}): {count}{_indent(body)}")
                run = []
            run.append((name, text))
        return lines


class ModuleDict(Module):
    """A dict of modules (string keys, insertion order kept), registered so that their
    parameters are found.

    Examples
    --------
    >>> from reseau import nn
    >>> heads = nn.ModuleDict({"class": nn.Linear(8, 3), "box": nn.Linear(8, 4)})
    >>> list(heads.keys())
    ['class', 'box']
    """

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleDict has no forward(): it is a container; call its entries, "
            "e.g. self.heads['class'](x)"
        )

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no key {key!r} (keys: {list(self._modules)})")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: value for {key!r} must be a Module, got "
                            f"{type(module).__name__}")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        value = self[key]
        del self._modules[key]
        return value

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module


def _parameter_line(key, p, kind: str) -> str:
    """PyTorch's line for one entry of a ParameterList / ParameterDict."""
    if not isinstance(p, Tensor):
        return f"  ({key}): Object of type: {type(p).__name__}"
    size = "x".join(str(n) for n in p.shape)
    name = "Parameter" if isinstance(p, Parameter) else "Tensor"
    return f"  ({key}): {name} containing: [{kind} of size {size}]"


def _as_parameter(value):
    return value if isinstance(value, Parameter) or not isinstance(value, Tensor) \
        else Parameter(value)


class ParameterList(Module):
    """A list of parameters, registered (as "0", "1"...) so that ``parameters()``
    finds them; tensors are wrapped in ``Parameter``.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> ps = nn.ParameterList([nn.Parameter(reseau.ones(3, 2)) for _ in range(2)])
    >>> len(ps), [n for n, _ in ps.named_parameters()]
    (2, ['0', '1'])
    """

    def __init__(self, values=None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ParameterList(list(self._parameters.values())[i])
        return self._parameters[str(_index(i, len(self), "ParameterList"))]

    def __setitem__(self, i, value) -> None:
        key = str(_index(i, len(self), "ParameterList"))
        self._parameters[key] = _as_parameter(value)

    def append(self, value) -> "ParameterList":
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values) -> "ParameterList":
        for v in values:
            self.append(v)
        return self

    def __iadd__(self, values) -> "ParameterList":
        return self.extend(values)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward(): it holds parameters; use "
                                  "them in your module's forward")

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(k, p, str(p.dtype) if isinstance(p, Tensor) else "")
                         for k, p in self._parameters.items())


class ParameterDict(Module):
    """A dict of parameters (string keys, insertion order kept), registered so that
    ``parameters()`` finds them; tensors are wrapped in ``Parameter``.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> pd = nn.ParameterDict({"scale": nn.Parameter(reseau.ones(2))})
    >>> list(pd.keys()), "scale" in pd
    (['scale'], True)
    """

    def __init__(self, parameters=None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str):
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no key {key!r} (keys: {list(self._parameters)})")
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        if key in self._parameters:
            self._parameters[key] = _as_parameter(value)
        else:
            self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def pop(self, key: str):
        value = self[key]
        del self._parameters[key]
        return value

    def update(self, parameters) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward(): it holds parameters; use "
                                  "them in your module's forward")

    def extra_repr(self) -> str:
        # PyTorch names the tensor type here (torch.FloatTensor), not the dtype
        return "\n".join(_parameter_line(k, p, _typename(p)) for k, p in self._parameters.items())


def _typename(p) -> str:
    return p.type() if isinstance(p, Tensor) and callable(getattr(p, "type", None)) else ""
