"""The import hook that makes ``import torch`` load reseau: a finder placed first in
``sys.meta_path``, whose loader hands the import system the reseau module itself.

Nothing is copied: after ``import torch.nn as nn``, ``nn`` *is* ``reseau.nn`` (same object,
its ``__name__`` still ``"reseau.nn"``), so a class defined by the script subclasses
reseau's ``Module`` and every tensor is a reseau ``Tensor``. The names served are those of
:data:`~reseau.compat.modules.TORCH_MODULES`; any other ``torch.*`` module, and the other
libraries of the PyTorch family (``torchvision``...), fail to import with one line
(:class:`NotProvidedError`, a ``ModuleNotFoundError``).

The hook goes first in ``sys.meta_path``, so it wins over an installed PyTorch. Modules of
the real PyTorch already imported are taken out of ``sys.modules`` while the hook is
installed (else ``import torch`` would return them from the cache) and put back by
:func:`uninstall_as_torch`; objects a program took from them before keep working, but
anything they import lazily while the hook is installed gets reseau's answer instead.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types

from .modules import TORCH_MODULES, is_torch_name, not_provided_message

__all__ = ["NotProvidedError", "TorchFinder", "install_as_torch", "uninstall_as_torch",
           "is_installed"]


class NotProvidedError(ModuleNotFoundError):
    """An import of a part of PyTorch that reseau does not provide."""


def _served(fullname: str):
    """The reseau module served as ``fullname``, or raise :class:`NotProvidedError`."""
    target = TORCH_MODULES.get(fullname)
    if target is not None:
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError as err:
            if err.name != target and not target.startswith(f"{err.name}."):
                raise  # the reseau module exists but something it imports is missing
        # a namespace kept as an attribute (a module object built in its parent's file)
        parent, _, child = target.rpartition(".")
        namespace = getattr(sys.modules.get(parent), child, None)
        if isinstance(namespace, types.ModuleType):
            return namespace
    raise NotProvidedError(not_provided_message(fullname), name=fullname)


class _ServingLoader(importlib.abc.Loader):
    """Hands over an already imported reseau module. The import system stamps its own spec
    on the module it loads; :meth:`exec_module` puts the module's own spec back, so that
    ``reseau.nn.__spec__`` stays reseau's."""

    def create_module(self, spec):
        return spec.loader_state[0]

    def exec_module(self, module):
        own_spec = module.__spec__.loader_state[1]
        module.__spec__ = own_spec


class TorchFinder(importlib.abc.MetaPathFinder):
    """Answers the imports of ``torch``, ``torch.*`` and the PyTorch family; leaves every
    other import to the finders after it."""

    def find_spec(self, fullname, path=None, target=None):
        if not is_torch_name(fullname):
            return None
        module = _served(fullname)
        own_spec = getattr(module, "__spec__", None)
        locations = getattr(own_spec, "submodule_search_locations", None)
        return importlib.machinery.ModuleSpec(
            fullname, _LOADER, loader_state=(module, own_spec),
            is_package=locations is not None)

    def __repr__(self) -> str:
        return "<reseau.compat.TorchFinder: torch is reseau>"


_LOADER = _ServingLoader()
_FINDER = TorchFinder()
# the real PyTorch's modules that were imported when the hook was installed
_saved_modules: dict[str, object] = {}


def _torch_entries() -> list[str]:
    return [name for name in sys.modules if is_torch_name(name)]


def is_installed() -> bool:
    """Whether ``import torch`` currently loads reseau."""
    return _FINDER in sys.meta_path


def install_as_torch() -> None:
    """Make ``import torch`` (and ``import torch.nn as nn``, ``from torch.utils.data import
    DataLoader``...) load reseau from now on, in this process, even where PyTorch is
    installed: what ``reseau run script.py`` does before it runs the script.

    Call it before the first ``import torch`` (at the top of a notebook). The modules served
    are listed in ``reseau.compat.TORCH_MODULES`` and docs/pytorch.md; importing any other
    part of PyTorch (``torchvision``, ``torch.distributed``...) fails with one line.
    :func:`uninstall_as_torch` undoes it. Calling it twice does nothing more.

    Examples
    --------
    >>> import reseau
    >>> reseau.install_as_torch()
    >>> import torch
    >>> torch.__name__
    'reseau'
    >>> reseau.compat.uninstall_as_torch()
    """
    if is_installed():
        sys.meta_path.remove(_FINDER)  # back to the front below
    else:
        for name in _torch_entries():
            _saved_modules[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, _FINDER)


def uninstall_as_torch() -> None:
    """Undo :func:`install_as_torch`: ``import torch`` finds the real PyTorch (if installed)
    again, and its modules imported before the install are back in ``sys.modules``."""
    if not is_installed():
        return
    sys.meta_path.remove(_FINDER)
    for name in _torch_entries():
        del sys.modules[name]
    sys.modules.update(_saved_modules)
    _saved_modules.clear()
