"""``MLP``: a multilayer-perceptron classifier of any depth, with its own activation
for each hidden layer, built from ``reseau.nn`` layers."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..nn import functional as F
from ..tensor import Tensor
from ..train.metrics import probabilities
from ._base import CourseModel

__all__ = ["MLP"]


class MLP(CourseModel, nn.MLP):
    r"""A fully connected classifier: ``sizes = [d, h_1, ..., h_L, C]`` gives ``L``
    hidden layers, each with its own activation ``f_k``, and ``C`` output logits.

    Forward (one example as a column, as in seeds 002-004)::

        h_0 = x
        a_k = W_k h_{k-1} + b_k,   h_k = f_k(a_k)        k = 1..L
        a_{L+1} = W_{L+1} h_L + b_{L+1}                  (the logits)
        yhat = softmax(a_{L+1})

    Objective: the mean cross-entropy plus an L2 penalty on the weight matrices::

        R = 1/n sum_i -log yhat_{i, y_i} + rho/2 sum_k ||W_k||_F^2

    Backward (seed 004, "backprop couche MLP"), for one example, then averaged::

        g = yhat - onehot(y)                     (gradient of the logits)
        for k = L+1 down to 1:
            grad_W_k = g h_{k-1}^T + rho W_k,    grad_b_k = g
            g = W_k^T g                          (gradient of h_{k-1})
            g = g * f'_{k-1}(a_{k-1})            (gradient of a_{k-1}; skipped at k = 1)

    The network is a :class:`reseau.nn.MLP` (no output activation); the engine
    computes these by autograd; :class:`ManualMLP` writes them by hand for one hidden
    layer. For a network that is not a classifier, use
    ``reseau.nn.MLP`` with a loss of your choice.

    Parameters
    ----------
    sizes : sequence of int
        Input size, hidden sizes, number of classes (at least 2 classes).
    activation : str, Module class, or a sequence of them
        One for every hidden layer, or one per hidden layer: ``"relu"``, ``"tanh"``,
        ``"sigmoid"``, ``"leaky_relu"``, ``"gelu"``, ``"softplus"``, ``"silu"``,
        ``"identity"`` (any name of ``reseau.registry.ACTIVATIONS``), or a class such as
        ``nn.Tanh``.
    weight_decay : float
        ``rho``.
    dropout : float
        Dropout probability after each hidden activation (0: none).

    Examples
    --------
    >>> import reseau
    >>> from reseau.models import MLP
    >>> net = MLP([2, 16, 8, 3], activation=["tanh", "relu"])
    >>> [type(m).__name__ for m in net]
    ['Linear', 'Tanh', 'Linear', 'ReLU', 'Linear']
    >>> net(reseau.randn(5, 2)).shape
    reseau.Size([5, 3])
    """

    def __init__(self, sizes, activation="relu", weight_decay: float = 0.0,
                 dropout: float = 0.0, dtype=None):
        sizes = list(sizes)
        if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
            raise ValueError(f"MLP: sizes must list the input size, the hidden sizes and the "
                             f"number of classes, all positive ints (e.g. [2, 16, 3]); got "
                             f"{sizes!r}")
        if sizes[-1] < 2:
            raise ValueError(f"MLP: the last size is the number of classes and must be at "
                             f"least 2, got {sizes[-1]}")
        if weight_decay < 0:
            raise ValueError(f"MLP: weight_decay (rho) must be >= 0, got {weight_decay}")
        # nn.MLP checks the activations (one, or one per hidden layer) and the dropout
        super().__init__(sizes, activation=activation, dropout=dropout, dtype=dtype)
        self.in_features = self.sizes[0]
        self.num_classes = self.sizes[-1]
        self.weight_decay = float(weight_decay)

    def objective(self, x, y) -> Tensor:
        """``R`` on the data; ``y`` holds class indices in ``[0, C)``."""
        x = self._input(x)
        labels = self._class_targets(y, x.shape[0], self.num_classes)
        loss = F.cross_entropy(self(x), labels)
        if self.weight_decay:
            loss = loss + (self.weight_decay / 2) * nn.l2_penalty(self)
        return loss

    def predict_proba(self, x) -> np.ndarray:
        """Class probabilities, shape ``(n, C)`` (computed in evaluation mode)."""
        was_training = self.training
        self.eval()
        try:
            a = self._no_grad_forward(x)
        finally:
            self.train(was_training)
        return probabilities(a)

    def predict(self, x) -> np.ndarray:
        """The most probable class of each row."""
        return self.predict_proba(x).argmax(axis=1)
