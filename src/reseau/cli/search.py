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
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from .experiment import build_training, check_resources, require_device
from .options import (
    add_data_options, add_fit_options, add_split_options, default, optimizer_help,
)
from .preparation import prepare
from .run_folder import INCOMPLETE, RunFolder, incomplete_path, write_json
from .settings import ConfigError, TrainSettings, activation_names, check_value

__all__ = ["add_parser", "run", "Candidate"]

# options that take a comma-separated list of values, one configuration per value
GRID_OPTIONS = ("hidden", "lr", "activation", "optimizer", "batch_size")
DEFAULT_HIDDEN = "2,4,8,16"
PROGRESS = "progress.json"   # the configurations and their state, what --resume reads
# options that --resume may change; the others are those the search started with
RESUME_OPTIONS = ("jobs", "memory_limit")
_SCORES = ("dev_score", "train_score", "fit_time")   # what a completed configuration holds

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
search.json. Ctrl-C stops the search (exit status 130) and keeps the configurations
already trained: 'reseau search --resume DIR' trains the others and ends as an
uninterrupted search would.
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
    s.add_argument("--hidden", metavar="LIST",
                   help=f"hidden layers to try, e.g. 2,4,8,16 or 8,16x16 (default: "
                        f"{DEFAULT_HIDDEN})")
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
    s.add_argument("--jobs", metavar="N",
                   help="configurations trained in parallel; -1: one per core (default: 1)")
    s.add_argument("--refit", action="store_true",
                   help="train the chosen configuration again on train + dev before testing")
    s.add_argument("--resume", metavar="DIR",
                   help="continue the search interrupted in the run folder DIR (its "
                        "configurations already trained are kept; --jobs and "
                        "--memory-limit may change, the other settings are the search's)")


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
                           log_every=None, device=s.device,
                           compile=s.compile)
        if self.history.stop_reason == "interrupted":
            # fit keeps what Ctrl-C left; a search must not score it as a finished run
            raise KeyboardInterrupt
        return self

    def score(self, X, y) -> float:
        from ..train import evaluate

        return evaluate(self.model, self.loss_fn, (X, y), metrics=(self.metric,))[self.metric]


def _shown(metric: str, value: float) -> str:
    return f"{100 * value:.1f}%" if metric == "accuracy" else f"{value:.4f}"


def _configs(grid: dict) -> list[dict]:
    """Every combination of the grid's values, the last option varying fastest."""
    from ..train.grid_search import expand_grid

    return expand_grid(grid)


def _check_memory(settings: TrainSettings, configs: list, jobs: int, data=None) -> None:
    """Refuse the search when its largest configuration, times the configurations
    trained at once, needs more memory than the limit (or too many steps)."""
    at_once = min(len(configs), (os.cpu_count() or 1) if jobs == -1 else jobs)
    for config in configs:
        each = settings.replace(**{k: _setting(k, v) for k, v in config.items()})
        shown = " ".join(f"{k.replace('_', '-')}={v}" for k, v in config.items())
        check_resources(each, data, at_once, f"the configuration {shown}")


def _read_progress(path: Path) -> dict:
    """The progress file of an interrupted search, its shape checked."""
    try:
        with open(path, encoding="utf-8") as f:
            progress = json.loads(f.read(10_000_000))
        entries = progress["configurations"]
        if not (isinstance(progress, dict) and isinstance(entries, list) and all(
                isinstance(e, dict) and isinstance(e.get("params"), dict)
                and (e.get("status") != "complete"
                     or all(isinstance(e.get(c), (int, float)) for c in _SCORES))
                for e in entries)):
            raise ValueError
        return progress
    except FileNotFoundError:
        raise ConfigError(f"--resume: {path.parent} has no {PROGRESS}: the search stopped "
                          "before its first configuration, so there is nothing to resume; "
                          "run the search again") from None
    except (ValueError, KeyError, TypeError, RecursionError):
        raise ConfigError(f"--resume: {path} is not a progress file of reseau search; "
                          "start the search again with --force") from None


def _write_progress(folder: RunFolder, progress: dict) -> None:
    write_json(folder.path / PROGRESS, progress)


def _resume_options(given: dict) -> tuple[Path, Path]:
    """The run folder and its work folder named by ``--resume``; refuses the options
    that would change the search."""
    other = [k for k in given if k not in (*RESUME_OPTIONS, "command", "resume", "refit",
                                           "force")]
    if other or given.get("refit") or given.get("force"):
        names = ", ".join("--" + k.replace("_", "-") for k in other
                          + [k for k in ("refit", "force") if given.get(k)])
        raise ConfigError(f"--resume continues the search with its own settings; leave out "
                          f"{names}")
    path = Path(given["resume"])
    final = path.with_name(path.name[:-len(INCOMPLETE)]) if path.name.endswith(INCOMPLETE) \
        else path
    return final, incomplete_path(final)


