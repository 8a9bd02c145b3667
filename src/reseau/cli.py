"""The ``reseau`` command: ``reseau train``, ``reseau evaluate MODEL``,
``reseau predict MODEL input.csv``, ``reseau search`` (grid search on the dev set, see
:mod:`reseau.search_cli`), and ``reseau lab NAME`` (the labs of :mod:`reseau.labs`).

Run ``reseau --help`` or ``reseau train --help``. A bad option or a bad file is one line
on standard error (``reseau train: error: ...``) and exit status 2 (usage) or 1 (data,
files); ``RESEAU_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import csv
import io as _stdio
import json
import os
import sys

import numpy as np

__all__ = ["main", "build_parser"]

_EXAMPLES_TRAIN = """\
examples:
  reseau train                                  seed 003's Circle network (2-4-2, tanh,
                                                SGD lr 0.1, 150 epochs, batches of 10)
  reseau train --data moons --hidden 16,16 --activation relu --optimizer adam --lr 0.01
  reseau train --data points.csv --target label --early-stopping 10
  reseau train --data mnist --hidden 100 --activation relu --epochs 10 --batch-size 64
  reseau train --config run.toml --epochs 20    the file's settings, epochs from here

schedules (--schedule NAME[:ARG[:ARG]]):
  step[:EVERY[:GAMMA]]  lr x GAMMA (0.1) every EVERY epochs (a third of the run)
  exponential[:GAMMA]   lr x GAMMA (0.97) each epoch
  cosine                cosine annealing to 0 over the run
  poly[:POWER]          polynomial decay to 0 over the run (power 1: linear)
  plateau[:PATIENCE[:FACTOR]]  lr x FACTOR (0.1) after PATIENCE (5) epochs without
                        a better validation loss (a validation set is held out)

The run folder (runs/<date>-<time>/ unless --out) gets model.npz, history.csv,
metrics.json, config.toml (the settings: rerun with --config), learning_curve.png and,
for 2-D inputs, decision_boundary.png. Exit status: 0 done, 1 diverged (the last good
weights are saved), 130 interrupted by Ctrl-C (what was trained is saved).
"""


class _UsageError(Exception):
    """A bad command line: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage block
        raise _UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


