"""Stopgap launcher: runs a corpus script with ``torch`` served by reseau, for as long as
``reseau run`` (the import hook) is not in the tree. test_ports.py uses ``python -m reseau
run`` as soon as it exists; this file then only serves old checkouts.

Usage: ``python tests/ports/_launch.py script.py [args...]``.
"""

import importlib
import runpy
import sys

import reseau

ALIASES = {
    "torch": "reseau",
    "torch.nn": "reseau.nn",
    "torch.nn.functional": "reseau.nn.functional",
    "torch.nn.init": "reseau.nn.init",
    "torch.nn.utils": "reseau.nn.utils",
    "torch.optim": "reseau.optim",
    "torch.optim.lr_scheduler": "reseau.optim.lr_scheduler",
    "torch.autograd": "reseau.autograd",
    "torch.utils": "reseau.utils",
    "torch.utils.data": "reseau.utils.data",
    "torch.cuda": "reseau.cuda",
    "torch.backends": "reseau.backends",
}


def install() -> None:
    if hasattr(reseau, "install_as_torch"):
        reseau.install_as_torch()
        return
    for alias, name in ALIASES.items():
        try:
            sys.modules[alias] = importlib.import_module(name)
        except ImportError:
            pass  # the script fails at that import, which the failure list records
    if "torch.utils.data" not in sys.modules:  # the older home of DataLoader
        sys.modules["torch.utils.data"] = importlib.import_module("reseau.data")


if __name__ == "__main__":
    install()
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
