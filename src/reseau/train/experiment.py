"""One complete training run from its settings (what ``reseau train`` does): load and
split the data, standardise it, build the MLP, the loss, the optimizer and the schedule,
``fit``, then write the run folder.

The run folder holds ``model.npz`` (the model with everything ``reseau predict`` needs:
feature names, standardisation, class labels), ``history.csv``, ``metrics.json``,
``config.toml`` (the settings, to run it again with ``--config``), and, when matplotlib
is installed, ``learning_curve.png`` and, for two input features, ``decision_boundary.png``.
"""

from __future__ import annotations

import csv
import datetime
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import DATASETS, ConfigError, to_toml

__all__ = ["Data", "load_data", "prepare", "build_model", "build_loss", "build_optimizer",
           "build_scheduler", "run", "new_run_dir", "PREDICT_KEYS"]

_REGRESSION_LOSSES = ("mse", "mae", "huber")
PREDICT_KEYS = ("features", "task", "loss", "classes", "x_mean", "x_scale", "y_mean",
                "y_scale")


@dataclass
class Data:
    """Features and targets, split, with what is needed to treat new data the same way."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    features: list = field(default_factory=list)
    task: str = "classification"
    loss: str = "cross-entropy"
    classes: list | None = None
    x_mean: list | None = None
    x_scale: list | None = None
    y_mean: list | None = None
    y_scale: list | None = None

    def preprocessing(self) -> dict:
        """The JSON-able part that ``reseau predict`` and ``evaluate`` reuse."""
        return {k: getattr(self, k) for k in PREDICT_KEYS}


# ----------------------------------------------------------------- data
def load_data(settings: dict, features=None):
    """``(X, y, features, official_test)`` for the named set or CSV file;
    ``official_test`` is ``(X_test, y_test)`` for sets that come with one (MNIST).
    ``features`` picks and orders a CSV file's columns (those of the training run)."""
    from .. import data as D

    name = settings["data"]
    seed = settings["seed"]
    if name in ("circles", "moons", "xor", "spiral", "blobs"):
        gen = getattr(D, name)
        kwargs = {} if settings["noise"] is None else {"noise": settings["noise"]}
        X, y = gen(settings["samples"], seed=seed, as_tensor=False, **kwargs)
        return X, y, [f"x{i + 1}" for i in range(X.shape[1])], None
    if name == "digits":
        X, y = D.load_digits(as_tensor=False)
        return X, y, [f"pixel{i}" for i in range(X.shape[1])], None
    if name in ("mnist", "fashion-mnist"):
        loader = D.load_mnist if name == "mnist" else D.load_fashion_mnist
        X, y = loader(train=True, root=settings["data_dir"], as_tensor=False)
        test = loader(train=False, root=settings["data_dir"], as_tensor=False)
        return X, y, [f"pixel{i}" for i in range(X.shape[1])], test
    if settings["target"] is None:
        raise ConfigError(f"--data {name} is a CSV file: say which column to predict with "
                          "--target COLUMN")
    X, y = D.load_csv(name, target=settings["target"], features=features, as_tensor=False)
    if features is None:
        with open(name, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f, skipinitialspace=True), [])
        features = [h.strip() for h in header if h.strip() != settings["target"]]
    return X, y, list(features), None


def _task_and_loss(loss: str, y: np.ndarray) -> tuple[str, str]:
    real = np.issubdtype(y.dtype, np.floating)
    if loss == "auto":
        return ("regression", "mse") if real else ("classification", "cross-entropy")
    if loss in _REGRESSION_LOSSES:
        return "regression", loss
    if real and not np.all(y == np.round(y)):
        raise ConfigError(f"--loss {loss} is for class labels, but the target holds real "
                          "values; use --loss mse, mae or huber for a regression")
    return "classification", loss


