"""Callbacks: code that ``fit`` calls at the start of training, after each epoch and at
the end. ``EarlyStopping`` stops when a monitored value stops improving and restores the
best weights; ``ModelCheckpoint`` saves the model each time the monitored value improves.

A callback subclasses :class:`Callback` and overrides the hooks it needs; each hook
receives the :class:`TrainState` (model, optimizer, history, epoch, and
``stop_training``, which a callback sets to end training after the current epoch).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Callback", "TrainState", "EarlyStopping", "ModelCheckpoint", "weights_copy",
           "load_weights"]

# metrics for which larger is better; everything else (losses, errors) is minimised
_MAXIMISED = ("accuracy", "precision", "recall", "f1", "r2")


def weights_copy(model, host: bool = False) -> dict:
    """A copy of ``model.state_dict()`` that training leaves alone: the state dict's
    tensors share memory with the weights (as in PyTorch), so kept weights are cloned.
    ``host``: the copy is on the cpu whatever the model's device (what a callback keeps
    for long or writes to a file; ``.cpu()`` of a cuda tensor is already a copy)."""
    if host:
        return {k: v.clone() if v.device.type == "cpu" else v.cpu()
                for k, v in model.state_dict().items()}
    return {k: v.clone() for k, v in model.state_dict().items()}


def load_weights(model, weights: dict) -> None:
    """``model.load_state_dict(weights)`` with each tensor first moved to the device of
    the model's own entry (host copies go back to a cuda model)."""
    current = model.state_dict()
    model.load_state_dict({k: v.to(current[k].device) if k in current else v
                           for k, v in weights.items()})


@dataclass
class TrainState:
    """What ``fit`` shares with its callbacks."""

    model: Any
    optimizer: Any
    history: Any
    epoch: int = -1
    stop_training: bool = False
    stop_reason: str = "completed"
    message: str = ""
    extra: dict = field(default_factory=dict)
    #: a copy (``state_dict``) of the weights the current epoch started from: the last
    #: good weights, which ``fit`` restores if the epoch diverges or is interrupted
    start_weights: Any = None

    def stop(self, reason: str, message: str) -> None:
        """Ask ``fit`` to end after the current epoch, saying why."""
        self.stop_training = True
        self.stop_reason = reason
        self.message = message


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, state: TrainState) -> None:
        pass

    def on_epoch_end(self, state: TrainState, logs: dict) -> None:
        pass

    def on_train_end(self, state: TrainState) -> None:
        pass