def _ranked(rows: list) -> list[int]:
    """The rows' indices, best first: highest dev score, NaN last, the grid's order on
    ties (as :func:`reseau.train.grid_search` ranks them)."""
    def key(i):
        score = rows[i]["dev_score"]
        return (math.isnan(score), -score if not math.isnan(score) else 0.0, i)
    return sorted(range(len(rows)), key=key)


def run(args, out=None) -> int:
    """Run ``reseau search`` with the parsed ``args``; returns the exit status."""
    out = out or sys.stdout
    given = vars(args)
    if given.get("resume") is not None:
        return _resume(given, out)
    single = {k: v for k, v in given.items()
              if k not in (*GRID_OPTIONS, "command", "jobs", "refit", "dev_size", "force")}
    if "dev_size" in given:
        single["val_size"] = given["dev_size"]
    settings = TrainSettings.resolve(single)
    given.setdefault("hidden", DEFAULT_HIDDEN)
    grid = {k: grid_values(k, given[k]) for k in GRID_OPTIONS if given.get(k) is not None}
    jobs = _jobs(given.get("jobs", "1"))
    configs = _configs(grid)
    _check_memory(settings, configs, jobs)
    progress = {"settings": settings.stored(), "grid": grid, "refit": given.get("refit", False),
                "jobs": jobs, "force": given.get("force", False),
                "configurations": [{"params": c, "status": "pending"} for c in configs]}
    return _search(settings, progress, jobs, out, None)


def _resume(given: dict, out) -> int:
    final, work = _resume_options(given)
    if not work.is_dir():
        if (final / "search.json").is_file():
            print(f"The search in {final} is complete; nothing to resume (its result is in "
                  f"{final}/search.json)", file=out)
            return 0
        raise ConfigError(f"--resume {given['resume']}: no interrupted search there "
                          f"({work} does not exist)")
    progress = _read_progress(work / PROGRESS)
    try:
        settings = TrainSettings.from_stored(progress["settings"]).replace(out=str(final))
        if given.get("memory_limit") is not None:
            settings = settings.replace(memory_limit=given["memory_limit"])
        grid = {k: grid_values(k, ",".join(v)) for k, v in progress["grid"].items()}
        jobs = _jobs(given.get("jobs", progress.get("jobs", 1)))
        configs = _configs(grid)
    except (ConfigError, KeyError, TypeError, AttributeError) as err:
        raise ConfigError(f"--resume: {work / PROGRESS} holds settings that are not valid "
                          f"({err}); start the search again with --force") from None
    if [c.get("params") for c in progress["configurations"]] != configs:
        raise ConfigError(f"--resume: the configurations of {work / PROGRESS} do not match its "
                          "grid; start the search again with --force")
    _check_memory(settings, configs, jobs)
    done = sum(c.get("status") == "complete" for c in progress["configurations"])
    print(f"Resuming the search in {final}: {done} of {len(configs)} configuration(s) "
          "already trained", file=out, flush=True)
    return _search(settings, progress, jobs, out, final)


def _search(settings: TrainSettings, progress: dict, jobs: int, out, resumed) -> int:
    """Run the search; on Ctrl-C, exit status 130 and how to resume (whenever there is
    a work folder to resume, even one left by an earlier process)."""
    require_device(settings.device)
    state: dict = {}
    try:
        run_dir = _run_search(settings, progress, jobs, out, resumed, state)
    except KeyboardInterrupt:
        folder = state.get("folder")
        if folder is not None:
            folder.release()
            work, where = folder.path, settings.out or folder.final
        elif settings.out is not None and incomplete_path(settings.out).is_dir():
            work, where = incomplete_path(settings.out), settings.out
        else:
            work = None
        if work is None or not (work / PROGRESS).is_file():
            raise  # nothing to resume: main says "interrupted"
        entries = progress["configurations"]
        done = sum(e.get("status") == "complete" for e in entries)
        print(f"reseau search: interrupted; {done} of {len(entries)} configuration(s) "
              f"completed and kept in {work / PROGRESS}; continue with: reseau search "
              f"--resume {where}", file=sys.stderr, flush=True)
        return 130
    print(f"Wrote {run_dir}/: table.csv, model.npz, search.json", file=out, flush=True)
    return 0


