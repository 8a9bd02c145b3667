"""A playground session: one browser tab's data, network and training.

The tab's event stream runs :meth:`Session.stream` in the server thread that serves it:
that thread trains the network (an epoch at a time) and writes a frame after an epoch
when the last one is older than ``frame_interval``. Closing the tab breaks the stream, the
next write fails, and the training ends with it: no thread outlives its tab. Requests of
the tab (new settings, play, pause...) change the session under its lock, between two
training steps.
"""

from __future__ import annotations

import base64
import math
import threading
import time

import numpy as np

from ..train.fit import _advice
from .config import DATASETS, RequestError, check_config
from .datasets import DOMAIN, make_data, split
from .maths import explain, neuron_graph
from .network import (ENGINE, activations, build_model, build_optimizer, data_loss, features,
                      forward_all, layer_weights, load_weights, lr_factor, output_values,
                      train_step, weights_copy)

__all__ = ["Session", "GRID", "THUMB"]

GRID = 100  # the heat map is GRID x GRID points
THUMB = 20  # each neuron's thumbnail is THUMB x THUMB (every GRID // THUMB-th point)
_DATA_KEYS = ("dataset", "problem", "noise", "ratio", "samples", "seed")
_NET_KEYS = ("features", "layers", "activation", "acts", "init", "dropout")
_HISTORY_POINTS = 300  # the loss curve sent to the page has at most about this many points
_DIVERGED = 100.0  # as reseau.train.fit: a loss this many times max(first loss, 1)


def _grid() -> np.ndarray:
    """The grid's points, row by row from the top (x2 = +DOMAIN), each row left to right."""
    step = 2 * DOMAIN / GRID
    axis = -DOMAIN + step * (np.arange(GRID) + 0.5)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


