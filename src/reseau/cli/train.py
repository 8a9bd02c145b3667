"""``reseau train``: train an MLP (or a network of ``--model``) as the settings say and
write a run folder."""

from __future__ import annotations

import argparse

from . import experiment
from .options import (
    add_data_options, add_fit_options, add_split_options, default, lr_help, optimizer_help,
    schedules_help,
)
from .settings import TrainSettings, activation_names, model_names

__all__ = ["add_parser", "run"]

_EXAMPLES = """\
examples:
  reseau train                                  seed 003's Circle network (2-4-2, tanh,
                                                SGD lr 0.1, 150 epochs, batches of 10)
  reseau train --data moons --hidden 16,16 --activation relu --optimizer adam --lr 0.01
  reseau train --data points.csv --target label --early-stopping 10
  reseau train --data mnist --hidden 100 --activation relu --epochs 10 --batch-size 64
  reseau train --model lenet5 --data mnist --optimizer adam --epochs 10 --batch-size 64
  reseau train --config run.toml --epochs 20    the file's settings, epochs from here
"""

_RUN_FOLDER = """\
The run folder (runs/<date>-<time>/ unless --out) gets model.npz, history.csv,
metrics.json, config.toml (the settings: rerun with --config), learning_curve.png and,
for 2-D inputs, decision_boundary.png. It is written as <out>.incomplete/ and renamed
into place at the end; a folder that holds a run is replaced only with --force. Exit
status: 0 done, 1 diverged (the last good weights are saved), 2 a bad option or a run
too big for the memory limit, 130 interrupted by Ctrl-C (what was trained is saved).
"""


def add_parser(subparsers) -> None:
    """Add ``train`` to the ``reseau`` command's subparsers."""
    t = subparsers.add_parser(
        "train", help="train a network and write a run folder",
        description="Train a multilayer perceptron (or, with --model, a convolutional "
                    "network). With no options: seed 003's Circle "
                    "experiment, logged as 'Iter N: Acc train ..% (loss), acc test ..% "
                    "(loss)'.",
        epilog=f"{_EXAMPLES}\n{schedules_help()}\n\n{_RUN_FOLDER}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS)
    t.add_argument("--config", metavar="FILE.toml",
                   help="read settings from a TOML file (same keys as these options, e.g. "
                        "batch-size = 10); options given here win")
    add_data_options(t, with_defaults=False)
    add_split_options(t, "--val-size", "share held out for validation, with "
                      "--early-stopping or a plateau schedule")
    t.add_argument("--model", metavar="NAME",
                   help=f"{', '.join(model_names())}: the MLP of --hidden and --activation, or "
                        "a convolutional network for 28x28 images (MNIST, Fashion-MNIST), "
                        f"which ignores them (default: {default('model')})")
    t.add_argument("--hidden", metavar="SIZES",
                   help="hidden layer sizes, e.g. 64,32; 'none' for no hidden layer "
                        f"(default: {default('hidden')})")
    t.add_argument("--activation", metavar="NAME",
                   help=f"{', '.join(activation_names())} (default: {default('activation')})")
    t.add_argument("--optimizer", metavar="NAME",
                   help=f"{optimizer_help()} (default: {default('optimizer')})")
    t.add_argument("--lr", metavar="RATE", help=lr_help())
    t.add_argument("--batch-size", metavar="N|full",
                   help="samples per step, or 'full' for full-batch descent "
                        f"(default: {default('batch_size')})")
    t.add_argument("--early-stopping", metavar="PATIENCE",
                   help="stop when the validation loss has not improved for PATIENCE "
                        "epochs and keep the best weights (default: 0, off)")
    add_fit_options(t, "see below")
    t.add_argument("--log-every", metavar="N",
                   help="print the log line every N epochs (default: about 15 lines)")


def run(args) -> int:
    """Run ``reseau train`` with the parsed ``args``; returns the exit status."""
    options = {k: v for k, v in vars(args).items() if k not in ("command", "config", "force")}
    settings = TrainSettings.resolve(options, getattr(args, "config", None))
    status, _ = experiment.run(settings, force=getattr(args, "force", False))
    return status
