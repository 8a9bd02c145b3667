"""What several labs share: seed 003's Circle data split into train / dev / test, the
2-4-2 network of the course, and a quiet call of ``reseau.train.fit``."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..data import DataLoader, TensorDataset, circles, train_val_test_split
from ..tensor import Tensor

__all__ = ["circle_data", "circle_net", "quiet_fit", "accuracy_of",
           "plot_boundary"]


def circle_data(n_samples: int, seed: int, *, noise: float = 0.1,
                sizes=(0.75, 0.0, 0.25), dtype=np.float32):
    """Seed 003's Circle (a disc inside a ring, with noise), split at random into
    train, dev and test sets, stratified; NumPy arrays ``(X, y)`` for each part."""
    X, y = circles(n_samples, noise=noise, seed=seed, as_tensor=False)
    parts = train_val_test_split(X.astype(dtype), y, sizes, stratify=True, seed=seed + 1)
    return parts


def circle_net(hidden: int = 4, activation: str = "tanh", dtype=None) -> nn.Module:
    """The network of seed 003: 2 inputs, ``hidden`` tanh units, 2 output scores
    (softmax cross-entropy is applied by the loss)."""
    return nn.MLP([2, hidden, 2], activation=activation, dtype=dtype)


def quiet_fit(model, optimizer, train, val=None, *, epochs: int, batch_size, seed: int,
              loss_fn=None, scheduler=None, callbacks=(), divergence_threshold=100.0,
              device: str = "cpu"):
    """``reseau.train.fit`` with the lab's conventions: softmax cross-entropy, batches
    shuffled by a generator seeded with ``seed`` (two runs with the same seed see the
    same batches), the loss and accuracy on the whole training set after each epoch,
    no progress bar and no log lines, on ``device``: the model is moved there, and back
    to the cpu at the end, where the lab reads its weights. Returns the ``History``."""
    from ..train import fit

    X, y = train
    loader = DataLoader(TensorDataset(_tensor(X), _tensor(y)), batch_size=batch_size,
                        shuffle=True, generator=seed)
    val_data = None if val is None else (_tensor(val[0]), _tensor(val[1]))
    history = fit(model, loss_fn or nn.CrossEntropyLoss(), optimizer, loader, val_data,
                  epochs=epochs, scheduler=scheduler, callbacks=callbacks, log_every=None,
                  progress=False, divergence_threshold=divergence_threshold, device=device)
    if device != "cpu":
        model.to("cpu")
    return history


def _tensor(a):
    from ..creation import as_tensor

    return a if isinstance(a, Tensor) else as_tensor(np.asarray(a))


def accuracy_of(model, X, y) -> float:
    """The fraction of rows of ``X`` whose highest score is the label ``y``."""
    from ..train import predict

    return float(np.mean(predict(model, X).argmax(axis=1) == np.asarray(y)))


def plot_boundary(report, model, X, y, name: str, caption: str, title: str) -> None:
    """A decision-boundary figure (``reseau.viz``) embedded in the report."""
    from ..viz import plot_decision_boundary

    fig = plot_decision_boundary(model, X, y, title=title, figsize=(5.0, 4.0))
    report.figure(fig, name, caption)
