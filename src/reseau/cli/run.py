"""``reseau run script.py [args...]``: run a PyTorch program as it is, with reseau as torch.

Also ``reseau run lesson.ipynb`` (a notebook's code cells, in order) and ``reseau run -m
package.module [args...]``. ``--real-torch`` runs the same program the same way with the
installed PyTorch instead, to compare the two. The program's own exit status is the
command's; its uncaught exception is printed as Python prints it
(:mod:`reseau.compat.script`). ``main(argv)`` is also ``python -m reseau.run ...``.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run", "main", "add_arguments"]

_DESCRIPTION = (
    "Run a PyTorch script, notebook (.ipynb) or module unchanged, with reseau serving "
    "'import torch' (torch, torch.nn, torch.nn.functional, torch.optim, torch.utils.data... "
    "see docs/pytorch.md). The program runs as __main__ with sys.argv = [PROGRAM, ARGS...], "
    "its folder first on sys.path; its exit status is the command's.")


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the run command's arguments to ``parser``."""
    parser.add_argument("-m", dest="module", action="store_true",
                        help="PROGRAM is a module name, run as 'python -m PROGRAM'")
    parser.add_argument("--real-torch", action="store_true",
                        help="run with the installed PyTorch instead of reseau (to compare)")
    parser.add_argument("program", metavar="PROGRAM",
                        help="the script (.py), notebook (.ipynb) or, with -m, module to run")
    parser.add_argument("args", metavar="ARGS", nargs=argparse.REMAINDER,
                        help="the program's own arguments (its sys.argv[1:])")
    return parser


def add_parser(subparsers) -> None:
    """Add ``run`` to the ``reseau`` command's subparsers."""
    parser = subparsers.add_parser(
        "run", help="run a PyTorch script or notebook unchanged, with reseau as torch",
        description=_DESCRIPTION,
        epilog="Example: reseau run train.py --epochs 3")
    add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the program of the parsed ``args``; returns its exit status."""
    from ..compat import (install_as_torch, is_installed, run_module, run_path,
                          uninstall_as_torch)

    # called in a process that goes on (a test, a notebook), leave `torch` as it was
    installed_here = not args.real_torch and not is_installed()
    if installed_here:
        install_as_torch()
    try:
        if args.module:
            return run_module(args.program, args.args)
        return run_path(args.program, args.args)
    except FileNotFoundError as err:  # as python: the program never started
        print(f"reseau run: error: {err}", file=sys.stderr)
        return 2
    finally:
        if installed_here:
            uninstall_as_torch()


def main(argv=None) -> int:
    """``python -m reseau.run [-m] PROGRAM [ARGS...]``."""
    from .options import Parser, UsageError

    parser = add_arguments(Parser(prog="python -m reseau.run", description=_DESCRIPTION))
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    return run(args)