class _Monitor:
    """Tracks the best value of one logged quantity."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not (isinstance(min_delta, (int, float)) and min_delta >= 0):
            raise ValueError(f"{owner}: min_delta must be a number >= 0, got {min_delta!r}")
        if mode == "auto":
            base = monitor[4:] if monitor.startswith("val_") else monitor
            mode = "max" if base in _MAXIMISED else "min"
        self.owner, self.monitor, self.mode, self.min_delta = owner, monitor, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None

    def value(self, logs: dict) -> float:
        if self.monitor not in logs:
            hint = ("pass val_data to fit, or monitor a training value such as 'loss'"
                    if self.monitor.startswith("val_") else "monitor one of those")
            raise ValueError(
                f"{self.owner}: the monitored value {self.monitor!r} is not logged by fit "
                f"(logged: {', '.join(sorted(logs))}); {hint}"
            )
        return float(logs[self.monitor])

    def improved(self, value: float) -> bool:
        """True (and the best is updated) when ``value`` beats the best by more than
        ``min_delta``; a NaN or infinite value never does."""
        if not math.isfinite(value):
            return False
        better = (value < self.best - self.min_delta if self.mode == "min"
                  else value > self.best + self.min_delta)
        if better:
            self.best = value
        return better


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        A logged value: ``"val_loss"`` (the default), ``"val_accuracy"``, ``"loss"``...
    patience : int
        Epochs without improvement to wait before stopping.
    min_delta : float
        The smallest change that counts as an improvement.
    mode : "auto", "min" or "max"
        Whether lower or higher is better; ``"auto"`` maximises accuracy, precision,
        recall, F1 and R^2 and minimises everything else.
    restore_best_weights : bool
        At the end of training, put back the weights of the best epoch (seed 003: the
        optimal parameters found on the dev set are the ones kept).

    Attributes
    ----------
    best, best_epoch : the best value seen and its epoch.
    stopped_epoch : the epoch after which training stopped (None if it did not).

    Examples
    --------
    >>> stopper = EarlyStopping(monitor="val_loss", patience=5)
    >>> stopper.patience, stopper.restore_best_weights
    (5, True)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {patience!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights
        self._tracker = _Monitor("EarlyStopping", monitor, mode, min_delta)
        self.mode = self._tracker.mode  # "auto" resolved to "min" or "max"

    @property
    def best(self) -> float:
        return self._tracker.best

    @property
    def best_epoch(self) -> int | None:
        return self._tracker.best_epoch

    def on_train_begin(self, state: TrainState) -> None:
        self._tracker = _Monitor("EarlyStopping", self.monitor, self.mode, self.min_delta)
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_weights = None

    def on_epoch_end(self, state: TrainState, logs: dict) -> None:
        value = self._tracker.value(logs)
        if self._tracker.improved(value):
            self._tracker.best_epoch = state.epoch
            self.wait = 0
            if self.restore_best_weights:  # on the host: no device memory held for it
                self.best_weights = weights_copy(state.model, host=True)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            state.stop(
                "early_stopping",
                f"Early stopping after epoch {state.epoch}: {self.monitor} has not improved "
                f"for {self.patience} epochs (best {self.best:.4g} at epoch "
                f"{self.best_epoch})"
                + ("; the weights of that epoch are restored." if self.best_weights is not None
                   else "."),
            )

    def on_train_end(self, state: TrainState) -> None:
        if self.best_epoch is not None:
            state.history.best_epoch = self.best_epoch
        if self.best_weights is not None:
            load_weights(state.model, self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model to ``path`` (with :func:`reseau.io.save`) after each epoch where
    ``monitor`` improves: the file always holds the best model so far on the dev set.
    Writes are atomic, so a crash or Ctrl-C never leaves a half-written file, and a NaN
    or infinite value is never an improvement.

    Parameters
    ----------
    path : str or Path
        The file to write (``.npz``).
    monitor, mode, min_delta : as in :class:`EarlyStopping`.
    save_best_only : bool
        False saves after every epoch instead.
    config : dict, optional
        Training configuration stored in the file beside the architecture (JSON values).
    min_interval : float
        Seconds to wait at least between two writes (0: write at every improvement).
        A write costs a few milliseconds (it is flushed to the disk); on a run of many
        short epochs, ``min_interval=1`` keeps the best weights in memory and writes
        them at most once a second and at the end of training, so a crash loses at most
        a second of progress.

    Examples
    --------
    >>> ckpt = ModelCheckpoint("best.npz", monitor="val_accuracy")
    >>> ckpt.mode
    'max'
    """

    def __init__(self, path, monitor: str = "val_loss", mode: str = "auto",
                 save_best_only: bool = True, min_delta: float = 0.0,
                 config: dict | None = None, min_interval: float = 0.0) -> None:
        self.path = path
        self.min_interval = min_interval
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.config = config
        self._tracker = _Monitor("ModelCheckpoint", monitor, mode, min_delta)
        self.mode = self._tracker.mode
        self.min_delta = min_delta
        self.saved_epoch: int | None = None

    @property
    def best(self) -> float:
        return self._tracker.best

    def on_train_begin(self, state: TrainState) -> None:
        self._tracker = _Monitor("ModelCheckpoint", self.monitor, self.mode, self.min_delta)
        self.saved_epoch = None
        self._pending = None
        self._last_write = -math.inf

    def on_epoch_end(self, state: TrainState, logs: dict) -> None:
        value = self._tracker.value(logs)
        improved = self._tracker.improved(value)
        if improved:
            self._tracker.best_epoch = state.epoch
        if improved or (not self.save_best_only and math.isfinite(value)):
            self._pending = (weights_copy(state.model, host=True), state.epoch, value)
            if time.monotonic() - self._last_write >= self.min_interval:
                self._write(state)

    def on_train_end(self, state: TrainState) -> None:
        if self._pending is not None:
            self._write(state)

    def _write(self, state: TrainState) -> None:
        from ..io import save
        weights, epoch, value = self._pending
        save(state.model, self.path, config=self.config, state_dict=weights,
             metadata={"epoch": epoch, self.monitor: value})
        self.saved_epoch, self._pending = epoch, None
        self._last_write = time.monotonic()