def _add_data_options(p, with_defaults: bool) -> None:
    from .train.config import DATASETS
    kw = {} if with_defaults else {"default": argparse.SUPPRESS}
    p.add_argument("--data", metavar="NAME|FILE.csv", **kw,
                   help=f"{', '.join(DATASETS)}, or a CSV file with a header row "
                        "(default: circles)")
    p.add_argument("--target", metavar="COLUMN", **kw,
                   help="the column of the CSV file to predict")
    p.add_argument("--samples", metavar="N", **kw,
                   help="points drawn for a generated set (default: 1000)")
    p.add_argument("--noise", metavar="STD", **kw,
                   help="noise of a generated set (default: the generator's)")
    p.add_argument("--data-dir", metavar="DIR", **kw,
                   help="folder holding the MNIST files (default: download into the cache)")
    p.add_argument("--seed", metavar="N", **kw,
                   help="seed of the data, the split, the initial weights and the "
                        "shuffling (default: 0)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``reseau`` command and its subcommands."""
    from . import __version__
    from .train.config import ACTIVATIONS, LOSSES, OPTIMIZERS

    parser = _Parser(
        prog="reseau",
        description="Train, evaluate and use neural networks with reseau, a deep-learning "
                    "library on NumPy.",
        epilog="Run 'reseau COMMAND --help' for the options of a command.")
    parser.add_argument("--version", action="version", version=f"reseau {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = sub.add_parser(
        "train", help="train a network and write a run folder",
        description="Train a multilayer perceptron. With no options: seed 003's Circle "
                    "experiment, logged as 'Iter N: Acc train ..% (loss), acc test ..% "
                    "(loss)'.",
        epilog=_EXAMPLES_TRAIN, formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS)
    t.add_argument("--config", metavar="FILE.toml",
                   help="read settings from a TOML file (same keys as these options, e.g. "
                        "batch-size = 10); options given here win")
    _add_data_options(t, with_defaults=False)
    t.add_argument("--test-size", metavar="FRACTION",
                   help="share of the data held out for the test (default: 0.25)")
    t.add_argument("--val-size", metavar="FRACTION",
                   help="share held out for validation, with --early-stopping or a plateau "
                        "schedule (default: 0.2)")
    t.add_argument("--standardize", action=argparse.BooleanOptionalAction,
                   help="standardise the inputs with the training set's mean and std "
                        "(default: yes, except for images)")
    t.add_argument("--hidden", metavar="SIZES",
                   help="hidden layer sizes, e.g. 64,32; 'none' for no hidden layer "
                        "(default: 4)")
    t.add_argument("--activation", metavar="NAME",
                   help=f"{', '.join(ACTIVATIONS)} (default: tanh)")
    t.add_argument("--loss", metavar="NAME",
                   help=f"{', '.join(LOSSES)} (default auto: cross-entropy for class "
                        "labels, mse for real values)")
    t.add_argument("--optimizer", metavar="NAME",
                   help=f"{', '.join(OPTIMIZERS)} (default: sgd)")
    t.add_argument("--lr", metavar="RATE",
                   help="learning rate (default: 0.1 for sgd, 0.001 for adam and adamw, "
                        "0.01 for rmsprop and adagrad)")
    t.add_argument("--momentum", metavar="M", help="momentum of sgd or rmsprop (default: 0)")
    t.add_argument("--weight-decay", metavar="L2",
                   help="weight decay (default: the optimizer's, 0 except adamw's 0.01)")
    t.add_argument("--epochs", metavar="N", help="passes over the training data (default: 150)")
    t.add_argument("--batch-size", metavar="N|full",
                   help="samples per step, or 'full' for full-batch descent (default: 10)")
    t.add_argument("--schedule", metavar="SPEC",
                   help="learning-rate schedule, see below (default: none)")
    t.add_argument("--early-stopping", metavar="PATIENCE",
                   help="stop when the validation loss has not improved for PATIENCE "
                        "epochs and keep the best weights (default: 0, off)")
    t.add_argument("--out", metavar="DIR", help="the run folder (default: runs/<date>-<time>)")
    t.add_argument("--log-every", metavar="N",
                   help="print the log line every N epochs (default: about 15 lines)")

    e = sub.add_parser(
        "evaluate", help="score a saved model on data",
        description="Score a saved model. On the data set of its training run (the "
                    "default) the test split is used, which training never saw; other "
                    "data (another CSV file, --seed) is scored whole.")
    e.add_argument("model", metavar="MODEL", help="a model.npz written by reseau train")
    _add_data_options(e, with_defaults=True)
    e.add_argument("--json", action="store_true", help="print the scores as JSON")

    p = sub.add_parser(
        "predict", help="predict the rows of a CSV file",
        description="Predict each row of a CSV file whose header names the model's input "
                    "features (extra columns are ignored); writes CSV: the prediction, "
                    "then one probability per class.",
        epilog="example:  reseau predict runs/x/model.npz input.csv > predictions.csv")
    p.add_argument("model", metavar="MODEL", help="a model.npz written by reseau train")
    p.add_argument("input", metavar="INPUT.csv", help="rows to predict")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard "
                                                            "output")
    from .search_cli import add_parser as add_search_parser  # reseau search (grid search)
    add_search_parser(sub)
    sub.add_parser(
        "ops", help="list the differentiable primitives and their gradients",
        description="Print the table of reseau's primitives (reseau.OPS): each one's "
                    "forward formula and its vector-Jacobian product, as Markdown.")
    try:  # the labs (reseau.labs) bring their own arguments
        from .labs.cli import add_arguments
    except ImportError:
        return parser
    lab = sub.add_parser(
        "lab", help="re-run an experiment of the course and write its report",
        description="Re-run an experiment of the course documents and write its report "
                    "(Markdown + PNG) into a folder.",
        epilog="Run 'reseau lab list' to see the labs.")
    add_arguments(lab)
    return parser


# ----------------------------------------------------------------- commands
def _train(args) -> int:
    from .train import config, experiment

    cli_values = {k: v for k, v in vars(args).items() if k not in ("command", "config")}
    settings = config.resolve(cli_values, getattr(args, "config", None))
    status, _ = experiment.run(settings)
    return status


def _load_model(path):
    from . import io
    info = io.read_info(path)
    prep = (info.get("config") or {}).get("preprocessing")
    if prep is None:
        raise ValueError(f"{path} was not written by 'reseau train' (it has no preprocessing "
                         "settings); load it in Python with reseau.io.load")
    return io.load(path), info["config"], prep


