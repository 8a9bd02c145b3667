"""``fit``: the training loop of the courses, once and for all; ``evaluate`` and
``predict`` for a trained model.

One epoch is one pass over the training data in mini-batches (seed 003's "iteration"):
forward, loss, backward, optimizer step for each batch; then the loss and the metrics
on the training and validation data, the callbacks, the scheduler and the log line.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..autograd import no_grad
from ..compile import compile as _compile
from ..creation import as_tensor
from ..devices import CPU
from ..optim.plateau import ReduceLROnPlateau
from ..tensor import Tensor
from . import metrics as _m
from .callbacks import Callback, TrainState, weights_copy
from .history import History
from .progress import ProgressBar, format_epoch_line

__all__ = ["fit", "evaluate", "predict", "METRICS"]

# name -> (function of (y_true, y_pred, threshold), classification?)
METRICS = {
    "accuracy": (lambda t, p, th: _m.accuracy(t, p, th), True),
    "precision": (lambda t, p, th: _m.precision(t, p, threshold=th), True),
    "recall": (lambda t, p, th: _m.recall(t, p, threshold=th), True),
    "f1": (lambda t, p, th: _m.f1_score(t, p, threshold=th), True),
    "mse": (lambda t, p, th: _m.mean_squared_error(t, p), False),
    "mae": (lambda t, p, th: _m.mean_absolute_error(t, p), False),
    "r2": (lambda t, p, th: _m.r2_score(t, p), False),
}
_ALIASES = {"acc": "accuracy", "f1_score": "f1", "mean_squared_error": "mse",
            "mean_absolute_error": "mae", "r2_score": "r2"}

_EVAL_BATCH = 1024  # evaluation needs no gradient, so it can take bigger batches


def _resolve_metrics(metrics) -> dict:
    """``{name: fn(y_true, y_pred, threshold)}`` from names and callables."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved = {}
    for m in metrics or ():
        if callable(m):
            name = getattr(m, "__name__", type(m).__name__)
            resolved[name] = (lambda fn: lambda t, p, th: float(fn(t, p)))(m)
            continue
        name = _ALIASES.get(m, m)
        if name not in METRICS:
            raise ValueError(
                f"fit: unknown metric {m!r}; the known metrics are {', '.join(METRICS)} (or "
                "pass a function of (y_true, y_pred))"
            )
        resolved[name] = METRICS[name][0]
    return resolved


def _as_loader(data, batch_size, shuffle: bool, what: str):
    """A DataLoader from a DataLoader, a Dataset or an ``(X, y)`` pair."""
    from ..utils.data import DataLoader, TensorDataset

    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, y = (as_tensor(np.asarray(v)) if not isinstance(v, Tensor) else v for v in data)
        if len(X) != len(y):
            raise ValueError(
                f"fit: {what} has {len(X)} inputs but {len(y)} targets; X and y need one "
                "row per sample"
            )
        return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle)
    raise TypeError(
        f"fit: {what} must be a DataLoader, a Dataset or a pair (X, y), got "
        f"{type(data).__name__}"
    )


def _eval_loader(loader):
    """An unshuffled loader over the same samples, in big batches."""
    from ..utils.data import DataLoader

    return DataLoader(loader.dataset, batch_size=_EVAL_BATCH, shuffle=False,
                      collate_fn=loader.collate_fn)


def _host(x) -> np.ndarray:
    """A tensor's values (or an array's) as a host NumPy array: a cuda tensor is copied
    back first (``np.asarray`` of a device array is refused, as CuPy refuses it)."""
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)


def _device_of(model):
    """``(device, array type)`` of the model's parameters (cpu and NumPy's ndarray for a
    model without any, or a plain function): where batches must go before they meet it."""
    params = getattr(model, "parameters", None)
    for p in (params() if callable(params) else ()):
        return p.device, type(p._array)
    return CPU, np.ndarray


def _to_device(batch, device, array_type):
    """The tensors of ``(x, y)`` on ``device``; a tensor already there is kept (one type
    test per tensor, so that a cpu run pays nothing)."""
    return [t.to(device) if isinstance(t, Tensor) and type(t._array) is not array_type else t
            for t in batch]


def _split_batch(batch, what: str):
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        got = f"{len(batch)} items" if isinstance(batch, (tuple, list)) else type(batch).__name__
        raise ValueError(
            f"fit: each batch of {what} must be a pair (inputs, targets), got {got}; use "
            "TensorDataset(X, y)"
        )
    return batch


def _outputs(model, loader, what: str):
    """Every output of ``model`` on ``loader`` and every target, concatenated, as host
    arrays (each batch is moved to the model's device first)."""
    outs, targets = [], []
    device, array_type = _device_of(model)
    with no_grad():
        for batch in loader:
            x, y = _to_device(_split_batch(batch, what), device, array_type)
            outs.append(_host(model(x)))
            targets.append(_host(y))
    if not outs:
        raise ValueError(f"{what} is empty: there is nothing to evaluate")
    return np.concatenate(outs), np.concatenate(targets)


