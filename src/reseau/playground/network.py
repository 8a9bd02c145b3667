"""The network of a session: input features, an ``nn.MLP`` trained by reseau's engine, and
the NumPy forward pass that draws a frame.

A frame needs every neuron's output at every point of the grid (the heat map and the
thumbnails): the weights are read out of the model once and the grid goes through them in
NumPy, keeping each layer's output, which the engine's forward does not hand back.
``tests/playground`` checks that this pass gives the model's own outputs.

reseau's grad mode is one switch for the whole process (an optimizer's step, an
initialiser turn it off for a moment): two sessions using the engine at the same moment
would see each other's ``no_grad``. So every use of the engine here holds ``ENGINE``, one
lock for all sessions, taken per training step so that the tabs train in turn.
"""

from __future__ import annotations

import threading

import numpy as np

from .. import nn, optim
from ..creation import from_numpy
from ..grad_mode import no_grad
from ..nn import functional as F
from ..nn import init
from ..nn.regularization import l1_penalty, l2_penalty
from ..random import Generator
from ..train import callbacks

__all__ = ["ENGINE", "features", "build_model", "build_optimizer", "layer_weights", "forward_all",
           "output_values", "data_loss", "train_step", "lr_factor", "weights_copy", "loss_of",
           "load_weights"]

ENGINE = threading.RLock()

_FEATURES = {
    "x1": lambda a, b: a, "x2": lambda a, b: b, "x1sq": lambda a, b: a * a,
    "x2sq": lambda a, b: b * b, "x1x2": lambda a, b: a * b,
    "sinx1": lambda a, b: np.sin(a), "sinx2": lambda a, b: np.sin(b),
}
_NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "linear": lambda z: z,
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # no overflow warning for big |z|
}
_MODULE_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid",
                       "linear": "identity"}


def features(X: np.ndarray, names) -> np.ndarray:
    """The chosen input features of the points ``X`` ``(n, 2)``: ``(n, len(names))``."""
    a, b = X[:, 0], X[:, 1]
    return np.stack([_FEATURES[name](a, b) for name in names], axis=1)


def activations(cfg: dict) -> list[str]:
    """The activation of each hidden layer."""
    acts = cfg["acts"] or [""] * len(cfg["layers"])
    return [a or cfg["activation"] for a in acts]


def n_outputs(cfg: dict, n_classes: int) -> int:
    return 3 if n_classes == 3 else 1


def build_model(cfg: dict, n_classes: int, seed: int) -> nn.MLP:
    """The MLP of ``cfg``, its weights drawn from ``seed`` (``cfg['init']``: PyTorch's
    default, Xavier uniform with zero biases, or all zeros)."""
    sizes = [len(cfg["features"]), *cfg["layers"], n_outputs(cfg, n_classes)]
    acts = [_MODULE_ACTIVATIONS[a] for a in activations(cfg)]
    with ENGINE:
        model = nn.MLP(sizes, activation=acts if acts else "relu", dropout=cfg["dropout"])
        _initialise(model, cfg["init"], seed)
    return model


def _initialise(model, how: str, seed: int) -> None:
    gen = Generator().manual_seed(seed)
    with no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                if how == "default":
                    init.layer_default_(layer.weight, layer.bias, generator=gen)
                elif how == "xavier":
                    init.xavier_uniform_(layer.weight, generator=gen)
                    init.zeros_(layer.bias)
                else:
                    init.zeros_(layer.weight)
                    init.zeros_(layer.bias)