def _evaluation_data(trained: dict, args, prep: dict):
    """Inputs and targets to score, transformed as in training, and a description."""
    from .train import experiment as X
    from .train.config import check_value

    settings = dict(trained)
    for key in ("data", "target", "samples", "noise", "data_dir", "seed"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = check_value(key, value)
    same = all(settings[k] == trained[k] for k in ("data", "target", "samples", "noise", "seed"))
    if same:  # the very data of the training run: score its test split
        data = X.prepare(settings)
        return data.X_test, data.y_test, f"the test split of {settings['data']}"
    Xa, ya, _, official = X.load_data(settings, features=prep["features"])
    if official is not None:
        Xa, ya = official
    if prep["task"] == "classification":
        ya = X.labels_to_indices(ya, prep, settings["data"])
    return (X.transform_inputs(Xa, prep), X.transform_targets(ya, prep),
            f"{settings['data']} ({len(Xa)} samples)")


def _evaluate(args) -> int:
    from .train import experiment as X

    model, trained, prep = _load_model(args.model)
    X_eval, y_eval, what = _evaluation_data(trained, args, prep)
    data = X.Data(X_eval[:0], y_eval[:0], X_eval, y_eval, **prep)
    loss_fn = X.build_loss(prep["loss"])
    scores = X.final_scores(model, loss_fn, data, "test")
    if prep["task"] == "classification":
        from .train import confusion_matrix, predict
        threshold = 0.0 if prep["loss"] == "bce" else 0.5
        scores["confusion_matrix"] = confusion_matrix(
            y_eval.reshape(-1).astype(np.int64), predict(model, X_eval),
            len(prep["classes"]), threshold).tolist()
    scores["samples"] = len(X_eval)
    if args.json:
        print(json.dumps(scores, indent=2))
        return 0
    if prep["task"] == "classification":
        print(f"{what}: accuracy {100 * scores['accuracy']:.1f}% (loss {scores['loss']:.4f}), "
              f"macro precision {scores['precision']:.3f}, recall {scores['recall']:.3f}, "
              f"F1 {scores['f1']:.3f}")
        print("confusion matrix (rows: true class, columns: predicted), classes "
              f"{prep['classes']}:")
        for row in scores["confusion_matrix"]:
            print("  " + " ".join(f"{v:6d}" for v in row))
    else:
        print(f"{what}: R2 {scores['r2']:.4f}, MSE {scores['mse']:.6g}, MAE {scores['mae']:.6g}")
    return 0


def _label(value):
    return int(value) if float(value).is_integer() else value


def _predict(args) -> int:
    from . import io
    from .data import load_csv
    from .train import predict
    from .train import experiment as X

    model, _, prep = _load_model(args.model)
    inputs, _ = load_csv(args.input, target=None, features=prep["features"], as_tensor=False)
    out = predict(model, X.transform_inputs(inputs, prep))
    rows: list = []
    if prep["task"] == "regression":
        values = out * np.asarray(prep["y_scale"]) + np.asarray(prep["y_mean"])
        header = (["prediction"] if values.shape[1] == 1
                  else [f"prediction_{k + 1}" for k in range(values.shape[1])])
        rows = [[repr(float(v)) for v in row] for row in values]
    else:
        classes = [_label(c) for c in prep["classes"]]
        if prep["loss"] == "bce":
            p1 = 1 / (1 + np.exp(-out.reshape(-1).astype(np.float64)))
            probs = np.stack([1 - p1, p1], axis=1)
        else:
            z = out.astype(np.float64) - out.max(axis=1, keepdims=True)
            probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        kind = "score" if prep["loss"] == "hinge" else "prob"
        values = out if kind == "score" else probs
        header = ["prediction"] + [f"{kind}_{c}" for c in classes]
        rows = [[classes[int(k)]] + [f"{v:.6g}" for v in row]
                for k, row in zip(probs.argmax(axis=1), values)]
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output:
        io.atomic_write_text(args.output, buf.getvalue())
    else:
        sys.stdout.write(buf.getvalue())
        sys.stdout.flush()
    return 0


def _lab(args) -> int:
    from .labs.cli import run_from_args
    return run_from_args(args)


def _search(args) -> int:
    from .search_cli import run
    return run(args)


def _ops(args) -> int:
    from .ops.registry import op_table_markdown
    print(op_table_markdown(), end="")
    return 0


_COMMANDS = {"train": _train, "evaluate": _evaluate, "predict": _predict, "lab": _lab,
             "search": _search, "ops": _ops}


def main(argv=None) -> int:
    """Entry point of the ``reseau`` console script; returns the exit status."""
    from .data import DownloadError
    from .io import ModelFileError
    from .train.config import ConfigError

    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # name the subcommand whose options these are not
            prog = "reseau" if args.command is None else f"reseau {args.command}"
            raise _UsageError(f"{prog}: error: unrecognized arguments: {' '.join(extra)} "
                              f"(see '{prog} --help')")
    except _UsageError as err:
        print(err, file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    prog = f"reseau {args.command}"
    try:
        return _COMMANDS[args.command](args)
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


if __name__ == "__main__":
    sys.exit(main())