def _scores(loss_fn, out: np.ndarray, y: np.ndarray, metric_fns: dict, threshold: float,
            prefix: str = "") -> dict:
    with no_grad():
        loss = float(loss_fn(as_tensor(out), as_tensor(y)).item())
    logs = {prefix + "loss": loss}
    for name, fn in metric_fns.items():
        logs[prefix + name] = fn(y, out, threshold) if math.isfinite(loss) else math.nan
    return logs


def _set_mode(model, training: bool) -> None:
    if hasattr(model, "train"):
        model.train(training)


def evaluate(model, loss_fn, data, metrics=("accuracy",), batch_size: int = _EVAL_BATCH) -> dict:
    """The loss and the metrics of ``model`` on ``data`` (a DataLoader, a Dataset or an
    ``(X, y)`` pair), in evaluation mode and without building a graph. The batches go
    to the model's device; the loss and the metrics are computed on the host.

    Returns a dict such as ``{"loss": 0.12, "accuracy": 0.96}``.
    """
    loader = _as_loader(data, batch_size, False, "data")
    was_training = getattr(model, "training", True)
    _set_mode(model, False)
    try:
        out, y = _outputs(model, loader, "evaluate: data")
    finally:
        _set_mode(model, was_training)
    return _scores(loss_fn, out, y, _resolve_metrics(metrics), _m.decision_threshold(loss_fn))


def predict(model, X, batch_size: int = _EVAL_BATCH) -> np.ndarray:
    """The outputs of ``model`` on the inputs ``X`` (tensor or array), as a host NumPy
    array, in evaluation mode and in batches (moved to the model's device)."""
    X = X if isinstance(X, Tensor) else as_tensor(np.asarray(X))
    device, array_type = _device_of(model)
    was_training = getattr(model, "training", True)
    _set_mode(model, False)
    try:
        with no_grad():
            parts = [_host(model(_to_device((X[i:i + batch_size],), device, array_type)[0]))
                     for i in range(0, len(X), batch_size)]
    finally:
        _set_mode(model, was_training)
    return np.concatenate(parts) if parts else np.zeros((0,))


def _finite_weights(params) -> bool:
    # np.isfinite is a ufunc: it runs on the parameters' device, one bool comes back each
    return all(bool(np.isfinite(p._array).all()) for p in params)


def _advice(optimizer) -> str:
    lr = optimizer.param_groups[0]["lr"] if getattr(optimizer, "param_groups", None) else None
    lower = f" (it is {lr:g}; try {lr / 10:g})" if lr else ""
    return ("Try a lower learning rate" + lower + ", standardized inputs, or gradient "
            "clipping (reseau.nn.utils.clip_grad_norm_).")


