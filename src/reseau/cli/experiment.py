"""One complete training run from its settings (what ``reseau train`` does): prepare the
data, build the MLP (or the network of ``--model``), the loss, the optimizer and the
schedule from their names in :mod:`reseau.registry`, ``fit``, score, then write the run
folder.

The run folder holds ``model.npz`` (the model with everything ``reseau predict`` needs:
feature names, standardisation, class labels), ``history.csv``, ``metrics.json``,
``config.toml`` (the settings, to run it again with ``--config``), and, when matplotlib
is installed, ``learning_curve.png`` and, for two input features, ``decision_boundary.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from ..registry import LOSSES, MODELS, OPTIMIZERS, SCHEDULES
from .preparation import Preprocessing, prepare
from .limits import check_run, check_steps, estimate
from .run_folder import RunFolder, write_run
from .settings import SCHEDULE_SPECS, ConfigError, TrainSettings, schedule_arguments

__all__ = ["build_model", "build_loss", "build_optimizer", "build_scheduler", "build_training",
           "scores", "confusion", "summary_line", "load_trained", "check_resources",
           "require_device", "run"]


# ----------------------------------------------------------------- building from names
def build_model(settings: TrainSettings, n_in: int, n_out: int):
    """The MLP ``n_in -> hidden... -> n_out`` with the settings' activation; or the
    network of ``--model`` (from ``MODELS``), with ``n_in`` input channels."""
    from .. import nn
    if settings.model != "mlp":
        return MODELS.get(settings.model)(num_classes=n_out, in_channels=n_in)
    return nn.MLP([n_in, *settings.hidden, n_out], activation=settings.activation)


def build_loss(name: str):
    return LOSSES.build(name)


def build_optimizer(settings: TrainSettings, params):
    """The named optimizer; without ``lr``, the optimizer's default rate in the registry."""
    name = settings.optimizer
    lr = settings.lr if settings.lr is not None else OPTIMIZERS.info(name)["default_lr"]
    kwargs = {"lr": lr}
    if settings.weight_decay is not None:
        kwargs["weight_decay"] = settings.weight_decay
    if settings.momentum:  # TrainSettings checked that this optimizer takes it
        kwargs["momentum"] = settings.momentum
    return OPTIMIZERS.build(name, params, **kwargs)


