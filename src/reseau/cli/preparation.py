"""The data of a run: load the named set or CSV file, split it (stratified for classes),
standardise it, and remember how (:class:`Preprocessing`), so that ``reseau evaluate`` and
``reseau predict`` treat new data exactly as training did.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

import numpy as np

from ..data.errors import DataError
from ..registry import DATASETS, LOSSES, MODELS
from .settings import ConfigError, TrainSettings

__all__ = ["Preprocessing", "Data", "load_data", "prepare", "check_data_dir"]


@dataclass
class Preprocessing:
    """What turns raw inputs and targets into what the model saw in training; saved with
    the model (:meth:`to_dict`) for ``reseau evaluate`` and ``reseau predict``."""

    features: list = field(default_factory=list)
    task: str = "classification"   # or "regression"
    loss: str = "cross-entropy"
    classes: list | None = None    # the class labels, in the order of the model's outputs
    x_mean: list | None = None     # None: inputs not standardised
    x_scale: list | None = None
    y_mean: list | None = None     # regression targets are standardised too
    y_scale: list | None = None
    input_shape: list | None = None  # one example's shape for a CNN ([1, 28, 28]); None: flat

    @classmethod
    def from_dict(cls, values: dict) -> Preprocessing:
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)

    def inputs(self, X: np.ndarray) -> np.ndarray:
        """Inputs as the model saw them in training: flattened, float32, standardised
        with the training set's statistics when it was, then shaped as images
        (``input_shape``) for a convolutional network."""
        X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
        if self.x_mean is not None:
            X = ((X - np.asarray(self.x_mean)) / np.asarray(self.x_scale)).astype(np.float32)
        return X if self.input_shape is None else X.reshape(len(X), *self.input_shape)

    def raw_inputs(self, X: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`inputs`: back to the data's own units."""
        X = X.reshape(len(X), -1) if self.input_shape is not None else X
        if self.x_mean is None:
            return X
        return X * np.asarray(self.x_scale) + np.asarray(self.x_mean)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Targets in the form the loss takes: class indices (a float column for BCE), or
        standardised real values."""
        if self.task == "regression":
            y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
            return ((y - np.asarray(self.y_mean)) / np.asarray(self.y_scale)).astype(np.float32)
        if self.loss == "bce":
            return np.asarray(y, dtype=np.float32).reshape(-1, 1)
        return np.asarray(y, dtype=np.int64)

    def raw_targets(self, y: np.ndarray) -> np.ndarray:
        """Standardised regression values (targets or predictions) in the target's units."""
        return y * np.asarray(self.y_scale) + np.asarray(self.y_mean)

    def class_indices(self, y: np.ndarray, where: str) -> np.ndarray:
        """Original class labels (as in the data) to the model's class indices."""
        classes = np.asarray(self.classes)
        y = np.asarray(y).reshape(-1)
        idx = np.searchsorted(classes, y).clip(0, len(classes) - 1)
        unknown = classes[idx] != y
        if unknown.any():
            label = np.asarray(y[unknown][0]).item()  # 2, not np.int64(2)
            raise ConfigError(f"{where}: label {label!r} was not seen in training (the "
                              f"classes are {self.classes})")
        return idx.astype(np.int64)


@dataclass
class Data:
    """Features and targets, split and transformed, with their :class:`Preprocessing`.
    ``X_val`` is None when no validation (or dev) set was held out."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    prep: Preprocessing

    @property
    def n_outputs(self) -> int:
        """Outputs of the network: one per class (one logit for BCE), or per target."""
        if self.prep.task == "regression":
            return self.y_train.shape[1]
        return 1 if self.prep.loss == "bce" else len(self.prep.classes)


def check_data_dir(folder) -> None:
    """``--data-dir`` must name an existing folder: a typo is an error, not a new folder
    that a download fills. To download into a folder of one's choice, create it first."""
    if folder is None or os.path.isdir(folder):
        return
    from ..data import cache_dir

    what = "is not a folder" if os.path.exists(folder) else "does not exist"
    raise DataError(f"--data-dir {folder} {what}; give the folder that holds the MNIST "
                    f"files, create it first (mkdir -p {folder}) to download them into it, or "
                    f"leave --data-dir out to use the cache ({cache_dir()})")


