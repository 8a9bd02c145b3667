"""``ManualMLP``: a one-hidden-layer classifier whose backprop is written by hand in
NumPy, with the formulas of seeds 002 and 003. No autograd is involved: it is the
reference the engine is checked against (and the exercise the course asks for).
"""

from __future__ import annotations

import numpy as np

from ..backend import default_generator

__all__ = ["ManualMLP"]

# The hidden activations, each with its derivative written from the activation's
# *output* hs = f(ha) where that is how the course writes it (seeds 002 and 003).
_ACTIVATIONS = ("tanh", "relu", "sigmoid")


def _activate(name: str, ha: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(ha)
    if name == "relu":  # the course's rect(x) = max(0, x)
        return np.maximum(ha, 0)
    # sigmoid, written so that exp never overflows: sigmoid(a) = (tanh(a/2) + 1) / 2
    return 0.5 * (np.tanh(0.5 * ha) + 1.0)


def _derivative(name: str, ha: np.ndarray, hs: np.ndarray) -> np.ndarray:
    if name == "tanh":  # tanh'(a) = 1 - tanh(a)^2
        return 1.0 - hs * hs
    if name == "relu":  # rect'(a) = 1_{a > 0} (0 at a = 0, as in PyTorch)
        return (ha > 0).astype(ha.dtype)
    return hs * (1.0 - hs)  # sigmoid'(a) = sigmoid(a) (1 - sigmoid(a))


class ManualMLP:
    r"""A classifier with one hidden layer whose gradients are derived by hand.

    Rows are examples: ``x`` has shape ``(n, d)``. For one example (a row ``x``),
    with the course's notation (seed 002 part B, seed 003)::

        ha = W1 x + b1          (hidden pre-activation, d_h values)
        hs = f(ha)              (f = tanh, relu or sigmoid)
        oa = W2 hs + b2         (output pre-activation, m values)
        os = softmax(oa)        (class probabilities)
        L(x, y) = -log os_y = -oa_y + log sum_k exp(oa_k)

    The objective is the mean loss over the batch plus the elastic-net penalty of
    seed 002::

        R = 1/n sum_i L(x_i, y_i) + l1_hidden ||W1||_1 + l2_hidden ||W1||_2^2
                                  + l1_output ||W2||_1 + l2_output ||W2||_2^2

    and its gradient, by backprop (per example, then averaged)::

        grad_oa = os - onehot(y)
        grad_W2 = grad_oa hs^T + l1_output sign(W2) + 2 l2_output W2
        grad_b2 = grad_oa
        grad_hs = W2^T grad_oa
        grad_ha = grad_hs * f'(ha)      (tanh: 1 - hs^2, sigmoid: hs (1 - hs), relu: 1_{ha>0})
        grad_W1 = grad_ha x^T + l1_hidden sign(W1) + 2 l2_hidden W1
        grad_b1 = grad_ha
        grad_x  = W1^T grad_ha

    (Seed 002 writes the derivative of ``l ||W||_1`` as ``l``; it is ``l sign(W)``.)
    In the batched code each example's gradient is divided by ``n`` (the mean), so
    ``grad_x`` is the gradient of ``R`` with respect to each row of ``x``, the value
    autograd gives for ``x.grad``.

    Parameters
    ----------
    in_features, hidden_features, out_features : int
        ``d``, ``d_h`` and ``m`` (the number of classes).
    activation : {"tanh", "relu", "sigmoid"}
        The hidden activation ``f``.
    l1_hidden, l2_hidden, l1_output, l2_output : float
        The elastic-net coefficients (``lambda_11, lambda_12, lambda_21, lambda_22`` of
        seed 002). Biases are not penalised.
    dtype : numpy dtype
        float64 by default, so that the gradients can be checked to 1e-10.
    generator : numpy.random.Generator, optional
        Draws the initial weights, uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``
        (PyTorch's ``Linear`` rule). Default: reseau's generator (``reseau.manual_seed``).

    Examples
    --------
    >>> import numpy as np, reseau
    >>> from reseau.models import ManualMLP
    >>> _ = reseau.manual_seed(0)
    >>> net = ManualMLP(2, 8, 3)
    >>> x, y = np.random.default_rng(0).normal(size=(5, 2)), np.array([0, 1, 2, 1, 0])
    >>> loss = net.loss(x, y)
    >>> grads = net.backward(y)
    >>> sorted(grads), grads["W1"].shape
    (['W1', 'W2', 'b1', 'b2', 'x'], (8, 2))
    """

    def __init__(self, in_features: int, hidden_features: int, out_features: int,
                 activation: str = "tanh", l1_hidden: float = 0.0, l2_hidden: float = 0.0,
                 l1_output: float = 0.0, l2_output: float = 0.0, dtype=np.float64,
                 generator: np.random.Generator | None = None):
        for name, n in (("in_features", in_features), ("hidden_features", hidden_features),
                        ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"ManualMLP: {name} must be a positive integer, got {n!r}")
        if out_features < 2:
            raise ValueError(
                f"ManualMLP: out_features is the number of classes of the softmax output "
                f"and must be at least 2, got {out_features}"
            )
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"ManualMLP: unknown activation {activation!r}; expected one of "
                f"{', '.join(_ACTIVATIONS)}"
            )
        for name, lam in (("l1_hidden", l1_hidden), ("l2_hidden", l2_hidden),
                          ("l1_output", l1_output), ("l2_output", l2_output)):
            if lam < 0:
                raise ValueError(f"ManualMLP: {name} must be >= 0, got {lam}")
        self.activation = activation
        self.l1_hidden, self.l2_hidden = float(l1_hidden), float(l2_hidden)
        self.l1_output, self.l2_output = float(l1_output), float(l2_output)
        self.dtype = np.dtype(dtype)
        rng = default_generator() if generator is None else generator

        def uniform(shape, fan_in):
            bound = 1.0 / np.sqrt(fan_in)
            return rng.uniform(-bound, bound, size=shape).astype(self.dtype)

        self.W1 = uniform((hidden_features, in_features), in_features)
        self.b1 = uniform((hidden_features,), in_features)
        self.W2 = uniform((out_features, hidden_features), hidden_features)
        self.b2 = uniform((out_features,), hidden_features)
        self._cache = None

    # ------------------------------------------------------------------ helpers
    @property
    def in_features(self) -> int:
        return self.W1.shape[1]

    @property
    def out_features(self) -> int:
        return self.W2.shape[0]

    def parameters(self) -> dict:
        """The parameters by name: ``{"W1": ..., "b1": ..., "W2": ..., "b2": ...}``
        (the arrays themselves, not copies)."""
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def _check_x(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"ManualMLP: expected inputs of shape (n, {self.in_features}) (one row per "
                f"example), got shape {tuple(x.shape)}"
            )
        return x

    def _check_y(self, y, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n,) or y.dtype.kind not in "iu":
            raise ValueError(
                f"ManualMLP: expected integer class labels of shape ({n},), got "
                f"{y.dtype} of shape {tuple(y.shape)}; pass y.astype(int)"
            )
        if n and (y.min() < 0 or y.max() >= self.out_features):
            raise ValueError(
                f"ManualMLP: labels must lie in [0, {self.out_features - 1}], got values "
                f"from {y.min()} to {y.max()}"
            )
        return y

    def penalty(self) -> float:
        """The elastic-net term of the objective."""
        return float(
            self.l1_hidden * np.abs(self.W1).sum() + self.l2_hidden * (self.W1 ** 2).sum()
            + self.l1_output * np.abs(self.W2).sum() + self.l2_output * (self.W2 ** 2).sum()
        )

    # ----------------------------------------------------------------- forward
    def forward(self, x) -> np.ndarray:
        """Class probabilities ``os`` (shape ``(n, m)``); keeps what ``backward`` needs."""
        x = self._check_x(x)
        ha = x @ self.W1.T + self.b1
        hs = _activate(self.activation, ha)
        oa = hs @ self.W2.T + self.b2
        shifted = oa - oa.max(axis=1, keepdims=True)  # softmax is shift-invariant
        e = np.exp(shifted)
        os = e / e.sum(axis=1, keepdims=True)
        log_norm = np.log(e.sum(axis=1)) + oa.max(axis=1)  # log sum_k exp(oa_k)
        self._cache = (x, ha, hs, oa, os, log_norm)
        return os

    __call__ = forward

    def loss(self, x, y) -> float:
        """The objective ``R``: mean of ``-oa_y + log sum_k exp(oa_k)`` plus the penalty."""
        self.forward(x)
        x, ha, hs, oa, os, log_norm = self._cache
        y = self._check_y(y, x.shape[0])
        data_term = np.mean(log_norm - oa[np.arange(x.shape[0]), y]) if x.shape[0] else 0.0
        return float(data_term) + self.penalty()

    # ---------------------------------------------------------------- backward
    def backward(self, y) -> dict:
        """Gradients of the objective with respect to ``W1, b1, W2, b2`` and the input
        ``x``, for the batch of the last ``forward`` (or ``loss``) call."""
        if self._cache is None:
            raise RuntimeError(
                "ManualMLP.backward: no forward pass to differentiate; call "
                "net.loss(x, y) (or net.forward(x)) first"
            )
        x, ha, hs, oa, os, _ = self._cache
        n = x.shape[0]
        y = self._check_y(y, n)
        onehot = np.zeros_like(os)
        onehot[np.arange(n), y] = 1.0
        grad_oa = (os - onehot) / n                 # one row per example, mean over the batch
        grad_W2 = grad_oa.T @ hs                    # sum_i grad_oa_i hs_i^T
        grad_b2 = grad_oa.sum(axis=0)
        grad_hs = grad_oa @ self.W2                 # row i: W2^T grad_oa_i
        grad_ha = grad_hs * _derivative(self.activation, ha, hs)
        grad_W1 = grad_ha.T @ x                     # sum_i grad_ha_i x_i^T
        grad_b1 = grad_ha.sum(axis=0)
        grad_x = grad_ha @ self.W1                  # row i: W1^T grad_ha_i
        grad_W1 += self.l1_hidden * np.sign(self.W1) + 2.0 * self.l2_hidden * self.W1
        grad_W2 += self.l1_output * np.sign(self.W2) + 2.0 * self.l2_output * self.W2
        return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2, "x": grad_x}

    # ---------------------------------------------------------------- training
    def step(self, grads: dict, lr: float) -> None:
        """One gradient-descent step ``theta <- theta - lr * grad_theta`` (in place)."""
        for name, p in self.parameters().items():
            p -= lr * grads[name]

    def fit(self, x, y, lr: float = 0.1, epochs: int = 100, batch_size: int | None = None,
            generator: np.random.Generator | None = None) -> list:
        """Mini-batch gradient descent (full batch when ``batch_size`` is None); returns
        the objective on each mini-batch, epoch after epoch."""
        x = self._check_x(x)
        y = self._check_y(y, x.shape[0])
        n = x.shape[0]
        bs = n if batch_size is None else int(batch_size)
        if bs < 1:
            raise ValueError(f"ManualMLP.fit: batch_size must be >= 1, got {batch_size}")
        rng = default_generator() if generator is None else generator
        history = []
        for _ in range(epochs):
            order = rng.permutation(n) if bs < n else np.arange(n)
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                history.append(self.loss(x[idx], y[idx]))
                self.step(self.backward(y[idx]), lr)
        return history

    def predict_proba(self, x) -> np.ndarray:
        """Class probabilities, shape ``(n, m)``."""
        return self.forward(x)

    def predict(self, x) -> np.ndarray:
        """The most probable class of each row."""
        return self.forward(x).argmax(axis=1)

    def __repr__(self) -> str:
        d_h = self.W1.shape[0]
        return (f"ManualMLP(in_features={self.in_features}, hidden_features={d_h}, "
                f"out_features={self.out_features}, activation={self.activation!r})")