def build_scheduler(spec: str, optimizer, epochs: int):
    """The scheduler of ``--schedule NAME[:ARG[:ARG]]`` (see
    :data:`~reseau.cli.settings.SCHEDULE_SPECS`), or None for ``none``."""
    name, given = schedule_arguments(spec)
    if name == "none":
        return None
    schedule = SCHEDULE_SPECS[name]
    kwargs = {arg.keyword: max(1, epochs // 3) if arg.default is None else arg.default
              for arg in schedule.args}
    kwargs.update(given)
    if schedule.run_length is not None:
        kwargs[schedule.run_length] = max(1, epochs)
    return SCHEDULES.get(name)(optimizer, **kwargs)


def build_training(settings: TrainSettings, n_in: int, n_out: int, loss: str):
    """``(model, loss_fn, optimizer, scheduler)`` for one network of ``settings``;
    ``loss`` is the loss's name (``settings.loss`` with ``auto`` resolved)."""
    model = build_model(settings, n_in, n_out)
    optimizer = build_optimizer(settings, model.parameters())
    return (model, build_loss(loss), optimizer,
            build_scheduler(settings.schedule, optimizer, settings.epochs))


# ----------------------------------------------------------------- scores
def scores(model, loss_fn, X: np.ndarray, y: np.ndarray, prep: Preprocessing) -> dict:
    """Loss and metrics on ``(X, y)`` (as the model sees them); regression errors in the
    target's own units. Empty for no data."""
    from ..train import metrics as M
    from ..train.fit import evaluate, predict

    if X is None or len(X) == 0:
        return {}
    if prep.task == "classification":
        return evaluate(model, loss_fn, (X, y), metrics=("accuracy", "precision", "recall",
                                                          "f1"))
    truth, pred = prep.raw_targets(y), prep.raw_targets(predict(model, X))
    return {"loss": evaluate(model, loss_fn, (X, y), metrics=())["loss"],
            "mse": M.mean_squared_error(truth, pred), "mae": M.mean_absolute_error(truth, pred),
            "r2": M.r2_score(truth, pred)}


def confusion(model, X: np.ndarray, y: np.ndarray, prep: Preprocessing) -> list:
    """The confusion matrix of a classifier on ``(X, y)``, as nested lists."""
    from ..train import confusion_matrix, predict
    from ..train.metrics import decision_threshold

    return confusion_matrix(np.asarray(y).reshape(-1).astype(np.int64), predict(model, X),
                            len(prep.classes), decision_threshold(prep.loss)).tolist()


def summary_line(task: str, split_scores: dict) -> str:
    """``Final: Acc train 96.4% (0.08), acc test 95.6% (0.11)``, or the R^2 and MSE."""
    if task == "classification":
        parts = [f"acc {p} {100 * s['accuracy']:.1f}% ({s['loss']:.2f})"
                 for p, s in split_scores.items()]
    else:
        parts = [f"R2 {p} {s['r2']:.3f} (MSE {s['mse']:.4g})" for p, s in split_scores.items()]
    text = ", ".join(parts)
    return "Final: " + text[0].upper() + text[1:]


def load_trained(path):
    """``(model, settings, preprocessing)`` of a model file written by ``reseau train`` or
    ``reseau search``; ``settings`` is the dict saved with it."""
    from .. import io

    info = io.read_info(path)
    prep = (info.get("config") or {}).get("preprocessing")
    if prep is None:
        raise ValueError(f"{path} was not written by 'reseau train' (it has no preprocessing "
                         "settings); load it in Python with reseau.io.load")
    return io.load(path), info["config"], Preprocessing.from_dict(prep)


# ----------------------------------------------------------------- the run
def _on(device: str) -> str:
    """``, on cuda`` for the line that starts a run (nothing for the cpu, the default)."""
    return "" if device == "cpu" else f", on {device}"


def _default_log_every(epochs: int) -> int:
    """About fifteen log lines, on round epoch numbers."""
    return max(1, epochs // 15 // 10 * 10 or epochs // 15)


def check_resources(settings: TrainSettings, data=None, copies: int = 1,
                    what: str = "this run") -> None:
    """Refuse (:class:`~reseau.cli.limits.ResourceError`) a run whose sizes need more
    memory than the limit, or absurdly many steps: before the data are loaded (from the
    settings alone) when ``data`` is None, else with the data's real sizes."""
    if data is None:
        check_run(settings, estimate(settings), copies, what)
        return
    n_train = len(data.X_train)
    n_eval = max(len(data.X_test), 0 if data.X_val is None else len(data.X_val))
    check_run(settings, estimate(settings, int(np.prod(data.X_train.shape[1:])),
                                 data.n_outputs, n_train, n_eval), copies, what)
    check_steps(settings, n_train)


def require_device(name: str) -> None:
    """Refuse (ConfigError: exit status 2) a device this machine lacks, before anything is
    loaded or written: one line saying what is missing and the command that installs it."""
    if name == "cpu":
        return
    from .. import backend

    try:
        backend.cuda_backend()
    except RuntimeError as err:  # CuPy missing, no driver, no GPU: the backend says which
        raise ConfigError(f"device {name}: {err}; or run on the CPU with --device cpu") \
            from None
    try:
        backend.get(name)
    except RuntimeError as err:  # cuda:3 on a machine of two GPUs
        raise ConfigError(str(err)) from None


def run(settings: TrainSettings, out=None, err=None, force: bool = False) -> tuple[int, Path]:
    """Train as ``settings`` say and write the run folder (``force``: replace the folder
    ``settings.out`` if it holds a run). Returns the exit status (0 done, 1 diverged, 130
    interrupted by Ctrl-C) and the folder."""
    from ..backend import manual_seed
    from ..train import EarlyStopping, ModelCheckpoint, fit

    out = out or sys.stdout
    err = err or sys.stderr
    require_device(settings.device)
    manual_seed(settings.seed)
    check_resources(settings)
    data = prepare(settings)
    check_resources(settings, data)
    folder = RunFolder.start(settings.out, force=force, err=err)
    run_dir = folder.path
    model, loss_fn, optimizer, scheduler = build_training(
        settings, data.X_train.shape[1], data.n_outputs, data.prep.loss)
    stored = {**settings.stored(), "preprocessing": data.prep.to_dict()}
    has_val = data.X_val is not None
    callbacks = [ModelCheckpoint(run_dir / "model.npz", monitor="val_loss" if has_val else "loss",
                                 config=stored, min_interval=1.0)]
    if settings.early_stopping:
        callbacks.append(EarlyStopping("val_loss", patience=settings.early_stopping))
    log_every = settings.log_every
    if log_every is None:
        log_every = _default_log_every(settings.epochs)
    network = (f"{model.sizes} ({settings.activation})" if settings.model == "mlp" else
               f"{settings.model} ({sum(p.numel() for p in model.parameters()):,} parameters)")
    print(f"Training {network} on {settings.data}: "
          f"{len(data.X_train)} train, {0 if not has_val else len(data.X_val)} val, "
          f"{len(data.X_test)} test; {data.prep.loss}, {settings.optimizer}, "
          f"{settings.epochs} epochs{_on(settings.device)}. Output: {folder.final}", file=out,
          flush=True)
    start = time.perf_counter()
    eval_set = (data.X_val, data.y_val) if has_val else (data.X_test, data.y_test)
    # a diverging run overflows; fit detects it and explains it, NumPy need not warn too
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = fit(model, loss_fn, optimizer, (data.X_train, data.y_train),
                      eval_set if len(eval_set[0]) else None, epochs=settings.epochs,
                      scheduler=scheduler, callbacks=callbacks,
                      metrics=("accuracy",) if data.prep.task == "classification" else ("r2",),
                      batch_size=settings.batch_size, log_every=log_every,
                      val_name="val" if has_val else "test", out=out, device=settings.device,
                      compile=settings.compile)
    seconds = time.perf_counter() - start
    if history.stop_reason in ("interrupted", "diverged") and not log_every:
        print(history.message, file=err, flush=True)  # fit says it only with its log lines
    split_scores = {}
    for part in ("train", "val", "test"):
        s = scores(model, loss_fn, getattr(data, f"X_{part}"), getattr(data, f"y_{part}"),
                   data.prep)
        if s:
            split_scores[part] = s
    results = {**split_scores, "epochs_run": len(history), "stop_reason": history.stop_reason,
               "message": history.message, "best_epoch": history.best_epoch,
               "seconds": round(seconds, 3), "device": settings.device}
    if data.prep.task == "classification":
        results["confusion_matrix_test"] = confusion(model, data.X_test, data.y_test, data.prep)
        results["classes"] = data.prep.classes
    notes: list = []
    written = write_run(run_dir, model, history, data, stored, results, settings.to_toml(),
                        notes)
    run_dir = folder.commit()
    for note in notes:
        print(note, file=err)
    print(summary_line(data.prep.task, split_scores), file=out, flush=True)
    print(f"Wrote {run_dir}/: {', '.join(written)}", file=out, flush=True)
    status = {"diverged": 1, "interrupted": 130}.get(history.stop_reason, 0)
    return status, run_dir

