"""``reseau predict MODEL input.csv``: the model's predictions for the rows of a CSV file,
as CSV (the prediction, then one probability, or score, per class)."""

from __future__ import annotations

import csv
import io as _stdio
import sys

import numpy as np

from .experiment import load_trained
from .preparation import Preprocessing

__all__ = ["add_parser", "run", "prediction_table"]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "predict", help="predict the rows of a CSV file",
        description="Predict each row of a CSV file whose header names the model's input "
                    "features (extra columns are ignored); writes CSV: the prediction, "
                    "then one probability per class.",
        epilog="example:  reseau predict runs/x/model.npz input.csv > predictions.csv")
    p.add_argument("model", metavar="MODEL", help="a model.npz written by reseau train")
    p.add_argument("input", metavar="INPUT.csv", help="rows to predict")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard "
                                                            "output")
    p.add_argument("--delimiter", metavar="CHAR",
                   help="the field separator of INPUT.csv (default: the training run's)")


def _label(value):
    return int(value) if float(value).is_integer() else value


def prediction_table(out: np.ndarray, prep: Preprocessing) -> tuple[list, list]:
    """The header and rows of the output CSV for the network's outputs ``out``."""
    from ..train.metrics import probabilities

    if prep.task == "regression":
        values = prep.raw_targets(out)
        header = (["prediction"] if values.shape[1] == 1
                  else [f"prediction_{k + 1}" for k in range(values.shape[1])])
        return header, [[repr(float(v)) for v in row] for row in values]
    classes = [_label(c) for c in prep.classes]
    scores = out.astype(np.float64)
    if prep.loss == "bce":  # one logit: P(class 1)
        p1 = probabilities(scores.reshape(-1))
        probs = np.stack([1 - p1, p1], axis=1)
    else:
        probs = probabilities(scores)
    kind = "score" if prep.loss == "hinge" else "prob"
    values = out if kind == "score" else probs
    header = ["prediction"] + [f"{kind}_{c}" for c in classes]
    return header, [[classes[int(k)]] + [f"{v:.6g}" for v in row]
                    for k, row in zip(probs.argmax(axis=1), values)]


def run(args) -> int:
    """Run ``reseau predict`` with the parsed ``args``; returns the exit status."""
    from ..data import load_csv
    from ..files import atomic_write_text
    from ..train import predict

    from .settings import check_value

    model, config, prep = load_trained(args.model)
    delimiter = check_value("delimiter", args.delimiter or config.get("delimiter", ","))
    inputs, _ = load_csv(args.input, target=None, features=prep.features,
                         delimiter=delimiter, as_tensor=False)
    header, rows = prediction_table(predict(model, prep.inputs(inputs)), prep)
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output:
        atomic_write_text(args.output, buf.getvalue())
    else:
        sys.stdout.write(buf.getvalue())
        sys.stdout.flush()
    return 0
