"""``reseau search``: choose the hidden size (and the learning rate, the activation...)
on the dev set, as seed 003 says, with :func:`reseau.train.grid_search`.

    reseau search --data circles --hidden 2,4,8,16 --lr 0.01,0.1,1 --jobs 2

The data are loaded, split into train / dev / test and standardised as ``reseau
train`` does; each configuration is an MLP trained by ``reseau.train.fit`` with the
settings of ``reseau train``; the table (best dev score first) and the chosen
configuration are printed, and the run folder gets ``table.csv``, ``model.npz`` (the
chosen model, which ``reseau evaluate`` and ``reseau predict`` read like a model of
``reseau train``) and ``search.json``. The test set is scored once, for the chosen
configuration only.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys

from .experiment import build_training
from .options import (
    add_data_options, add_fit_options, add_split_options, default, optimizer_help,
)
from .preparation import prepare
from .run_folder import new_run_dir, write_json
from .settings import ConfigError, TrainSettings, activation_names, check_value

__all__ = ["add_parser", "run", "Candidate"]

# options that take a comma-separated list of values, one configuration per value
GRID_OPTIONS = ("hidden", "lr", "activation", "optimizer", "batch_size")

_EXAMPLES = """\
examples:
  reseau search --data circles --hidden 2,4,8,16 --lr 0.01,0.1,1 --jobs 2
  reseau search --data moons --hidden 8,16x16 --activation tanh,relu --optimizer adam
  reseau search --data digits --hidden 32,64 --lr 0.1 --epochs 30 --refit

--hidden lists one network per comma: 16x16 is two hidden layers of 16, none is no
hidden layer. Every combination of the listed values is trained (on train), scored
(on dev), and the best is tested once (on test). The other options are those of
'reseau train'. The run folder (runs/<date>-<time>/ unless --out) gets table.csv,
model.npz (the chosen model: use it with reseau evaluate / reseau predict) and
search.json.
"""


def add_parser(subparsers) -> None:
    """Add ``search`` to the ``reseau`` command's subparsers."""
    s = subparsers.add_parser(
        "search", help="grid search of hyper-parameters on the dev set",
        description="Train one MLP per combination of the listed values, score each on "
                    "the dev set, print the table and the chosen configuration, and test "
                    "the chosen one (seed 003: choose the hidden size on the dev set).",
        epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS)
    add_data_options(s, with_defaults=False)
    add_split_options(s, "--dev-size", "share held out as the dev set, to choose on")
    s.add_argument("--hidden", metavar="LIST", default="2,4,8,16",
                   help="hidden layers to try, e.g. 2,4,8,16 or 8,16x16 (default: 2,4,8,16)")
    s.add_argument("--lr", metavar="LIST",
                   help="learning rates to try, e.g. 0.01,0.1,1 (default: the optimizer's)")
    s.add_argument("--activation", metavar="LIST",
                   help=f"activations to try among {', '.join(activation_names())} "
                        f"(default: {default('activation')})")
    s.add_argument("--optimizer", metavar="LIST",
                   help=f"optimizers to try among {optimizer_help()} "
                        f"(default: {default('optimizer')})")
    s.add_argument("--batch-size", metavar="LIST",
                   help="batch sizes to try, numbers or 'full' "
                        f"(default: {default('batch_size')})")
    add_fit_options(s, "as in 'reseau train'")
    s.add_argument("--jobs", metavar="N", default="1",
                   help="configurations trained in parallel; -1: one per core (default: 1)")
    s.add_argument("--refit", action="store_true",
                   help="train the chosen configuration again on train + dev before testing")


def _setting(key: str, value: str):
    """The ``reseau train`` setting for one grid value (``16x16`` -> ``16,16``)."""
    return value.replace("x", ",") if key == "hidden" else value


def grid_values(key: str, text: str) -> list:
    """The checked values of a list option, kept as the user wrote them (so that the
    table shows ``16x16``, not ``(16, 16)``)."""
    values = [v.strip() for v in str(text).split(",")]
    if any(v == "" for v in values):
        raise ConfigError(f"--{key.replace('_', '-')} has an empty value in {text!r}; "
                          "separate the values with single commas, e.g. 2,4,8")
    for v in values:
        check_value(key, _setting(key, v))
    return list(dict.fromkeys(values))  # a value given twice is trained once


