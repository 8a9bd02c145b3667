"""``Module``: the base class of every layer and network.

A Module finds its parameters, sub-modules and buffers by attribute assignment:
``self.fc = Linear(2, 3)`` registers ``fc`` in the ordered dict ``_modules``,
``self.w = Parameter(...)`` registers ``w`` in ``_parameters``. Everything else
(``parameters()``, ``state_dict()``, ``train()``, the repr) walks those dicts.
"""

from __future__ import annotations

import difflib
import warnings
from collections import OrderedDict, namedtuple
from typing import Callable, Iterator

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..devices import CPU, check_device
from ..dtypes import as_dtype, is_floating
from ..tensor import Tensor, to_dtype_arg
from .parameter import Buffer, Parameter

__all__ = ["Module", "ModuleSummary", "StateDictError"]

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(ValueError, RuntimeError):
    """``load_state_dict`` was given keys or shapes that do not fit the module. It is a
    ValueError, and a RuntimeError as in PyTorch, so either ``except`` catches it."""


def _check_name(kind: str, name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'{kind} name must be a non-empty string without ".", got {name!r}')


class Module:
    """Base class for layers and networks: subclass it, assign layers and parameters
    in ``__init__`` (after ``super().__init__()``), and write ``forward``.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(2, 3)
    ...         self.fc2 = nn.Linear(3, 1)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> [name for name, _ in Net().named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define "
            f"`def forward(self, x): ...` in the class"
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ registration
    def _require_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call: call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, e.g. ``bias`` when disabled)."""
        self._require_init("parameters")
        _check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__} as parameter {name!r} of "
                f"{type(self).__name__}: wrap it, nn.Parameter(tensor), or assign None"
            )
        taken = name in self._buffers or name in self._modules or name in self.__dict__
        if taken or hasattr(type(self), name):
            raise KeyError(f"attribute {name!r} already exists in {type(self).__name__}")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is saved with the module but not trained (e.g.
        BatchNorm's running mean). ``persistent=False`` keeps it out of
        ``state_dict``."""
        self._require_init("buffers")
        _check_name("buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign {type(tensor).__name__} as buffer {name!r}: a Tensor or "
                "None is expected"
            )
        if name in self._parameters or name in self._modules or name in self.__dict__:
            raise KeyError(f"attribute {name!r} already exists in {type(self).__name__}")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a sub-module (same as assigning it to an attribute)."""
        self._require_init("modules")
        _check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if name in self.__dict__ or name in self._parameters or name in self._buffers:
            raise KeyError(f"attribute {name!r} already exists in {type(self).__name__}")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params, bufs, mods = d.get("_parameters"), d.get("_buffers"), d.get("_modules")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__}: nn.Parameter or None expected"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._require_init("child modules")
            self._forget(name, keep="_modules")
            mods[name] = value
        elif mods is not None and name in mods:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} of "
                    f"{type(self).__name__}: a Module or None is expected"
                )
            mods[name] = None
        elif isinstance(value, Buffer):
            self._require_init("buffers")
            self._forget(name, keep="_buffers")
            self.register_buffer(name, Tensor._make(value._array), value.persistent)
        elif bufs is not None and name in bufs:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} of "
                    f"{type(self).__name__}: a Tensor or None is expected"
                )
            bufs[name] = value
        else:
            _warn_if_unregistered(self, name, value)
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Remove ``name`` from the other registries before registering it in ``keep``
        (where re-assigning keeps its place in the order)."""
        self.__dict__.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep:
                self.__dict__[key].pop(name, None)

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d.get(key)
            if reg is not None and name in reg:
                return reg[name]
        known = list(d) + [k for key in ("_parameters", "_buffers", "_modules")
                           for k in d.get(key, ())]
        known += [k for k in dir(type(self)) if not k.startswith("__")]
        close = difflib.get_close_matches(name, [k for k in known if not k.startswith("_")],
                                          n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        if "_parameters" not in d:
            hint += " (was super().__init__() called in __init__?)"
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}{hint}")

    def __delattr__(self, name: str) -> None:
        for key in ("_parameters", "_buffers", "_modules"):
            reg = self.__dict__.get(key)
            if reg is not None and name in reg:
                del reg[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        extra = [k for key in ("_parameters", "_buffers", "_modules") for k in self.__dict__[key]]
        return sorted(set(super().__dir__()) | set(extra))

    # ------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """``(dotted name, module)`` for this module and every descendant, depth first;
        a module reachable twice is listed once."""
        # Iterative, so that very deep nets do not hit the recursion limit.
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            yield name, mod
            kids = [(name + "." + k if name else k, m) for k, m in mod._modules.items()
                    if m is not None]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_name, mod in mods:
            for name, t in mod.__dict__[registry].items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (mod_name + "." + name if mod_name else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two layers is given
        once, under the first name it is found by."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> "Module":
        """The descendant at dotted path ``target`` (``""`` is this module)."""
        mod = self
        if target == "":
            return mod
        walked = []
        for part in target.split("."):
            sub = mod._modules.get(part)
            if sub is None:
                where = ".".join(walked) or type(self).__name__
                raise AttributeError(
                    f"get_submodule: {where} has no sub-module {part!r} (its children are "
                    f"{list(mod._modules)})"
                )
            walked.append(part)
            mod = sub
        return mod

    def get_parameter(self, target: str) -> Parameter:
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(
                f"get_parameter: {mod_path or type(self).__name__} has no parameter "
                f"{name!r} (its parameters are {list(mod._parameters)})"
            )
        return mod._parameters[name]

    # ------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and
        in every descendant. Returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be a bool, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode: the same as ``train(False)``. Returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Turn gradient recording on or off for every parameter (freeze a layer)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (the default), or to zeros."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._array[...] = 0

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn`` on every sub-module (children first) and then on self, e.g. to
        initialise the weights. Returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ dtype
    def _cast(self, dtype: np.dtype) -> "Module":
        # In place: the Parameter objects stay the same, so an optimizer built before
        # the conversion still holds them.
        for t in list(self.parameters()) + list(self.buffers()):
            if is_floating(t._array.dtype) and t._array.dtype != dtype:
                t._array = t._array.astype(dtype)
                if t.grad is not None:
                    t.grad._array = t.grad._array.astype(dtype)
        return self

    def to(self, *args, device=None, dtype=None, non_blocking: bool = False) -> "Module":
        """Move parameters and buffers (and their gradients) to ``device`` and convert the
        floating ones to ``dtype``, in place, as ``net.to("cuda")``,
        ``net.to(reseau.float64)`` or ``net.to(device="cpu", dtype=...)`` (PyTorch's forms,
        a tensor's dtype and device included). The Parameter objects stay the same, so
        an optimizer built before still holds them. Returns self."""
        dtype, device = to_dtype_arg(args, dtype, device, "Module.to")
        if device is not None:
            self._move(device)
        if dtype is None:
            return self
        dtype = as_dtype(dtype)
        if not is_floating(dtype):
            raise TypeError(f"Module.to: only floating dtypes are allowed, got {dtype}")
        return self._cast(dtype)

    def _move(self, device) -> "Module":
        for t in list(self.parameters()) + list(self.buffers()):
            t._array = backend.to_device(t._array, device)
            if t.grad is not None:
                t.grad._array = backend.to_device(t.grad._array, device)
        return self

    def cuda(self, device=None) -> "Module":
        return self._move(check_device("cuda" if device is None else device, "Module.cuda"))

    def double(self) -> "Module":
        return self._cast(np.dtype(np.float64))

    def float(self) -> "Module":
        return self._cast(np.dtype(np.float32))

    def type(self, dtype) -> "Module":
        return self.to(dtype)

    def cpu(self) -> "Module":
        return self._move(CPU)

    # ------------------------------------------------------------ state
    def _state_items(self):
        """Every persistent entry of the state dict, as (dotted name, tensor); shared
        tensors appear under each of their names, as in PyTorch."""
        for mod_name, mod in self.named_modules(remove_duplicate=False):
            pre = mod_name + "." if mod_name else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    yield pre + name, p
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    yield pre + name, b

    def state_dict(self, destination=None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """The parameters and persistent buffers, keyed by dotted name in registration
        order: ``OrderedDict({"fc1.weight": tensor(...), ...})``, as in PyTorch.

        The values are detached Tensors that SHARE memory with the parameters and
        buffers: ``sd["fc1.weight"].copy_(w)`` changes the model, and a training step
        changes ``sd``. To keep weights (the best epoch's), copy them:
        ``{k: v.clone() for k, v in sd.items()}`` or ``copy.deepcopy(sd)``.
        ``keep_vars=True`` gives the Parameters and buffers themselves; ``prefix`` is
        put before every key; ``destination`` (a dict) is filled and returned.
        """
        if destination is None:
            destination = OrderedDict()
        for name, t in self._state_items():
            destination[prefix + name] = t if keep_vars else t.detach()
        return destination

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy the values of ``state_dict`` (arrays or tensors, keyed by dotted name)
        into the parameters and buffers, in place.

        With ``strict=True`` (the default) the keys must match exactly; shapes must
        always match. Nothing is changed unless everything fits. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(
                f"load_state_dict: expected a dict of arrays, got {type(state_dict).__name__}"
            )
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and unexpected:
            problems.append(f"unexpected key(s): {', '.join(map(repr, unexpected))}")
        if strict and missing:
            problems.append(f"missing key(s): {', '.join(map(repr, missing))}")
        values = {}
        for key, value in state_dict.items():
            if key not in own:
                continue
            arr = value._array if isinstance(value, Tensor) else backend.asarray(value)
            if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                           or arr.dtype == np.bool_):
                problems.append(f"{key!r} holds non-numeric data ({arr.dtype})")
                continue
            target = own[key]
            if arr.shape != target.shape:
                problems.append(
                    f"size mismatch for {key!r}: the checkpoint has shape {tuple(arr.shape)}, "
                    f"the model has {tuple(target.shape)}"
                )
                continue
            values[key] = arr
        if problems:
            raise StateDictError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                + "\n  ".join(problems)
                + "\n(the checkpoint was probably saved from a differently built model; "
                "build the same architecture, or pass strict=False to skip missing or "
                "unexpected keys)"
            )
        with no_grad():
            for key, arr in values.items():
                t = own[key]
                t._array[...] = arr.astype(t._array.dtype, copy=False)
                t._version += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ rebuilding
    #: The names of the constructor arguments that rebuild this module, each stored in
    #: the attribute of the same name: ``reseau.io`` saves them beside the weights and
    #: rebuilds the layer from them. None (the default): the module cannot be rebuilt
    #: from its arguments (a custom Module), and ``io.load`` then needs ``model=``.
    init_args: tuple[str, ...] | None = None

    def init_kwargs(self) -> dict | None:
        """The keyword arguments that rebuild this module (``type(self)(**kwargs)``, the
        weights aside), read from the attributes named by ``init_args``; None when the
        module does not declare them. Override when an argument is not kept as is
        (``Linear`` keeps a bias tensor, not the ``bias`` flag)."""
        if self.init_args is None:
            return None
        return {name: getattr(self, name) for name in self.init_args}

    # ------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def _child_lines(self) -> list[str]:
        """One ``(name): repr`` entry per child, as PyTorch lists them."""
        return [f"({name}): {_indent(repr(mod))}" for name, mod in self._modules.items()]

    def __repr__(self) -> str:
        """The module tree exactly as PyTorch prints it: ``Name(extra_repr)`` for a
        layer, one indented ``(name): child`` line per sub-module otherwise. The
        parameter count is in :meth:`summary`."""
        extra = self.extra_repr()
        lines = (extra.split("\n") if extra else []) + self._child_lines()
        if not lines:
            return self._get_name() + "()"
        if len(lines) == 1 and not self._modules:
            return f"{self._get_name()}({lines[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def summary(self) -> "ModuleSummary":
        """The tree (as ``print(model)``) followed by the number of distinct
        parameters and how many of them are trained (``requires_grad``).

        Examples
        --------
        >>> from reseau import nn
        >>> print(nn.Sequential(nn.Linear(2, 3), nn.ReLU()).summary())
        Sequential(
          (0): Linear(in_features=2, out_features=3, bias=True)
          (1): ReLU()
        )
        Parameters: 9 (trainable: 9)
        """
        params = list(self.parameters())
        total = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        return ModuleSummary(f"{self!r}\nParameters: {total:,} (trainable: {trainable:,})")


class ModuleSummary(str):
    """The text of :meth:`Module.summary`; shown as it is printed (in a notebook too)."""

    def __repr__(self) -> str:
        return str(self)


def _indent(text: str) -> str:
    """A child's repr, its lines after the first indented by two spaces."""
    return text.replace("\n", "\n  ")


def _warn_if_unregistered(module: Module, name: str, value) -> None:
    """A plain list, tuple or dict of Modules or Parameters is invisible to
    ``parameters()``: the classic bug of layers that silently never train."""
    items = value.values() if isinstance(value, dict) else value
    if not isinstance(value, (list, tuple, dict)) or not value:
        return
    if any(isinstance(v, Module) for v in items):
        fix = "nn.ModuleDict({...})" if isinstance(value, dict) else "nn.ModuleList([...])"
        warnings.warn(
            f"{type(module).__name__}.{name} is a plain {type(value).__name__} of Modules: "
            f"they are not registered, so their parameters will be neither trained nor "
            f"saved; use {fix}",
            UserWarning,
            stacklevel=3,
        )
    elif any(isinstance(v, Parameter) for v in items):
        warnings.warn(
            f"{type(module).__name__}.{name} is a plain {type(value).__name__} of "
            f"Parameters: they are not registered, so they will be neither trained nor "
            f"saved; assign each one to its own attribute or use register_parameter",
            UserWarning,
            stacklevel=3,
        )
