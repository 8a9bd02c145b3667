"""The network behind the estimators: plain arrays in, a reseau ``nn.Sequential`` out,
and back.

A fitted estimator keeps only NumPy arrays (``coefs_``, ``intercepts_``), in
scikit-learn's layout: ``coefs_[i]`` has shape ``(fan_in, fan_out)``, so layer ``i``
computes ``a_{i+1} = f(a_i @ coefs_[i] + intercepts_[i])``. For training and
prediction the arrays are loaded into ``nn.Linear`` layers (weight = ``coefs_[i].T``);
after training they are read back. No graph outlives a call, so estimators pickle and
deep-copy like any scikit-learn estimator.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..backend import fork_rng
from ..creation import from_numpy

__all__ = ["ACTIVATIONS", "init_weights", "build_network", "read_network", "forward"]

#: scikit-learn's activation names (its API: MLPClassifier(activation="logistic")); each is
#: the name of ``reseau.registry.ACTIVATIONS`` except "logistic", reseau's "sigmoid".
ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
_RESEAU_NAME = {"logistic": "sigmoid"}

#: Every array of an estimator is float64: predictions then agree to ~1e-15 whatever
#: the batch size or the order of the samples, and the numbers are scikit-learn's.
DTYPE = np.float64


def init_weights(layer_sizes, activation: str, rng: np.random.Generator, zeros: bool = False):
    """Initial ``(coefs, intercepts)`` for ``layer_sizes = [n_in, h1, ..., n_out]``.

    Glorot uniform, as scikit-learn's MLP: every weight and bias of a layer is drawn
    from ``U(-b, b)`` with ``b = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / (fan_in +
    fan_out))`` when the hidden activation is the logistic function). ``zeros=True``
    starts from zero instead (the convex linear models, whose optimum does not depend
    on the start).
    """
    coefs, intercepts = [], []
    factor = 2.0 if activation == "logistic" else 6.0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        if zeros:
            coefs.append(np.zeros((fan_in, fan_out), dtype=DTYPE))
            intercepts.append(np.zeros(fan_out, dtype=DTYPE))
            continue
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(DTYPE))
        intercepts.append(rng.uniform(-bound, bound, fan_out).astype(DTYPE))
    return coefs, intercepts


def build_network(coefs, intercepts, activation: str, bias: bool = True) -> nn.MLP:
    """An ``nn.MLP`` whose ``Linear`` layers hold copies of ``coefs`` and ``intercepts``,
    with ``activation`` between them (none after the last layer: it outputs raw scores).
    ``bias=False`` builds layers without bias (the intercepts are then ignored)."""
    sizes = [coefs[0].shape[0], *(coef.shape[1] for coef in coefs)]
    with fork_rng():  # nn.Linear's initial weights are overwritten at once
        net = nn.MLP(sizes, activation=_RESEAU_NAME.get(activation, activation), bias=bias,
                     dtype=DTYPE)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    for linear, coef, intercept in zip(linears, coefs, intercepts):
        state = {"weight": coef.T}
        if bias:
            state["bias"] = intercept
        linear.load_state_dict(state)
    return net


def read_network(net: nn.Sequential, n_layers: int):
    """Copies of the weights of a network made by :func:`build_network`, as
    ``(coefs, intercepts)`` in scikit-learn's layout (zero intercepts without bias)."""
    linears = [m for m in net if isinstance(m, nn.Linear)]
    if len(linears) != n_layers:  # pragma: no cover - guards against a wrong network
        raise RuntimeError(f"expected {n_layers} Linear layers, found {len(linears)}")
    coefs = [np.array(m.weight._array.T, dtype=DTYPE) for m in linears]
    intercepts = [np.array(m.bias._array, dtype=DTYPE) if m.bias is not None
                  else np.zeros(m.out_features, dtype=DTYPE) for m in linears]
    return coefs, intercepts


def forward(net: nn.Sequential, X: np.ndarray) -> np.ndarray:
    """The raw output scores of ``net`` on ``X``, in evaluation mode and without a graph.

    Rows are computed independently of each other (no batch statistics, no dropout),
    so the result does not depend on how ``X`` is split or ordered.
    """
    was_training = net.training
    net.eval()
    try:
        with no_grad():
            return np.asarray(net(from_numpy(np.ascontiguousarray(X, dtype=DTYPE)))._array)
    finally:
        net.train(was_training)