def prepare(settings: dict) -> Data:
    """Load, split (stratified for classes) and standardise the data of ``settings``;
    a validation set is carved out when early stopping or a plateau schedule needs one,
    or when ``settings["dev_split"]`` is true (``reseau search`` chooses on it)."""
    from ..data import train_val_test_split

    if settings["target"] is not None and settings["data"] in DATASETS:
        raise ConfigError(f"--target applies to a CSV file; {settings['data']} has its own "
                          "labels: leave --target out")
    X, y, features, official_test = load_data(settings)
    task, loss = _task_and_loss(settings["loss"], y)
    X = X.reshape(len(X), -1).astype(np.float32)
    y = y.reshape(len(y), -1) if task == "regression" else y.reshape(-1)
    classes = None
    if task == "classification":
        y_all = y if official_test is None else np.concatenate([y, official_test[1]])
        classes = np.unique(y_all)
        y = np.searchsorted(classes, y).astype(np.int64)
        if loss == "bce" and len(classes) != 2:
            raise ConfigError(f"--loss bce is for two classes, but the target has "
                              f"{len(classes)}; use --loss cross-entropy")
    needs_val = (settings.get("dev_split", False) or settings["early_stopping"] > 0
                 or settings["schedule"].startswith("plateau"))
    val = settings["val_size"] if needs_val else 0.0
    test = 0.0 if official_test is not None else settings["test_size"]
    if val + test >= 1:
        raise ConfigError(f"test-size ({test:g}) and val-size ({val:g}) leave no training data")
    stratify = task == "classification"
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(
        X, y, (1 - val - test, val, test), stratify=stratify, seed=settings["seed"])
    if official_test is not None:
        X_te = official_test[0].reshape(len(official_test[0]), -1).astype(np.float32)
        y_te = np.searchsorted(classes, official_test[1]).astype(np.int64)
    data = Data(X_tr, y_tr, X_te, y_te, X_va if val else None, y_va if val else None,
                features=features, task=task, loss=loss,
                classes=None if classes is None else classes.tolist())
    standardize = settings["standardize"]
    if standardize == "auto":  # images are already in [0, 1]; tabular data is not
        standardize = settings["data"] not in ("digits", "mnist", "fashion-mnist")
    if standardize:
        mean, scale = X_tr.mean(axis=0), X_tr.std(axis=0)
        scale = np.where(scale == 0, 1.0, scale)
        data.x_mean, data.x_scale = mean.tolist(), scale.tolist()
    if task == "regression":
        # targets in standard units too, so that one learning rate suits every data set
        mean, scale = y_tr.mean(axis=0), y_tr.std(axis=0)
        data.y_mean, data.y_scale = mean.tolist(), np.where(scale == 0, 1.0, scale).tolist()
    for part in ("train", "val", "test"):
        Xp, yp = getattr(data, f"X_{part}"), getattr(data, f"y_{part}")
        if Xp is not None:
            setattr(data, f"X_{part}", transform_inputs(Xp, data.preprocessing()))
            setattr(data, f"y_{part}", transform_targets(yp, data.preprocessing()))
    return data


def transform_inputs(X: np.ndarray, prep: dict) -> np.ndarray:
    """Inputs as the model saw them in training (standardised with the training set's
    statistics, when it was)."""
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    if prep.get("x_mean") is not None:
        X = ((X - np.asarray(prep["x_mean"])) / np.asarray(prep["x_scale"])).astype(np.float32)
    return X


def transform_targets(y: np.ndarray, prep: dict) -> np.ndarray:
    """Targets in the form the loss takes: class indices (float column for BCE), or
    standardised real values."""
    if prep["task"] == "regression":
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((y - np.asarray(prep["y_mean"])) / np.asarray(prep["y_scale"])).astype(np.float32)
    if prep["loss"] == "bce":
        return np.asarray(y, dtype=np.float32).reshape(-1, 1)
    return np.asarray(y, dtype=np.int64)


def labels_to_indices(y: np.ndarray, prep: dict, where: str) -> np.ndarray:
    """Original class labels (as in the data) to the model's class indices."""
    classes = np.asarray(prep["classes"])
    y = np.asarray(y).reshape(-1)
    idx = np.searchsorted(classes, y).clip(0, len(classes) - 1)
    unknown = classes[idx] != y
    if unknown.any():
        label = np.asarray(y[unknown][0]).item()  # 2, not np.int64(2)
        raise ConfigError(f"{where}: label {label!r} was not seen in training (the "
                          f"classes are {prep['classes']})")
    return idx.astype(np.int64)


# ----------------------------------------------------------------- model and training
def n_outputs(data: Data) -> int:
    if data.task == "regression":
        return data.y_train.shape[1]
    return 1 if data.loss == "bce" else len(data.classes)


def build_model(settings: dict, n_in: int, n_out: int):
    from .. import nn
    return nn.MLP([n_in, *settings["hidden"], n_out], activation=settings["activation"])


def build_loss(name: str):
    from .. import nn
    return {"cross-entropy": nn.CrossEntropyLoss, "bce": nn.BCEWithLogitsLoss,
            "hinge": nn.MultiMarginLoss, "mse": nn.MSELoss, "mae": nn.L1Loss,
            "huber": nn.HuberLoss}[name]()


_DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2}


