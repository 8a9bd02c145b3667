"""``reseau.compat``: running PyTorch code as it is, with reseau underneath.

- :func:`install_as_torch` makes ``import torch`` load reseau in this process (a notebook, a
  script); :func:`uninstall_as_torch` undoes it.
- :func:`run_path` / :func:`run_module` run a script, a notebook or a module as ``python``
  would, with the hook installed: ``reseau run script.py`` and ``python -m reseau.run``.
- :data:`TORCH_MODULES` is the one table of what is served (the coverage claim of
  docs/pytorch.md); the rest of PyTorch fails to import with :class:`NotProvidedError`.
"""

from __future__ import annotations

from .hook import (
    NotProvidedError, TorchFinder, install_as_torch, is_installed, uninstall_as_torch,
)
from .modules import NOT_PROVIDED, TORCH_MODULES
from .script import notebook_cells, run_module, run_path

__all__ = ["install_as_torch", "uninstall_as_torch", "is_installed", "TorchFinder",
           "NotProvidedError", "TORCH_MODULES", "NOT_PROVIDED", "run_path", "run_module",
           "notebook_cells"]