_GRID_POINTS = _grid()
_THUMB_ROWS = (np.arange(THUMB) * (GRID // THUMB) + GRID // THUMB // 2)
_THUMB_INDEX = (_THUMB_ROWS[:, None] * GRID + _THUMB_ROWS[None, :]).ravel()


def _bytes(values: np.ndarray, low: float = -1.0, high: float = 1.0) -> str:
    """Values in [low, high] as base64 bytes 0..255 (clipped): a heat map's pixels."""
    scaled = (np.clip(values, low, high) - low) * (255.0 / (high - low))
    return base64.b64encode(np.rint(scaled).astype(np.uint8).tobytes()).decode("ascii")


def _round(a: np.ndarray) -> list:
    return np.round(a, 4).tolist()


class Session:
    """The state of one tab. Every method takes the lock; ``stream`` trains."""

    def __init__(self, sid: str, sent: dict | None = None) -> None:
        self.id = sid
        self.lock = threading.Condition()
        self.cfg = check_config(sent or {})
        self.closed = self.streaming = self.playing = False
        self.pending_steps = 0
        self.dirty = True  # a frame is owed to the page
        self.message = None
        self.custom = None  # (X, y) of an uploaded CSV
        self.data_version = 0
        self.weight_seed = self.cfg["seed"]
        self.created = time.monotonic()
        self._new_data()

    # -- building ------------------------------------------------------------------------
    def _new_data(self) -> None:
        cfg = self.cfg
        if cfg["dataset"] == "csv" and self.custom is None:
            raise RequestError("the data set 'csv' needs a CSV file: drop one on the page")
        if cfg["dataset"] == "csv":
            X, y = self.custom
            self.n_classes = 0 if cfg["problem"] == "regression" else int(y.max()) + 1
        else:
            X, y = make_data(cfg["dataset"], cfg["samples"], cfg["noise"], cfg["seed"])
            self.n_classes = DATASETS[cfg["dataset"]][1]
        self.X, self.y, self.Xt, self.yt = split(X, y, cfg["ratio"], cfg["seed"])
        self.data_version += 1
        self._new_model(self.weight_seed)

    def _new_model(self, seed: int) -> None:
        self.model = build_model(self.cfg, self.n_classes, seed)
        self.initial = weights_copy(self.model)
        self._reset_training()

    def _reset_training(self) -> None:
        self.optimizer = build_optimizer(self.cfg, self.model)
        self.inputs = features(self.X, self.cfg["features"])
        self.test_inputs = features(self.Xt, self.cfg["features"])
        self.grid_inputs = features(_GRID_POINTS, self.cfg["features"]).astype(np.float32)
        self.epoch, self.history, self.first_loss, self.partial = 0, [], None, None
        self.good = self.initial
        self.order_rng = np.random.default_rng(self.weight_seed)
        self.net_version = getattr(self, "net_version", 0) + 1
        self.losses = self._losses()
        self.playing, self.pending_steps, self.message, self.dirty = False, 0, None, True

    # -- requests ------------------------------------------------------------------------
    def configure(self, sent) -> dict:
        """Apply settings sent by the page. The data or the network changed: new ones, and
        training starts over; the learning rate, batch size, penalty or optimizer
        changed: training goes on with them."""
        with self.lock:
            new = check_config(sent, self.cfg)
            changed = {k for k in new if new[k] != self.cfg[k]}
            old, self.cfg = self.cfg, new
            try:
                if changed & set(_DATA_KEYS):
                    self.weight_seed = new["seed"]
                    self._new_data()
                elif changed & set(_NET_KEYS):
                    self._new_model(self.weight_seed)
                elif "optimizer" in changed:
                    self.optimizer = build_optimizer(new, self.model)
                    self._set_lr()
                elif changed & {"lr", "schedule"}:
                    self._set_lr()
            except RequestError:
                self.cfg = old
                raise
            self.dirty = True
            self.lock.notify_all()
            return dict(new)

    def act(self, action: str) -> None:
        """play, pause, step (one epoch), reset (new weights), rewind (the same initial
        weights again), regenerate (new data)."""
        with self.lock:
            if action == "play":
                self.playing, self.message = True, None
            elif action == "pause":
                self.playing = False
            elif action == "step":
                self.playing, self.message = False, None
                self.pending_steps += 1
            elif action == "reset":
                self.weight_seed += 1
                self._new_model(self.weight_seed)
            elif action == "rewind":
                load_weights(self.model, self.initial)
                self._reset_training()
            elif action == "regenerate":
                if self.cfg["dataset"] == "csv":
                    raise RequestError("an uploaded CSV cannot be regenerated; choose a "
                                       "generated data set")
                self.cfg = {**self.cfg, "seed": self.cfg["seed"] + 1}
                self.weight_seed = self.cfg["seed"]
                self._new_data()
            else:
                raise RequestError(f"unknown action {action!r}; the actions are play, pause, "
                                   "step, reset, rewind, regenerate")
            self.dirty = True
            self.lock.notify_all()

    def set_weight(self, layer, to, frm, value) -> None:
        """Edit one weight (``frm`` an input index) or bias (``frm`` None) of ``layer``."""
        with self.lock:
            linears = [m for m in self.model if hasattr(m, "weight")]
            try:
                value = float(value)
                target = linears[int(layer)]
                index = (int(to),) if frm is None else (int(to), int(frm))
                tensor = target.bias if frm is None else target.weight
                if not math.isfinite(value) or any(i < 0 for i in index + (int(layer),)):
                    raise IndexError
                tensor.data[index] = value
            except (TypeError, ValueError, IndexError):
                raise RequestError(f"no weight layer={layer!r} to={to!r} from={frm!r} with a "
                                   f"finite value {value!r}") from None
            self.losses = self._losses()
            self.dirty = True
            self.lock.notify_all()

    def explain(self, layer, index, x1, x2) -> dict:
        """The maths of one neuron at the data point nearest to ``(x1, x2)``
        (:func:`~reseau.playground.network.explain`), with the names of its inputs."""
        with self.lock:
            widths = [*self.cfg["layers"], 3 if self.n_classes == 3 else 1]
            try:
                layer, index, x1, x2 = int(layer), int(index), float(x1), float(x2)
                if not (1 <= layer <= len(widths) and 0 <= index < widths[layer - 1]
                        and math.isfinite(x1) and math.isfinite(x2)):
                    raise ValueError
            except (TypeError, ValueError):
                raise RequestError(f"no neuron layer={layer!r} index={index!r} at a point "
                                   f"x1={x1!r}, x2={x2!r}; layers are 1 to {len(widths)}"
                                   ) from None
            points, labels = np.vstack([self.X, self.Xt]), np.concatenate([self.y, self.yt])
            k = int(np.argmin(((points - [x1, x2]) ** 2).sum(axis=1)))
            inputs = features(points[k:k + 1], self.cfg["features"])[0]
            with np.errstate(all="ignore"):
                out = explain(self.model, self.cfg, inputs, labels[k], self.cfg["problem"],
                              layer, index)
            names = (self.cfg["features"] if layer == 1 else
                     [f"h{layer - 1}.{i + 1}" for i in range(widths[layer - 2])])
            acts = activations(self.cfg)
            return {**out, "names": names, "point": points[k].tolist(),
                    "label": labels[k].item(), "layer": layer, "index": index,
                    "activation": acts[layer - 1] if layer <= len(acts) else "none",
                    "train": k < len(self.X)}

    def neuron_png(self, layer, index, x1, x2) -> bytes:
        """The computational graph of a neuron at a data point, as PNG bytes."""
        m = self.explain(layer, index, x1, x2)
        drawing = neuron_graph(m, m["names"], m["activation"])
        with ENGINE:  # one figure at a time
            return drawing.to_png(dpi=90)

    def set_custom_data(self, X: np.ndarray, y: np.ndarray, problem: str) -> dict:
        with self.lock:
            self.custom = (X, y)
            return self.configure({"dataset": "csv", "problem": problem})

    def _set_lr(self) -> None:
        """The learning rate of the coming epoch, the schedule applied."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.cfg["lr"] * lr_factor(self.cfg["schedule"], self.epoch)

    def close(self) -> None:
        with self.lock:
            self.closed, self.playing = True, False
            self.lock.notify_all()

    # -- training ------------------------------------------------------------------------
    def _losses(self) -> tuple[float, float]:
        weights, acts, problem = layer_weights(self.model), activations(self.cfg), \
            self.cfg["problem"]
        train = data_loss(forward_all(weights, acts, self.inputs)[-1], self.y, problem)
        test = data_loss(forward_all(weights, acts, self.test_inputs)[-1], self.yt, problem)
        return train, test

    #: how often a long epoch calls ``progress`` (a frame for the page), in seconds
    progress_seconds = 0.25

    def train_epoch(self, progress=None, until_paused: bool = False) -> bool:
        """The rest of the current epoch, a pass over the training data in shuffled
        batches; True when it completed. The lock is taken per step, so that a request
        waits one step at most; ``until_paused``: a pause stops the epoch where it is (the
        next one goes on from there); ``progress()`` is called every quarter second of a
        long epoch (a frame for the page)."""
        # a diverging run overflows: the page says so, NumPy need not warn too
        with np.errstate(all="ignore"):
            return self._train_epoch(progress, until_paused)

    def _train_epoch(self, progress, until_paused: bool) -> bool:
        with self.lock:
            version = self.net_version
            if self.partial is None or self.partial[0] != version:
                self.partial = (version, self.order_rng.permutation(len(self.X)), 0)
            _, order, start = self.partial
        last = time.monotonic()
        while start < len(order):
            with self.lock:
                if self.closed or self.net_version != version:
                    return False
                if until_paused and not self.playing:
                    return False
                idx = order[start:start + self.cfg["batch"]]
                train_step(self.model, self.optimizer, self.cfg, self.inputs[idx], self.y[idx],
                           self.cfg["problem"])
                start += len(idx)
                self.partial = (version, order, start)
            if progress is not None and time.monotonic() - last > self.progress_seconds:
                progress()
                last = time.monotonic()
        with self.lock:
            if self.net_version != version:
                return False
            self.partial = None
            self.epoch += 1
            self._set_lr()
            self.losses = train, test = self._losses()
            self.history.append((self.epoch, train, test))
            if self.first_loss is None:
                self.first_loss = train
            if math.isfinite(train) and train <= _DIVERGED * max(self.first_loss, 1.0):
                self.good = weights_copy(self.model)
                return True
            load_weights(self.model, self.good)
            self.optimizer = build_optimizer(self.cfg, self.model)
            self._set_lr()
            self.losses = self._losses()
            self.playing = False
            self.message = (f"Training diverged at epoch {self.epoch}: the training loss "
                            f"became {train:.3g}; the weights of the last good epoch are "
                            f"back and training is paused. " + _advice(self.optimizer))
            return True

    # -- what the page receives ----------------------------------------------------------
    def data_event(self) -> dict:
        def points(X, y):
            return np.column_stack([np.round(X, 3), np.round(y, 3)]).tolist()
        return {"type": "data", "problem": self.cfg["problem"], "classes": self.n_classes,
                "domain": DOMAIN, "train": points(self.X, self.y),
                "test": points(self.Xt, self.yt)}

    def frame(self) -> dict:
        """The page's picture of the network now: losses, the output heat map, every
        neuron's thumbnail, the weights."""
        weights = layer_weights(self.model)
        outs = forward_all(weights, activations(self.cfg), self.grid_inputs)
        values = output_values(outs[-1], self.cfg["problem"])
        heat = _bytes(values, 0.0, 1.0) if values.ndim == 2 else _bytes(values)
        thumbs = [[_bytes(h[_THUMB_INDEX, j]) for j in range(h.shape[1])] for h in outs[:-1]]
        stride = max(1, math.ceil(len(self.history) / _HISTORY_POINTS))
        history = self.history[::stride]
        if self.history and history[-1] is not self.history[-1]:
            history.append(self.history[-1])
        def number(v):
            return v if math.isfinite(v) else None
        return {"type": "frame", "epoch": self.epoch, "playing": self.playing,
                "trainLoss": number(self.losses[0]), "testLoss": number(self.losses[1]),
                "history": [[e, number(a), number(b)] for e, a, b in history],
                "grid": GRID, "heat": heat, "outputs": values.shape[1] if values.ndim == 2
                else 1, "thumb": THUMB, "thumbs": thumbs,
                "weights": [[_round(W), _round(b)] for W, b in weights],
                "lr": self.optimizer.param_groups[0]["lr"],
                "message": self.message}

    def stream(self, write, frame_interval: float = 0.08, heartbeat: float = 1.0) -> None:
        """Train and write server-sent events until the session closes or ``write``
        fails (the tab is gone: ``OSError``)."""
        import json

        sent_data, last = 0, 0.0

        def event(payload: dict) -> bytes:
            return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()

        while True:
            with self.lock:
                if not self.lock.wait_for(
                        lambda: self.closed or self.playing or self.pending_steps or self.dirty,
                        timeout=heartbeat):
                    idle = True
                else:
                    idle = False
                if self.closed:
                    return
                stepping = not self.playing and self.pending_steps > 0
                if stepping:
                    self.pending_steps -= 1
                playing = self.playing
            if idle:
                write(b": still here\n\n")  # fails once the tab is closed
                continue

            def send() -> None:
                nonlocal sent_data
                with self.lock:
                    out = b""
                    if self.data_version != sent_data:
                        out += event(self.data_event())
                        sent_data = self.data_version
                    out += event(self.frame())
                    self.dirty = False
                write(out)
            if playing or stepping:
                self.train_epoch(progress=send, until_paused=not stepping)
            now = time.monotonic()
            with self.lock:
                due = (self.dirty or stepping or not self.playing
                       or now - last >= frame_interval)
            if due:
                send()
                last = now
