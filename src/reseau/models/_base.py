"""What the course models share: turning arrays into tensors of the model's dtype, and
training by full-batch gradient descent on the model's ``objective``."""

from __future__ import annotations

import warnings

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["CourseModel"]


class CourseModel:
    """Mixin for the course models (used with ``nn.Module``). A subclass defines
    ``forward(x)`` and ``objective(x, y)``, the scalar function that training
    minimises, and sets ``in_features``."""

    in_features: int

    def _linear_model(self, in_features: int, out_features: int, weight_decay: float,
                      dtype) -> None:
        """Set up the single affine layer ``x -> W x + b`` of a linear model, with the
        L2 strength ``rho`` (``weight_decay``) of its objective."""
        if weight_decay < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay (rho) must be >= 0, got "
                             f"{weight_decay}")
        self.in_features = int(in_features)
        self.weight_decay = float(weight_decay)
        self.linear = nn.Linear(in_features, out_features, dtype=dtype)

    def _l2_penalty(self) -> Tensor:
        """``rho / 2 ||W||^2`` on the weights of ``self.linear`` (not the bias): its
        gradient is ``rho W``."""
        return (self.weight_decay / 2) * nn.l2_penalty(self.linear.weight)

    def _dtype(self) -> np.dtype:
        return next(iter(self.parameters())).dtype

    def _input(self, x) -> Tensor:
        """``x`` as a tensor of the model's dtype, checked to be ``(n, in_features)``."""
        name = type(self).__name__
        dtype = self._dtype()
        if isinstance(x, Tensor):
            if x.dtype != dtype:
                x = x.to(dtype)
        else:
            x = Tensor._make(np.asarray(x, dtype=dtype))
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"{name}: expected inputs of shape (n, {self.in_features}) (one row per "
                f"example), got shape {tuple(x.shape)}"
            )
        return x

    def _real_targets(self, y, n: int) -> Tensor:
        name = type(self).__name__
        arr = np.asarray(y._array if isinstance(y, Tensor) else y)
        if arr.shape == (n, 1):
            arr = arr[:, 0]
        if arr.shape != (n,):
            raise ValueError(f"{name}: expected {n} targets (shape ({n},)), got shape {arr.shape}")
        if isinstance(y, Tensor) and y.requires_grad:
            return y.reshape(n).to(self._dtype())
        return Tensor._make(arr.astype(self._dtype()))

    def _class_targets(self, y, n: int, n_classes: int) -> np.ndarray:
        name = type(self).__name__
        arr = np.asarray(y._array if isinstance(y, Tensor) else y)
        if arr.shape != (n,):
            raise ValueError(f"{name}: expected {n} class labels (shape ({n},)), got shape "
                             f"{tuple(arr.shape)}")
        if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)  # labels stored as floats (0.0, 1.0)
        if arr.dtype.kind not in "iub":
            raise ValueError(f"{name}: class labels must be integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        if n and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(f"{name}: class labels must lie in [0, {n_classes - 1}], got "
                             f"values from {arr.min()} to {arr.max()}")
        return arr

    def fit(self, x, y, lr: float = 0.1, epochs: int = 100, optimizer=None) -> list:
        """Minimise ``objective(x, y)`` by full-batch gradient descent: each epoch,
        ``theta <- theta - lr * grad objective(theta)`` (``reseau.optim.SGD``, or the
        ``optimizer`` given). Returns the objective before each step.

        The loop is ``reseau.train.fit`` with one batch of all the data; if the
        objective becomes NaN or infinite, training stops with the weights of the last
        good epoch and a ``RuntimeWarning`` says so."""
        from ..optim import SGD
        from ..train import fit

        if epochs < 0:
            raise ValueError(f"{type(self).__name__}.fit: epochs must be >= 0, got {epochs}")
        opt = SGD(self.parameters(), lr=lr) if optimizer is None else optimizer
        history = fit(self, None, opt, (x, y), epochs=epochs, objective=self.objective,
                      batch_size="full", shuffle=False, eval_train=False, metrics=(),
                      log_every=None, progress=False, divergence_threshold=None)
        if history.stop_reason == "diverged":
            warnings.warn(f"{type(self).__name__}.fit: {history.message}", RuntimeWarning,
                          stacklevel=2)
        return list(history["loss"]) if len(history) else []

    def extra_repr(self) -> str:
        return f"weight_decay={self.weight_decay}"

    def _no_grad_forward(self, x) -> np.ndarray:
        with no_grad():
            return self(self._input(x))._array