def _run_search(settings: TrainSettings, progress: dict, jobs: int, out, resumed,
                state: dict) -> Path:
    """Train the configurations of ``progress`` not yet complete, recording each in the
    work folder as it completes; then choose, test and write the run folder (its path
    is returned; ``state["folder"]`` is the :class:`RunFolder` once made)."""
    from ..train import grid_search

    # the dev set is held out as the validation set; stored with the model, dev_split
    # lets reseau evaluate re-create the same train / dev / test split
    data = prepare(settings, dev_split=True)
    task = data.prep.task
    settings = settings.replace(loss=data.prep.loss)  # 'auto' resolved from the targets
    grid, entries = progress["grid"], progress["configurations"]
    configs = [e["params"] for e in entries]
    _check_memory(settings, configs, jobs, data)
    force = progress.get("force", False)
    folder = RunFolder.start(
        settings.out, force=force, keep=resumed is not None,
        refuse_stale=None if force else "continue it with 'reseau search --resume "
                                        f"{settings.out or 'DIR'}', or add --force to start again")
    state["folder"] = folder
    build = functools.partial(Candidate, settings, data.X_train.shape[1], data.n_outputs, task)
    metric = "accuracy" if task == "classification" else "r2"
    names = ", ".join(k.replace("_", "-") for k in grid)
    print(f"Searching {len(configs)} configuration(s) of {names} on {settings.data}: "
          f"{len(data.X_train)} train, {len(data.X_val)} dev, {len(data.X_test)} test; "
          f"scored by dev {metric}, {jobs} job(s)", file=out, flush=True)
    _write_progress(folder, progress)
    train, dev = (data.X_train, data.y_train), (data.X_val, data.y_val)
    pending = [i for i, e in enumerate(entries) if e.get("status") != "complete"]
    at_once = (os.cpu_count() or 1) if jobs == -1 else jobs
    kept = None  # (index, model) of the best configuration trained by this process
    # a few configurations at a time (as many as run at once), each recorded as it
    # completes: Ctrl-C loses at most the ones in flight
    for start in range(0, len(pending), at_once):
        chunk = pending[start:start + at_once]
        result = grid_search(build, [{k: [v] for k, v in configs[i].items()} for i in chunk],
                             train, dev, None, n_jobs=jobs, seed=settings.seed)
        for row in result.table:
            i = next(i for i in chunk if all(row[k] == v for k, v in configs[i].items()))
            entries[i].update({"status": "complete", **{c: row[c] for c in _SCORES}})
        best_here = next(i for i in chunk if configs[i] == result.best_params)
        rows = [entries[i] if entries[i].get("status") == "complete"
                else {"dev_score": math.nan} for i in range(len(entries))]
        if kept is None or _ranked(rows)[0] == best_here:
            kept = (best_here, result.best_model)
        _write_progress(folder, progress)
    _finish(settings, progress, data, build, kept, folder, metric, out)
    return folder.commit()


def _finish(settings, progress, data, build, kept, folder, metric, out) -> None:
    """Choose the best configuration, test it, write the table, the model and the
    summary into the work folder."""
    from .. import io
    from ..backend import manual_seed
    from ..train import GridSearchResult

    grid, entries = progress["grid"], progress["configurations"]
    configs = [e["params"] for e in entries]
    train, dev = (data.X_train, data.y_train), (data.X_val, data.y_val)
    rows = [{**e["params"], **{c: e[c] for c in _SCORES}} for e in entries]
    order = _ranked(rows)
    best = order[0]
    refit = bool(progress.get("refit"))
    model = kept[1] if kept is not None and kept[0] == best else None
    if model is None or refit:
        # trained again exactly as the search trained it (same seed), or on train + dev
        X, y = train if not refit else (np.concatenate([train[0], dev[0]]),
                                        np.concatenate([train[1], dev[1]]))
        manual_seed(settings.seed)
        model = build(**configs[best]).fit(X, y)
    result = GridSearchResult(table=[rows[i] for i in order], params=list(grid),
                              best_params=dict(configs[best]),
                              best_score=rows[best]["dev_score"], best_model=model,
                              test_score=float(model.score(data.X_test, data.y_test)),
                              refit=refit)
    run_dir = folder.path
    result.to_csv(run_dir / "table.csv")
    print(result.format(), file=out)
    chosen = " ".join(f"{k.replace('_', '-')}={v}" for k, v in result.best_params.items())
    print(f"Chosen: {chosen} (dev {metric} {_shown(metric, result.best_score)}); trained on "
          f"{'train + dev' if result.refit else 'train'}, test {metric} "
          f"{_shown(metric, result.test_score)} (the only configuration tested)", file=out)
    best_model = result.best_model
    stored = {**best_model.settings.stored(), "dev_split": True,
              "preprocessing": data.prep.to_dict()}
    summary = {"grid": grid, "chosen": result.best_params, "metric": metric,
               "dev_score": result.best_score, "test_score": result.test_score,
               "refit": result.refit, "table": result.table}
    io.save(best_model.model, run_dir / "model.npz", config=stored,
            metadata={"search": {k: summary[k] for k in ("chosen", "dev_score",
                                                          "test_score", "refit")}})
    write_json(run_dir / "search.json", summary)