def load_data(settings: TrainSettings, features=None):
    """``(X, y, features, official_test)`` for the named set or CSV file;
    ``official_test`` is ``(X_test, y_test)`` for sets that come with one (MNIST).
    ``features`` picks and orders a CSV file's columns (those of the training run)."""
    from .. import data as D

    name = settings.data
    if name in DATASETS:
        load, kind = DATASETS.get(name), DATASETS.info(name)["kind"]
        if kind == "toy":
            noise = {} if settings.noise is None else {"noise": settings.noise}
            X, y = load(settings.samples, seed=settings.seed, as_tensor=False, **noise)
            return X, y, [f"x{i + 1}" for i in range(X.shape[1])], None
        official = None
        if kind == "images":
            check_data_dir(settings.data_dir)
            X, y = load(train=True, root=settings.data_dir, as_tensor=False)
            official = load(train=False, root=settings.data_dir, as_tensor=False)
        else:
            X, y = load(as_tensor=False)
        return X, y, [f"pixel{i}" for i in range(X.shape[1])], official
    if settings.target is None:
        raise ConfigError(f"--data {name} is a CSV file: say which column to predict with "
                          "--target COLUMN")
    X, y = D.load_csv(name, target=settings.target, features=features,
                      delimiter=settings.delimiter, as_tensor=False)
    if features is None:
        header = D.csv_header(name, delimiter=settings.delimiter)
        features = [h for h in header if h != settings.target]
    return X, y, list(features), None


def _check_target(settings: TrainSettings, task: str, y: np.ndarray, classes) -> None:
    """Refuse a target with nothing to learn: one class, or one value for a regression."""
    where = f"--data {settings.data}"
    column = f"the target column {settings.target!r}" if settings.target else "the target"
    rows = "its only row" if len(y) == 1 else f"all {len(y)} rows"
    if task == "classification" and len(classes) < 2:
        raise DataError(f"{where}: {column} holds a single class ({classes[0]}) in {rows}, "
                        "so there is nothing to learn; check --target, or add rows of the "
                        "other classes")
    if task == "regression" and len(y) and np.all(y == y[0]):
        raise DataError(f"{where}: {column} has the same value ({y.flat[0]:g}) in {rows}, "
                        "so there is nothing to learn; check --target")


def _split_counts(n: int, val: float, test: float) -> tuple[int, int, int]:
    """The sizes train_val_test_split gives ``n`` rows (val and test rounded)."""
    n_val, n_test = round(val * n), round(test * n)
    return n - n_val - n_test, n_val, n_test


def _check_split(settings: TrainSettings, n: int, val: float, test: float) -> None:
    """Every part asked for gets rows: at least 2 to train on, 1 in each held-out set."""
    def fits(m: int) -> bool:
        tr, va, te = _split_counts(m, val, test)
        return tr >= 2 and (va >= 1 or not val) and (te >= 1 or not test)

    if fits(n):
        return
    need = next((m for m in range(n + 1, 10_000) if fits(m)), None)
    tr, va, te = _split_counts(n, val, test)
    parts = f"train ({max(tr, 0)})" + (f", validation ({va})" if val else "") + \
        (f", test ({te})" if test else "")
    fix = f"add rows (at least {need}), or " if need else ""
    raise DataError(f"--data {settings.data} has {n} rows, too few to split into {parts}; "
                    f"{fix}change --test-size and --val-size")


def _task_and_loss(loss: str, y: np.ndarray) -> tuple[str, str]:
    real = np.issubdtype(y.dtype, np.floating)
    if loss == "auto":
        return ("regression", "mse") if real else ("classification", "cross-entropy")
    task = LOSSES.info(loss)["task"]
    if task == "classification" and real and not np.all(y == np.round(y)):
        regression = ", ".join(LOSSES.names(task="regression"))
        raise ConfigError(f"--loss {loss} is for class labels, but the target holds real "
                          f"values; use --loss {regression} for a regression")
    return task, loss


