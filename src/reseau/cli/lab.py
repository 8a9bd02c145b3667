"""``reseau lab NAME [--quick] [--out DIR] [--seed N] [--data-dir DIR] [--device cpu|cuda]``,
``reseau lab list`` and ``reseau lab all``: the command line of the labs
(:mod:`reseau.labs`).

``main(argv)`` is also ``python -m reseau.labs ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import textwrap

__all__ = ["add_parser", "run", "main", "add_arguments", "describe_labs"]

_DESCRIPTION = ("Re-run an experiment of the course documents and write its report "
                "(Markdown + PNG) into a folder.")


def describe_labs() -> str:
    """The text of ``reseau lab list``: each lab's name, source and summary."""
    from ..labs import LABS

    width = max(len(n) for n in LABS)
    lines = ["Labs (run one with `reseau lab NAME`, all with `reseau lab all`):", ""]
    for lab in LABS.values():
        wrapped = textwrap.wrap(f"{lab.summary} [{lab.source}]", 96 - width)
        lines.append(f"  {lab.name.ljust(width)}  {wrapped[0]}")
        lines.extend(f"  {' ' * width}  {w}" for w in wrapped[1:])
    return "\n".join(lines)


class _Interrupted(BaseException):
    """Ctrl-C during a lab. Not a KeyboardInterrupt, which ``reseau.train.fit`` turns into
    an early stop that keeps what it trained: a lab must stop at once, not go on and
    report a half-trained network as its result."""


@contextlib.contextmanager
def _ctrl_c_stops():
    def stop(signum, frame):
        raise _Interrupted
    try:
        old = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: Ctrl-C is not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the lab command's arguments to ``parser``."""
    parser.add_argument("name", metavar="NAME",
                        help="a lab name, 'list' to describe the labs, or 'all' to run them all")
    parser.add_argument("--quick", action="store_true",
                        help="a small run in seconds (smaller data, fewer epochs)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="where the report folders go (default: ./lab-reports)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="random seed of the data, the weights and the batches (default 0)")
    parser.add_argument("--data-dir", metavar="DIR", default=None,
                        help="folder holding the MNIST files (default: download into the cache)")
    from .options import add_device_option

    add_device_option(parser, default="cpu")
    return parser


def add_parser(subparsers) -> None:
    """Add ``lab`` to the ``reseau`` command's subparsers."""
    lab = subparsers.add_parser(
        "lab", help="re-run an experiment of the course and write its report",
        description=_DESCRIPTION, epilog="Run 'reseau lab list' to see the labs.")
    add_arguments(lab)


def run(args: argparse.Namespace) -> int:
    """Run what the parsed ``args`` ask for; returns the exit status."""
    from ..labs import get_lab, run_all, run_lab

    if args.name == "list":
        print(describe_labs())
        return 0
    if args.seed < 0:
        print(f"reseau lab: --seed must be >= 0, got {args.seed}", file=sys.stderr)
        return 2
    from .experiment import require_device
    from .preparation import check_data_dir
    from .settings import ConfigError, check_value

    try:
        device = check_value("device", args.device)
        require_device(device)  # before any lab runs: one line, what is missing
    except ConfigError as exc:
        print(f"reseau lab: {exc}", file=sys.stderr)
        return 2
    check_data_dir(args.data_dir)  # a typo is an error, not a new folder to download into
    if args.name == "all":
        try:
            with _ctrl_c_stops():
                index, failed = run_all(args.out, quick=args.quick, seed=args.seed,
                                        data_dir=args.data_dir, device=device)
        except (KeyboardInterrupt, _Interrupted):
            print("reseau lab all: interrupted; the reports written before it are kept",
                  file=sys.stderr)
            return 130
        print(f"Index of the reports: {index}")
        if failed:
            print(f"reseau lab all: {len(failed)} lab(s) failed: {', '.join(failed)}",
                  file=sys.stderr)
            return 1
        return 0
    try:
        get_lab(args.name)
    except KeyError as exc:
        print(f"reseau lab: {exc.args[0]}", file=sys.stderr)
        return 2
    try:
        with _ctrl_c_stops():
            path = run_lab(args.name, args.out, quick=args.quick, seed=args.seed,
                           data_dir=args.data_dir, device=device)
    except (KeyboardInterrupt, _Interrupted):
        print(f"reseau lab {args.name}: interrupted; no report written", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (one clear line, not a traceback)
        print(f"reseau lab {args.name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"Report written to {path}")
    return 0


def main(argv=None) -> int:
    """``python -m reseau.labs ...``: the same as ``reseau lab ...``."""
    parser = argparse.ArgumentParser(prog="reseau lab", description=_DESCRIPTION,
                                     epilog="Run `reseau lab list` to see the labs.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