def build_optimizer(settings: dict, params):
    from .. import optim
    name = settings["optimizer"]
    kwargs = {"lr": settings["lr"] if settings["lr"] is not None else _DEFAULT_LR[name]}
    if settings["weight_decay"] is not None:
        kwargs["weight_decay"] = settings["weight_decay"]
    if settings["momentum"]:
        if name not in ("sgd", "rmsprop"):
            raise ConfigError(f"--momentum applies to sgd and rmsprop, not {name}")
        kwargs["momentum"] = settings["momentum"]
    cls = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
           "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}[name]
    return cls(params, **kwargs)


def build_scheduler(spec: str, optimizer, epochs: int):
    """``none``, ``step[:EVERY[:GAMMA]]``, ``exponential[:GAMMA]``, ``cosine``,
    ``poly[:POWER]``, ``plateau[:PATIENCE[:FACTOR]]``."""
    from ..optim import lr_scheduler as S
    name, *args = spec.split(":")
    a = [float(v) for v in args]
    if name == "none":
        return None
    if name == "step":
        every = int(a[0]) if a else max(1, epochs // 3)
        return S.StepLR(optimizer, step_size=max(1, every), gamma=a[1] if len(a) > 1 else 0.1)
    if name == "exponential":
        return S.ExponentialLR(optimizer, gamma=a[0] if a else 0.97)
    if name == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=max(1, epochs))
    if name == "poly":
        return S.PolynomialLR(optimizer, total_iters=max(1, epochs), power=a[0] if a else 1.0)
    return S.ReduceLROnPlateau(optimizer, patience=int(a[0]) if a else 5,
                               factor=a[1] if len(a) > 1 else 0.1)