def lr_factor(schedule: str, epoch: int) -> float:
    """The learning rate of ``epoch`` (0-based) over the chosen one: ``step`` halves it
    every 100 epochs, ``exp`` multiplies it by 0.99 each epoch."""
    if schedule == "step":
        return 0.5 ** (epoch // 100)
    if schedule == "exp":
        return 0.99 ** epoch
    return 1.0


def build_optimizer(cfg: dict, model):
    with ENGINE:
        if cfg["optimizer"] == "adam":
            return optim.Adam(model.parameters(), lr=cfg["lr"])
        momentum = 0.9 if cfg["optimizer"] == "momentum" else 0.0
        return optim.SGD(model.parameters(), lr=cfg["lr"], momentum=momentum)


def load_weights(model, weights: dict) -> None:
    """``model.load_state_dict(weights)``, holding ``ENGINE``."""
    with ENGINE:
        model.load_state_dict(weights)


def weights_copy(model) -> dict[str, np.ndarray]:
    """The model's state as NumPy arrays that training leaves alone (the library's
    ``train.callbacks.weights_copy``, as arrays), for ``load_state_dict`` later."""
    return {k: v.numpy() for k, v in callbacks.weights_copy(model).items()}


def layer_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W, b)`` of each Linear layer, float32 copies: ``W`` is ``(out, in)``."""
    return [(layer.weight.detach().numpy().astype(np.float32),
             layer.bias.detach().numpy().astype(np.float32))
            for layer in model if isinstance(layer, nn.Linear)]


def forward_all(weights, acts: list[str], inputs: np.ndarray) -> list[np.ndarray]:
    """The output of every layer for ``inputs`` (features): one ``(n, width)`` array per
    hidden layer, then the output layer's raw scores."""
    outs, h = [], inputs
    for k, (W, b) in enumerate(weights):
        # einsum, not BLAS: for these thin matrices BLAS threads cost more than the work
        z = np.einsum("ni,oi->no", h, W) + b
        h = _NUMPY_ACTIVATIONS[acts[k]](z) if k < len(acts) else z
        outs.append(h)
    return outs


def output_values(scores: np.ndarray, problem: str) -> np.ndarray:
    """What the heat map shows: regression, the prediction; two classes, ``2 p - 1`` in
    [-1, 1] (``p`` the probability of class 1, TensorFlow Playground's scale); three
    classes, the softmax probabilities ``(n, 3)``."""
    if problem == "regression":
        return scores[:, 0]
    if scores.shape[1] == 1:
        return np.tanh(0.5 * scores[:, 0])  # 2 sigmoid(s) - 1
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def data_loss(scores: np.ndarray, y: np.ndarray, problem: str) -> float:
    """The loss the page shows, in NumPy: mean squared error (regression), binary or
    softmax cross-entropy (classification); the weight penalty is not in it."""
    if len(y) == 0:
        return float("nan")
    if problem == "regression":
        return float(np.mean((scores[:, 0] - y) ** 2))
    if scores.shape[1] == 1:
        s = scores[:, 0]  # log(1 + e^s) - y s, stable for either sign of s
        return float(np.mean(np.logaddexp(0.0, s) - y * s))
    m = scores.max(axis=1, keepdims=True)
    logz = (m + np.log(np.exp(scores - m).sum(axis=1, keepdims=True)))[:, 0]
    return float(np.mean(logz - scores[np.arange(len(y)), y]))


def loss_of(out, y: np.ndarray, problem: str):
    """The data loss of the outputs ``out`` (a Tensor) for the targets ``y``, in reseau."""
    if problem == "regression":
        return F.mse_loss(out, from_numpy(y.astype(np.float32)[:, None]))
    if out.shape[1] == 1:
        return F.binary_cross_entropy_with_logits(out, from_numpy(y.astype(np.float32)[:, None]))
    return F.cross_entropy(out, from_numpy(y.astype(np.int64)))


def train_step(model, optimizer, cfg: dict, inputs: np.ndarray, y: np.ndarray, problem: str):
    """One step of the optimizer on a batch: the data loss plus ``regRate`` times the L1
    norm or the squared L2 norm of the weights (not the biases)."""
    with ENGINE:
        loss = loss_of(model(from_numpy(inputs.astype(np.float32))), y, problem)
        if cfg["reg"] != "none" and cfg["regRate"] > 0:
            penalty = l1_penalty(model) if cfg["reg"] == "l1" else l2_penalty(model)
            loss = loss + cfg["regRate"] * penalty
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