def _jobs(text) -> int:
    try:
        jobs = int(str(text).strip())
    except ValueError:
        raise ConfigError(f"--jobs must be a whole number (-1: every core), got "
                          f"{text!r}") from None
    if jobs == 0 or jobs < -1:
        raise ConfigError(f"--jobs must be >= 1, or -1 for one per core; got {jobs}")
    return jobs


class Candidate:
    """One configuration of the search: an MLP trained as ``reseau train`` trains it,
    with scikit-learn's ``fit(X, y)`` / ``score(X, y)`` protocol that
    :func:`reseau.train.grid_search` uses. The score is the accuracy (classification)
    or R^2 (regression)."""

    def __init__(self, settings: TrainSettings, n_in: int, n_out: int, task: str, **config):
        self.config = config
        self.settings = settings.replace(**{k: _setting(k, v) for k, v in config.items()})
        self.n_in, self.n_out, self.task = n_in, n_out, task
        self.metric = "accuracy" if task == "classification" else "r2"

    def fit(self, X, y):
        from ..train import fit

        s = self.settings
        self.model, self.loss_fn, optimizer, scheduler = build_training(
            s, self.n_in, self.n_out, s.loss)
        self.history = fit(self.model, self.loss_fn, optimizer, (X, y), epochs=s.epochs,
                           scheduler=scheduler, metrics=(), batch_size=s.batch_size,
                           log_every=None)
        return self

    def score(self, X, y) -> float:
        from ..train import evaluate

        return evaluate(self.model, self.loss_fn, (X, y), metrics=(self.metric,))[self.metric]


def _shown(metric: str, value: float) -> str:
    return f"{100 * value:.1f}%" if metric == "accuracy" else f"{value:.4f}"


def run(args, out=None) -> int:
    """Run ``reseau search`` with the parsed ``args``; returns the exit status."""
    from .. import io
    from ..train import grid_search

    out = out or sys.stdout
    given = vars(args)
    single = {k: v for k, v in given.items()
              if k not in (*GRID_OPTIONS, "command", "jobs", "refit", "dev_size")}
    if "dev_size" in given:
        single["val_size"] = given["dev_size"]
    settings = TrainSettings.resolve(single)
    grid = {k: grid_values(k, given[k]) for k in GRID_OPTIONS if given.get(k) is not None}
    jobs = _jobs(given["jobs"])
    # the dev set is held out as the validation set; stored with the model, dev_split
    # lets reseau evaluate re-create the same train / dev / test split
    data = prepare(settings, dev_split=True)
    task = data.prep.task
    settings = settings.replace(loss=data.prep.loss)  # 'auto' resolved from the targets
    build = functools.partial(Candidate, settings, data.X_train.shape[1], data.n_outputs, task)
    metric = "accuracy" if task == "classification" else "r2"
    n_configs = math.prod(len(values) for values in grid.values())
    names = ", ".join(k.replace("_", "-") for k in grid)
    print(f"Searching {n_configs} configuration(s) of {names} on {settings.data}: "
          f"{len(data.X_train)} train, {len(data.X_val)} dev, {len(data.X_test)} test; "
          f"scored by dev {metric}, {jobs} job(s)", file=out, flush=True)
    result = grid_search(build, grid, (data.X_train, data.y_train), (data.X_val, data.y_val),
                         (data.X_test, data.y_test), n_jobs=jobs,
                         refit=given.get("refit", False), seed=settings.seed)
    run_dir = new_run_dir(settings.out)  # only now: a failed search leaves no folder
    result.to_csv(run_dir / "table.csv")
    print(result.format(), file=out)
    chosen = " ".join(f"{k.replace('_', '-')}={v}" for k, v in result.best_params.items())
    print(f"Chosen: {chosen} (dev {metric} {_shown(metric, result.best_score)}); trained on "
          f"{'train + dev' if result.refit else 'train'}, test {metric} "
          f"{_shown(metric, result.test_score)} (the only configuration tested)", file=out)
    best = result.best_model
    stored = {**best.settings.stored(), "dev_split": True,
              "preprocessing": data.prep.to_dict()}
    summary = {"grid": grid, "chosen": result.best_params, "metric": metric,
               "dev_score": result.best_score, "test_score": result.test_score,
               "refit": result.refit, "table": result.table}
    io.save(best.model, run_dir / "model.npz", config=stored,
            metadata={"search": {k: summary[k] for k in ("chosen", "dev_score",
                                                          "test_score", "refit")}})
    write_json(run_dir / "search.json", summary)
    print(f"Wrote {run_dir}/: table.csv, model.npz, search.json", file=out, flush=True)
    return 0
