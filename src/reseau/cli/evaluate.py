"""``reseau evaluate MODEL``: score a saved model, on the test split of its own training
run by default, or on other data scored whole."""

from __future__ import annotations

import json
import re

from .experiment import build_loss, confusion, load_trained, scores
from .options import add_data_options
from .preparation import Preprocessing, load_data, prepare
from .settings import TrainSettings

__all__ = ["add_parser", "run"]

# the settings that say which data: the same values mean the training run's data
_DATA_KEYS = ("data", "target", "samples", "noise", "seed")


def add_parser(subparsers) -> None:
    e = subparsers.add_parser(
        "evaluate", help="score a saved model on data",
        description="Score a saved model. On the data set of its training run (the "
                    "default: every data option defaults to the training run's value) the "
                    "test split is used, which training never saw; other data (another "
                    "CSV file, --seed) is scored whole.")
    e.add_argument("model", metavar="MODEL", help="a model.npz written by reseau train")
    add_data_options(e, with_defaults=True)
    for action in e._actions:  # the data options default to the training run's values
        if action.dest in (*_DATA_KEYS, "delimiter", "data_dir"):
            action.help = re.sub(r"\s*\(default: .*\)$", "", action.help) + \
                " (default: the training run's)"
    e.add_argument("--json", action="store_true", help="print the scores as JSON")


def evaluation_data(config: dict, prep: Preprocessing, options: dict):
    """Inputs and targets to score, transformed as in training, and their description.
    ``config`` is the model's saved settings; ``options`` the data options given (None:
    not given)."""
    trained = TrainSettings.from_stored(config)
    settings = trained.replace(**{k: v for k, v in options.items() if v is not None})
    if all(getattr(settings, k) == getattr(trained, k) for k in _DATA_KEYS):
        # the very data of the training run: score its test split
        data = prepare(settings, dev_split=config.get("dev_split", False))
        return data.X_test, data.y_test, f"the test split of {settings.data}"
    X, y, _, official = load_data(settings, features=prep.features)
    if official is not None:
        X, y = official
    if prep.task == "classification":
        y = prep.class_indices(y, settings.data)
    return prep.inputs(X), prep.targets(y), f"{settings.data} ({len(X)} samples)"


def run(args) -> int:
    """Run ``reseau evaluate`` with the parsed ``args``; returns the exit status."""
    model, config, prep = load_trained(args.model)
    options = {k: getattr(args, k) for k in (*_DATA_KEYS, "data_dir", "delimiter")}
    X, y, what = evaluation_data(config, prep, options)
    result = scores(model, build_loss(prep.loss), X, y, prep)
    if prep.task == "classification":
        result["confusion_matrix"] = confusion(model, X, y, prep)
    result["samples"] = len(X)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    if prep.task == "classification":
        print(f"{what}: accuracy {100 * result['accuracy']:.1f}% (loss {result['loss']:.4f}), "
              f"macro precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
              f"F1 {result['f1']:.3f}")
        print("confusion matrix (rows: true class, columns: predicted), classes "
              f"{prep.classes}:")
        for row in result["confusion_matrix"]:
            print("  " + " ".join(f"{v:6d}" for v in row))
    else:
        print(f"{what}: R2 {result['r2']:.4f}, MSE {result['mse']:.6g}, MAE {result['mae']:.6g}")
    return 0
