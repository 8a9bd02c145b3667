"""The ``reseau`` command, the application on top of the library: ``reseau train``,
``reseau evaluate MODEL``, ``reseau predict MODEL input.csv``, ``reseau search`` (grid
search on the dev set), ``reseau lab NAME`` (the labs of :mod:`reseau.labs`) and ``reseau
ops`` (the table of primitives), ``reseau export MODEL --to onnx|pt|safetensors`` and
``reseau run script.py`` (a PyTorch program, unchanged,
with reseau as torch) and ``reseau playground`` (a network trained live in the browser).

One module per subcommand, each with ``add_parser(subparsers)`` and ``run(args)``; under
them, :mod:`~reseau.cli.settings` (the typed settings of a run, from defaults, a TOML file
and the options), :mod:`~reseau.cli.preparation` (the data of a run),
:mod:`~reseau.cli.run_folder` and :mod:`~reseau.cli.experiment` (one training run).

Run ``reseau --help`` or ``reseau train --help``. A bad option or a bad file is one line
on standard error (``reseau train: error: ...``) and exit status 2 (usage) or 1 (data,
files); ``RESEAU_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from . import evaluate, export, lab, ops, playground, predict, run, search, train
from .options import Parser, UsageError
from .settings import ConfigError

__all__ = ["main", "build_parser"]

# the subcommands, in the order of `reseau --help`
COMMANDS = {"train": train, "evaluate": evaluate, "predict": predict, "search": search,
            "export": export, "ops": ops, "lab": lab, "run": run, "playground": playground}


def build_parser() -> Parser:
    """The parser of the ``reseau`` command and its subcommands."""
    from ..version import __version__

    parser = Parser(
        prog="reseau",
        description="Train, evaluate and use neural networks with reseau, a deep-learning "
                    "library on NumPy.",
        epilog="Run 'reseau COMMAND --help' for the options of a command.")
    parser.add_argument("--version", action="version", version=f"reseau {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``reseau`` console script; returns the exit status."""
    try:  # the parser imports the registries' modules: Ctrl-C may come meanwhile
        from ..data import DownloadError
        from ..io import ModelFileError

        parser = build_parser()
    except KeyboardInterrupt:
        print("reseau: interrupted", file=sys.stderr)
        return 130
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # name the subcommand whose options these are not
            prog = "reseau" if args.command is None else f"reseau {args.command}"
            raise UsageError(f"{prog}: error: unrecognized arguments: {' '.join(extra)} "
                             f"(see '{prog} --help')")
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    prog = f"reseau {args.command}"
    try:
        status = COMMANDS[args.command].run(args)
        if argv is None and threading.current_thread() is threading.main_thread():
            # the program itself, its work done: Ctrl-C while Python exits would kill it
            # with status -2 and no message, and change nothing; it is ignored from here
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return status
    except BrokenPipeError:  # e.g. reseau predict ... | head: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ConfigError as err:
        print(f"{prog}: error: {err} (see '{prog} --help')", file=sys.stderr)
        return 2
    except (ModelFileError, DownloadError, ValueError, OSError, ImportError) as err:
        if os.environ.get("RESEAU_DEBUG"):
            raise
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