def _input_shape(settings: TrainSettings, n_features: int) -> list | None:
    """The shape of one example for the network of ``--model`` (None for the MLP, which
    takes flat rows); the data must have that many values per example."""
    if settings.model == "mlp":
        return None
    shape = list(MODELS.info(settings.model)["input_shape"])
    if int(np.prod(shape)) != n_features:
        images = DATASETS.names(kind="images")
        raise ConfigError(f"--model {settings.model} takes images of "
                          f"{'x'.join(map(str, shape))} ({int(np.prod(shape))} values), but "
                          f"--data {settings.data} has {n_features} features per example; "
                          f"use --data {' or '.join(images)}, or --model mlp")
    return shape


def prepare(settings: TrainSettings, dev_split: bool = False) -> Data:
    """Load, split (stratified for classes) and standardise the data of ``settings``.
    A validation set is carved out when early stopping or a plateau schedule needs one,
    or when ``dev_split`` is true (``reseau search`` chooses on it)."""
    from ..data import train_val_test_split

    if settings.target is not None and settings.data in DATASETS:
        raise ConfigError(f"--target applies to a CSV file; {settings.data} has its own "
                          "labels: leave --target out")
    X, y, features, official_test = load_data(settings)
    task, loss = _task_and_loss(settings.loss, y)
    X = X.reshape(len(X), -1).astype(np.float32)
    if not np.isfinite(X).all():  # e.g. a generator's --noise beyond float32's range
        fix = "lower --noise" if settings.noise is not None else "check the data"
        raise DataError(f"--data {settings.data}: {int((~np.isfinite(X)).sum())} input "
                        f"values are NaN or too large for float32; {fix}")
    y = y.reshape(len(y), -1) if task == "regression" else y.reshape(-1)
    classes = None
    if task == "classification":
        y_all = y if official_test is None else np.concatenate([y, official_test[1]])
        classes = np.unique(y_all)
        y = np.searchsorted(classes, y).astype(np.int64)
        if loss == "bce" and len(classes) != 2:
            raise ConfigError(f"--loss bce is for two classes, but the target has "
                              f"{len(classes)}; use --loss cross-entropy")
    _check_target(settings, task, y, classes)
    needs_val = (dev_split or settings.early_stopping > 0
                 or settings.schedule.startswith("plateau"))
    val = settings.val_size if needs_val else 0.0
    test = 0.0 if official_test is not None else settings.test_size
    if val + test >= 1:
        raise ConfigError(f"test-size ({test:g}) and val-size ({val:g}) leave no training data")
    _check_split(settings, len(X), val, test)
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(
        X, y, (1 - val - test, val, test), stratify=task == "classification",
        seed=settings.seed)
    if official_test is not None:
        X_te = official_test[0].reshape(len(official_test[0]), -1).astype(np.float32)
        y_te = np.searchsorted(classes, official_test[1]).astype(np.int64)
    prep = Preprocessing(features=features, task=task, loss=loss,
                         classes=None if classes is None else classes.tolist())
    prep.input_shape = _input_shape(settings, X.shape[1])
    standardize = settings.standardize
    if standardize == "auto":  # tabular data; named sets other than points are images
        standardize = settings.data not in DATASETS or DATASETS.info(settings.data)["kind"] \
            == "toy"
    if standardize:
        # in float64: the squares of large float32 inputs would overflow
        mean, scale = X_tr.mean(axis=0, dtype=np.float64), X_tr.std(axis=0, dtype=np.float64)
        prep.x_mean, prep.x_scale = mean.tolist(), np.where(scale == 0, 1.0, scale).tolist()
    if task == "regression":
        # targets in standard units too, so that one learning rate suits every data set
        mean, scale = y_tr.mean(axis=0), y_tr.std(axis=0)
        prep.y_mean, prep.y_scale = mean.tolist(), np.where(scale == 0, 1.0, scale).tolist()
    X_va, y_va = (X_va, y_va) if val else (None, None)
    return Data(prep.inputs(X_tr), prep.targets(y_tr), prep.inputs(X_te), prep.targets(y_te),
                None if X_va is None else prep.inputs(X_va),
                None if y_va is None else prep.targets(y_va), prep)