def new_run_dir(out) -> Path:
    """``out`` if given (created if needed), else ``runs/<timestamp>`` (a suffix is
    added when two runs start in the same second)."""
    if out is not None:
        path = Path(out)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OSError(f"cannot create the run folder {path} ({err.strerror or err}); "
                          "choose another --out") from None
        return path
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for k in range(1000):
        path = Path("runs") / (stamp if k == 0 else f"{stamp}-{k + 1}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise OSError("could not create a new folder under runs/")


def final_scores(model, loss_fn, data: Data, part: str) -> dict:
    """Loss and metrics of one split; regression errors in the target's own units."""
    from . import metrics as M
    from .fit import evaluate, predict

    X, y = getattr(data, f"X_{part}"), getattr(data, f"y_{part}")
    if X is None or len(X) == 0:
        return {}
    if data.task == "classification":
        scores = evaluate(model, loss_fn, (X, y), metrics=("accuracy", "precision", "recall",
                                                             "f1"))
        return scores
    out = predict(model, X)
    scale, mean = np.asarray(data.y_scale), np.asarray(data.y_mean)
    truth, pred = y * scale + mean, out * scale + mean
    return {"loss": evaluate(model, loss_fn, (X, y), metrics=())["loss"],
            "mse": M.mean_squared_error(truth, pred), "mae": M.mean_absolute_error(truth, pred),
            "r2": M.r2_score(truth, pred)}


def summary_line(data: Data, scores: dict) -> str:
    """``Final: Acc train 96.4% (0.08), acc test 95.6% (0.11)``, or the R^2 and MSE."""
    if data.task == "classification":
        parts = [f"acc {p} {100 * s['accuracy']:.1f}% ({s['loss']:.2f})"
                 for p, s in scores.items() if s]
    else:
        parts = [f"R2 {p} {s['r2']:.3f} (MSE {s['mse']:.4g})" for p, s in scores.items() if s]
    text = ", ".join(parts)
    return "Final: " + text[0].upper() + text[1:]


def _plots(run_dir: Path, model, history, data: Data, notes: list) -> list:
    try:
        import matplotlib
        matplotlib.use("Agg")
        from ..viz import plot_decision_boundary, plot_history
    except ImportError:
        notes.append("matplotlib is not installed, so no plots were drawn "
                     "(pip install 'reseau[viz]')")
        return []
    import matplotlib.pyplot as plt
    written = []
    if len(history):
        curves = dict(history.history)
        if data.X_val is None:  # fit's validation data was the test set: say so
            curves = {k.replace("val_", "test_", 1): v for k, v in curves.items()}
        fig = plot_history(curves, path=run_dir / "learning_curve.png")
        plt.close(fig)
        written.append("learning_curve.png")
    if data.task == "classification" and data.X_train.shape[1] == 2:
        from ..creation import as_tensor
        prep = data.preprocessing()

        def raw_model(t):  # the plot works in the data's own units
            return model(as_tensor(transform_inputs(np.asarray(t.data), prep)))
        X_raw, y_test = data.X_test, data.y_test
        if prep["x_mean"] is not None:
            X_raw = X_raw * np.asarray(prep["x_scale"]) + np.asarray(prep["x_mean"])
        was = model.training
        model.eval()
        fig = plot_decision_boundary(raw_model, X_raw, np.asarray(y_test).reshape(-1),
                                     title="Decision boundary (test set)",
                                     path=run_dir / "decision_boundary.png")
        model.train(was)
        plt.close(fig)
        written.append("decision_boundary.png")
    return written


def run(settings: dict, out=None, err=None) -> tuple[int, Path]:
    """Train as ``settings`` say and write the run folder. Returns the exit status
    (0 done, 1 diverged, 130 interrupted by Ctrl-C) and the folder."""
    from .. import io
    from ..backend import manual_seed
    from .callbacks import EarlyStopping, ModelCheckpoint
    from .fit import fit

    out = out or sys.stdout
    err = err or sys.stderr
    manual_seed(settings["seed"])
    data = prepare(settings)
    model = build_model(settings, data.X_train.shape[1], n_outputs(data))
    loss_fn = build_loss(data.loss)
    optimizer = build_optimizer(settings, model.parameters())
    scheduler = build_scheduler(settings["schedule"], optimizer, settings["epochs"])
    run_dir = new_run_dir(settings["out"])
    stored = {**settings, "out": None, "preprocessing": data.preprocessing()}
    has_val = data.X_val is not None
    callbacks = [ModelCheckpoint(run_dir / "model.npz", monitor="val_loss" if has_val else "loss",
                                 config=stored, min_interval=1.0)]
    if settings["early_stopping"]:
        callbacks.append(EarlyStopping("val_loss", patience=settings["early_stopping"]))
    log_every = settings["log_every"]
    if log_every is None:  # about fifteen lines, on round epoch numbers
        log_every = max(1, settings["epochs"] // 15 // 10 * 10 or settings["epochs"] // 15)
    eval_part = "val" if has_val else "test"
    print(f"Training {model.sizes} ({settings['activation']}) on {settings['data']}: "
          f"{len(data.X_train)} train, {0 if not has_val else len(data.X_val)} val, "
          f"{len(data.X_test)} test; {data.loss}, {settings['optimizer']}, "
          f"{settings['epochs']} epochs. Output: {run_dir}", file=out, flush=True)
    start = time.perf_counter()
    eval_set = (data.X_val, data.y_val) if has_val else (data.X_test, data.y_test)
    # a diverging run overflows; fit detects it and explains it, NumPy need not warn too
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = fit(model, loss_fn, optimizer, (data.X_train, data.y_train),
                      eval_set if len(eval_set[0]) else None, epochs=settings["epochs"],
                      scheduler=scheduler, callbacks=callbacks,
                      metrics=("accuracy",) if data.task == "classification" else ("r2",),
                      batch_size=settings["batch_size"], log_every=log_every,
                      val_name=eval_part, out=out)
    seconds = time.perf_counter() - start
    scores = {p: final_scores(model, loss_fn, data, p) for p in ("train", "val", "test")}
    scores = {p: s for p, s in scores.items() if s}
    results = {**scores, "epochs_run": len(history), "stop_reason": history.stop_reason,
               "message": history.message, "best_epoch": history.best_epoch,
               "seconds": round(seconds, 3)}
    if data.task == "classification":
        from .fit import predict
        from .metrics import confusion_matrix
        pred = predict(model, data.X_test)
        threshold = 0.0 if data.loss == "bce" else 0.5
        results["confusion_matrix_test"] = confusion_matrix(
            data.y_test.reshape(-1).astype(np.int64), pred, len(data.classes),
            threshold).tolist()
        results["classes"] = data.classes
    io.save(model, run_dir / "model.npz", config=stored,
            metadata={k: results[k] for k in ("epochs_run", "stop_reason", "best_epoch")})
    history.to_csv(run_dir / "history.csv")
    io.atomic_write_text(run_dir / "metrics.json", json.dumps(results, indent=2) + "\n")
    io.atomic_write_text(run_dir / "config.toml", to_toml({**settings, "out": None}))
    notes: list = []
    written = ["model.npz", "history.csv", "metrics.json", "config.toml"]
    written += _plots(run_dir, model, history, data, notes)
    print(summary_line(data, scores), file=out, flush=True)
    for note in notes:
        print(note, file=err)
    print(f"Wrote {run_dir}/: {', '.join(written)}", file=out, flush=True)
    status = {"diverged": 1, "interrupted": 130}.get(history.stop_reason, 0)
    return status, run_dir