def fit(model, loss_fn, optimizer, train_data, val_data=None, epochs: int = 10,
        scheduler=None, callbacks=(), metrics=("accuracy",), *, batch_size=32,
        shuffle: bool = True, eval_train: bool = True, log_every: int | None = 1,
        val_name: str = "val", progress: bool | None = None, divergence_threshold=100.0,
        out=None, objective=None, device=None, compile: bool = False) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_data``.

    Parameters
    ----------
    model : Module
    loss_fn : callable
        ``loss_fn(outputs, targets)`` gives a scalar tensor (e.g. ``nn.CrossEntropyLoss()``).
    optimizer : Optimizer
    train_data, val_data : DataLoader, Dataset or (X, y)
        A Dataset or a pair is batched with ``batch_size`` (``"full"``: one batch) and
        shuffled at each epoch when ``shuffle``.
    epochs : int
    scheduler : LRScheduler, optional
        Stepped once per epoch; ``ReduceLROnPlateau`` is given the validation loss (the
        training loss without validation data).
    callbacks : sequence of Callback
        E.g. ``EarlyStopping``, ``ModelCheckpoint``. A callback may replace
        ``state.optimizer`` (e.g. a fresh one with a smaller learning rate): the next
        epoch uses it (a ``scheduler`` keeps driving the one it was given).
    metrics : sequence of str or callable
        ``"accuracy"``, ``"precision"``, ``"recall"``, ``"f1"`` (macro), ``"mse"``,
        ``"mae"``, ``"r2"``, or functions of ``(y_true, y_pred)``.
    eval_train : bool
        True: the training loss and metrics are measured on the whole training set at
        the end of each epoch (the weights the validation numbers describe, as the
        seed's log does). False: running means over the epoch's batches (cheaper).
    log_every : int or None
        Print the log line every ``log_every`` epochs and after the last one; None or 0
        prints none.
    val_name : str
        What the validation data are: how the log line names them (``"acc val"``,
        ``"acc test"``) and how ``history.to_csv()`` names their columns (``val_loss``,
        ``test_loss``); in the History itself they stay ``val_*``, as callbacks read them.
    progress : bool or None
        Show a tqdm bar; None shows it only when standard error is a terminal.
    divergence_threshold : float or None
        Besides a NaN or infinite loss, training is stopped as diverged when an epoch's
        mean training loss exceeds this many times ``max(initial loss, 1)``. None turns
        that check off.
    out : file, optional
        Where log lines go (standard output by default); messages go to standard error.
    objective : callable, optional
        ``objective(inputs, targets)`` gives the scalar that a training step minimises,
        instead of ``loss_fn(model(inputs), targets)``: e.g. a data loss plus a weight
        penalty (the course models' ``objective``). The logged training loss is then
        its mean over the epoch's batches when ``eval_train`` is False; ``loss_fn``
        still scores whole data sets (it may be None when nothing is scored:
        ``eval_train=False``, no ``val_data``).
    device : str or reseau.device, optional
        Where to train: the model is moved there (``model.to(device)``, in place) and
        each batch too (``"cuda"``: see docs/gpu.md). The data, the data loader and its
        batches stay on the host, as in PyTorch; the losses and metrics logged are
        computed on the host from the outputs copied back. None trains where the model's
        parameters are.
    compile : bool
        Record the training step once and replay it (``reseau.compile``, docs/compile.md):
        the same results bit for bit, less Python per step. A non-finite loss is then
        seen after its step rather than before (the weights are put back all the same).
        A step the recorder refuses (e.g. an ``objective`` that reads a value) runs
        uncompiled, after one warning.

    Returns
    -------
    History
        Per-epoch values; ``history.stop_reason`` is ``"completed"``,
        ``"early_stopping"``, ``"diverged"`` or ``"interrupted"``. When the loss
        diverges, or on Ctrl-C, the weights of the last completed good epoch are put
        back (the initial weights if there is none) and the message says what happened.
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be Callback objects, got {type(cb).__name__}")
    if device is not None:
        model.to(device)
    train_loader = _as_loader(train_data, batch_size, shuffle, "train_data")
    val_loader = None if val_data is None else _as_loader(val_data, _EVAL_BATCH, False,
                                                          "val_data")
    train_eval_loader = _eval_loader(train_loader) if eval_train else None
    metric_fns = _resolve_metrics(metrics)
    keep = not eval_train and bool(metric_fns)  # the epoch's outputs, for its metrics
    threshold = _m.decision_threshold(loss_fn)
    history = History()
    history.val_name = val_name
    state = TrainState(model=model, optimizer=optimizer, history=history)
    bar = ProgressBar(len(train_loader) * epochs, epochs, progress, out)
    plateau = isinstance(scheduler, ReduceLROnPlateau)  # it is given the loss to watch
    # a copy: state_dict() shares memory with the weights, which training changes
    state.start_weights, good_epoch = weights_copy(model), None
    params = list(model.parameters())  # the model's layers do not change during training
    initial_loss = None
    step = None  # the compiled step, made again when a callback replaces the optimizer

    for cb in callbacks:
        cb.on_train_begin(state)
    try:
        for epoch in range(epochs):
            state.epoch = epoch
            bar.start_epoch(epoch)
            lr = state.optimizer.param_groups[0]["lr"]
            start = time.perf_counter()
            if compile and (step is None or step.optimizer is not state.optimizer):
                step = _compiled_step(model, loss_fn, state.optimizer, objective, keep)
            mean_loss, seen, first, diverged = _train_epoch(
                model, loss_fn, state.optimizer, train_loader, bar, epoch,
                keep_outputs=keep, objective=objective, step=step)
            initial_loss = first if initial_loss is None else initial_loss
            if diverged is None and divergence_threshold and initial_loss is not None \
                    and mean_loss > divergence_threshold * max(initial_loss, 1.0):
                diverged = (f"the mean training loss of epoch {epoch} reached {mean_loss:.4g}, "
                            f"over {divergence_threshold:g} times the initial loss "
                            f"({initial_loss:.4g})")
            if diverged is None:
                logs = _epoch_logs(model, loss_fn, metric_fns, threshold, train_eval_loader,
                                   val_loader, mean_loss, seen)
                if not math.isfinite(logs["loss"]) or not _finite_weights(params):
                    diverged = ("the weights or the training loss became non-finite in "
                                f"epoch {epoch}")
            if diverged is not None:
                kept = (f"the weights of the last good epoch ({good_epoch}) are kept"
                        if good_epoch is not None else
                        "no epoch completed, so the initial weights are kept")
                model.load_state_dict(state.start_weights)
                state.stop("diverged", f"Training diverged: {diverged}; {kept}. "
                           + _advice(state.optimizer))
                break
            logs["lr"] = lr
            logs["time"] = time.perf_counter() - start
            history.append({"epoch": epoch, **logs})
            if scheduler is not None:
                if plateau:
                    scheduler.step(logs.get("val_loss", logs["loss"]))
                else:
                    scheduler.step()
            for cb in callbacks:
                cb.on_epoch_end(state, logs)
            # after the callbacks, which may have moved the weights: the next epoch's start
            state.start_weights, good_epoch = weights_copy(model), epoch
            last = epoch == epochs - 1 or state.stop_training
            if log_every and (epoch % log_every == 0 or last):
                bar.write(format_epoch_line(epoch, logs, val_name))
            if state.stop_training:
                break
    except KeyboardInterrupt:
        # Ctrl-C: put back the weights that the last logged epoch describes, so that what
        # is saved next matches the history.
        model.load_state_dict(state.start_weights)
        where = (f"the weights of the last completed epoch ({good_epoch}) are kept"
                 if good_epoch is not None else "no epoch completed; the initial weights are kept")
        state.stop("interrupted", f"Interrupted (Ctrl-C) during epoch {state.epoch}: {where}.")
    finally:
        bar.close()
        _set_mode(model, True)
    for cb in callbacks:
        cb.on_train_end(state)
    history.stop_reason, history.message = state.stop_reason, state.message
    if state.message and log_every:
        print(state.message, file=sys.stderr, flush=True)
    return history


def _compiled_step(model, loss_fn, optimizer, objective, keep_outputs: bool):
    """``fit(compile=True)``'s training step, compiled: forward, backward and update;
    returns the loss as a number and the outputs (None unless kept)."""

    def train_step(x, y):
        if objective is None:
            output = model(x)
            loss = loss_fn(output, y)
        else:
            output, loss = None, objective(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item(), output if keep_outputs else None

    step = _compile(train_step)
    step.optimizer = optimizer
    return step


def _train_epoch(model, loss_fn, optimizer, loader, bar, epoch: int, keep_outputs: bool,
                 objective=None, step=None):
    """One pass of mini-batch descent. Returns the mean batch loss, the outputs and
    targets seen (when kept), the first batch's loss, and why training diverged (None
    if it did not). A non-finite loss stops the pass before its step is taken (after
    it with a compiled ``step``)."""
    _set_mode(model, True)
    device, array_type = _device_of(model)
    total, count, outs, targets, first, move = 0.0, 0, [], [], None, None
    for b, batch in enumerate(loader):
        x, y = _split_batch(batch, "train_data")
        if move is None:  # a loader's batches all live where its first one does
            move = any(isinstance(t, Tensor) and type(t._array) is not array_type
                       for t in (x, y))
        if move:
            x, y = _to_device((x, y), device, array_type)
        if step is not None:
            value, output = step(x, y)
        elif objective is None:
            output = model(x)
            loss = loss_fn(output, y)
        else:
            output, loss = None, objective(x, y)
        if step is None:
            value = float(loss.item())
        if not math.isfinite(value):
            return total / max(count, 1), None, first, \
                f"the loss became {value} at batch {b} of epoch {epoch}"
        first = value if first is None else first
        if step is None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total, count = total + value * len(x), count + len(x)
        if keep_outputs and output is not None:
            outs.append(_host(output))
            targets.append(_host(y))
        # a graph keeps its structure after backward (to be drawn): drop it before the
        # next forward, or two batches' activations would be alive at once
        output = loss = None
        bar.update(value)
    seen = (np.concatenate(outs), np.concatenate(targets)) if outs else None
    # one batch (full-batch descent): its loss exactly, not (loss * n) / n
    mean = first if count and b == 0 else total / max(count, 1)
    return mean, seen, first, None


def _epoch_logs(model, loss_fn, metric_fns, threshold, train_eval_loader, val_loader,
                mean_loss, seen) -> dict:
    """The end-of-epoch loss and metrics on the training and validation data."""
    # the model is switched to evaluation mode only when it is run (cheap small epochs)
    runs = train_eval_loader is not None or val_loader is not None
    if runs:
        _set_mode(model, False)
    try:
        if train_eval_loader is not None:
            out, y = _outputs(model, train_eval_loader, "train_data")
            logs = _scores(loss_fn, out, y, metric_fns, threshold)
        else:
            logs = {"loss": mean_loss}
            if metric_fns and seen is not None:
                out, y = seen
                logs.update({k: fn(y, out, threshold) for k, fn in metric_fns.items()})
        if val_loader is not None:
            out, y = _outputs(model, val_loader, "val_data")
            logs.update(_scores(loss_fn, out, y, metric_fns, threshold, prefix="val_"))
    finally:
        if runs:
            _set_mode(model, True)
    return logs
