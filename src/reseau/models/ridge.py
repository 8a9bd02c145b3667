"""``Ridge``: regularised least squares (seed 000, question 1)."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..tensor import Tensor
from ._base import CourseModel

__all__ = ["Ridge"]


class Ridge(CourseModel, nn.Module):
    r"""Ridge regression: the linear predictor ``f(x) = w . x + b`` fitted by
    minimising (seed 000, question 1)::

        F(w, b) = 1/n sum_i (w . x_i + b - y_i)^2 + rho/2 ||w||^2

    with ``rho = weight_decay`` (the bias is not penalised). Its gradient::

        grad_w F = 2/n sum_i (w . x_i + b - y_i) x_i + rho w
        dF/db    = 2/n sum_i (w . x_i + b - y_i)

    Setting both to zero gives the closed form used by :meth:`fit_closed_form`: with
    ``Xc = X - mean(X)`` and ``yc = y - mean(y)`` (centring removes ``b``)::

        w = (Xc^T Xc + (n rho / 2) I)^{-1} Xc^T yc,     b = mean(y) - mean(X) . w

    :meth:`fit` reaches the same point by gradient descent.

    Parameters
    ----------
    in_features : int
        ``d``, the number of features.
    weight_decay : float
        ``rho`` (>= 0).
    dtype : optional
        Of the parameters (float32 by default; float64 for precise comparisons).

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.models import Ridge
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> model = Ridge(1, dtype="float64").fit_closed_form(X, y)
    >>> model.predict(np.array([[4.0]])).round(6).tolist()
    [9.0]
    """

    def __init__(self, in_features: int, weight_decay: float = 0.0, dtype=None):
        super().__init__()
        self._linear_model(in_features, 1, weight_decay, dtype)

    def forward(self, x: Tensor) -> Tensor:
        """Predictions ``w . x_i + b``, shape ``(n,)``."""
        return self.linear(x).reshape(-1)

    def objective(self, x, y) -> Tensor:
        """``F(w, b)`` on the data (a scalar tensor to call ``backward`` on)."""
        x = self._input(x)
        residual = self(x) - self._real_targets(y, x.shape[0])
        return (residual * residual).mean() + self._l2_penalty()

    def fit_closed_form(self, x, y) -> "Ridge":
        """Set ``w`` and ``b`` to the exact minimiser of ``F`` (computed in float64)."""
        x = self._input(x)._array.astype(np.float64)
        y = self._real_targets(y, x.shape[0])._array.astype(np.float64)
        n, d = x.shape
        x_mean, y_mean = x.mean(axis=0), y.mean()
        xc, yc = x - x_mean, y - y_mean
        a = xc.T @ xc + (n * self.weight_decay / 2) * np.eye(d)
        try:
            w = np.linalg.solve(a, xc.T @ yc)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                "Ridge.fit_closed_form: Xc^T Xc is singular (constant or collinear features) "
                "and weight_decay is 0; use weight_decay > 0"
            ) from None
        with no_grad():
            self.linear.weight._array[...] = w[None, :]
            self.linear.bias._array[...] = y_mean - x_mean @ w
        return self

    def predict(self, x) -> np.ndarray:
        """Predictions as an array, shape ``(n,)``."""
        return self._no_grad_forward(x)
