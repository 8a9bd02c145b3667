"""What the subcommands' parsers share: a parser that reports a bad command line in one
line, the data options, and help texts made from :mod:`reseau.registry` (the names and
the default learning rates are never typed by hand)."""

from __future__ import annotations

import argparse
import inspect
import textwrap

from ..registry import OPTIMIZERS
from .settings import SCHEDULE_SPECS, TrainSettings, dataset_names, loss_names, optimizer_names

__all__ = ["UsageError", "Parser", "add_data_options", "add_split_options", "add_fit_options",
           "add_device_option",
           "default", "default_rates", "lr_help",
           "weight_decay_help", "momentum_help", "loss_help", "optimizer_help"]


class UsageError(Exception):
    """A bad command line: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage block
        raise UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


def default(name: str) -> str:
    """The default of a setting, as help texts show it."""
    value = getattr(TrainSettings, name)
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _grouped(values: dict) -> str:
    """``{"sgd": 0.1, "adam": 0.001, "adamw": 0.001}`` -> ``0.1 for sgd, 0.001 for adam
    and adamw``."""
    groups: dict = {}
    for name, value in values.items():
        groups.setdefault(value, []).append(name)
    return ", ".join(f"{value:g} for {listed(names, 'and')}" for value, names in groups.items())


def listed(names: list, last: str) -> str:
    """``a, b and c`` (``last`` is ``and`` or ``or``)."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def loss_help() -> str:
    return ", ".join(loss_names()[1:])


def optimizer_help() -> str:
    return ", ".join(optimizer_names())


def default_rates() -> str:
    """``0.1 for sgd, 0.01 for adagrad and rmsprop, ...``: each optimizer's default
    learning rate, from the registry."""
    return _grouped({n: OPTIMIZERS.info(n)["default_lr"] for n in optimizer_names()})


def lr_help() -> str:
    return f"learning rate (default: {default_rates()})"


def weight_decay_help() -> str:
    """The default weight decay of each optimizer: its class's own default."""
    decay = {n: inspect.signature(OPTIMIZERS.get(n)).parameters["weight_decay"].default
             for n in optimizer_names()}
    return f"weight decay (default: the optimizer's, {_grouped(decay)})"


def momentum_help() -> str:
    return f"momentum of {listed(optimizer_names(momentum=True), 'or')} (default: 0)"


def schedules_help() -> str:
    """The ``--schedule`` specs, one per scheduler, with their defaults."""
    lines = ["schedules (--schedule NAME[:ARG[:ARG]]):"]
    for name, schedule in SCHEDULE_SPECS.items():
        spec = name + "".join(f"[:{a.label}" for a in schedule.args) + "]" * len(schedule.args)
        shown = {a.label: a.shown or f"{a.default:g}" for a in schedule.args}
        text = f"  {spec:<20}  {schedule.summary.format(**shown)}"
        lines += textwrap.wrap(text, 88, subsequent_indent=" " * 24)
    return "\n".join(lines)


def add_data_options(p, with_defaults: bool) -> None:
    """``--data``, ``--target``, ``--delimiter``, ``--samples``, ``--noise``,
    ``--data-dir``, ``--seed``.
    Without defaults, an option not given is absent from the parsed arguments (the
    settings' default applies); with them, it is None."""
    kw = {} if with_defaults else {"default": argparse.SUPPRESS}
    p.add_argument("--data", metavar="NAME|FILE.csv", **kw,
                   help=f"{', '.join(dataset_names())}, or a CSV file with a header row "
                        f"(default: {default('data')})")
    p.add_argument("--target", metavar="COLUMN", **kw,
                   help="the column of the CSV file to predict")
    p.add_argument("--delimiter", metavar="CHAR", **kw,
                   help="the field separator of the CSV file: ',', ';', tab... "
                        f"(default: {default('delimiter')!r})")
    p.add_argument("--samples", metavar="N", **kw,
                   help=f"points drawn for a generated set (default: {default('samples')})")
    p.add_argument("--noise", metavar="STD", **kw,
                   help="noise of a generated set (default: the generator's)")
    p.add_argument("--data-dir", metavar="DIR", **kw,
                   help="folder holding the MNIST files (default: download into the cache)")
    p.add_argument("--seed", metavar="N", **kw,
                   help="seed of the data, the split, the initial weights and the "
                        f"shuffling (default: {default('seed')})")


def add_split_options(p, held_out: str, held_out_help: str) -> None:
    """``--test-size``, the option of the held-out set chosen on (``--val-size`` or
    ``--dev-size``) and ``--standardize``."""
    p.add_argument("--test-size", metavar="FRACTION",
                   help=f"share of the data held out for the test "
                        f"(default: {default('test_size')})")
    p.add_argument(held_out, metavar="FRACTION",
                   help=f"{held_out_help} (default: {default('val_size')})")
    p.add_argument("--standardize", action=argparse.BooleanOptionalAction,
                   help="standardise the inputs with the training set's mean and std "
                        "(default: yes, except for images)")


def add_device_option(p, **kw) -> None:
    """``--device cpu|cuda[:N]``."""
    p.add_argument("--device", metavar="cpu|cuda", **kw,
                   help="where the networks compute: cpu (NumPy) or cuda, cuda:N (an NVIDIA "
                        "GPU through CuPy: pip install 'reseau[cuda]'; see docs/gpu.md) "
                        f"(default: {default('device')})")


def add_fit_options(p, schedule_help: str) -> None:
    """``--loss``, ``--momentum``, ``--weight-decay``, ``--epochs``, ``--schedule``,
    ``--device``, ``--out``, ``--force`` and ``--memory-limit``: how each network is
    trained, where the run folder goes, and how much memory it may take."""
    p.add_argument("--loss", metavar="NAME",
                   help=f"{loss_help()} (default auto: cross-entropy for class labels, mse "
                        "for real values)")
    p.add_argument("--momentum", metavar="M", help=momentum_help())
    p.add_argument("--weight-decay", metavar="L2", help=weight_decay_help())
    p.add_argument("--epochs", metavar="N",
                   help=f"passes over the training data (default: {default('epochs')})")
    p.add_argument("--schedule", metavar="SPEC",
                   help=f"learning-rate schedule, {schedule_help} (default: none)")
    add_device_option(p)
    p.add_argument("--compile", action="store_true",
                   help="record the training step once and replay its array calls "
                        "(reseau.compile, docs/compile.md): the same results, bit for bit, "
                        "faster on small networks (default: off)")
    p.add_argument("--out", metavar="DIR", help="the run folder (default: runs/<date>-<time>); "
                   "a folder that holds a run is not replaced without --force")
    p.add_argument("--force", action="store_true",
                   help="replace the run folder --out if it holds a run")
    p.add_argument("--memory-limit", metavar="SIZE",
                   help="the memory the run may need, e.g. 64GB or 512MB; a run whose sizes "
                        "need more is refused before it starts (default: 75%% of the memory "
                        "available)")
