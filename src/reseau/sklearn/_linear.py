"""``LogisticRegression`` and ``RidgeRegression``: the linear models of the course as
scikit-learn estimators, trained by reseau's engine (gradient descent, not a closed
form or a second-order solver), with scikit-learn's objectives."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ._base import EngineEstimator
from ._targets import ClassifierCore, RegressorCore

__all__ = ["LogisticRegression", "RidgeRegression"]

_TRAINING_PARAMETERS = """    fit_intercept : bool, default True
        Learn an intercept (else it is 0).
    solver : {'adam', 'sgd'}, default 'adam'
    learning_rate : {'adaptive', 'constant'}, default 'adaptive'
        'adaptive': when the loss stalls (see ``tol``), divide the learning rate by 5
        and go on, until it falls below 1e-6; this is what makes gradient descent reach
        the optimum of these convex objectives.
    learning_rate_init : float, default 0.01
    batch_size : int or 'auto', default 'auto'
        'auto' is ``min(200, n_samples)``; ``n_samples`` or more gives full-batch
        gradient descent.
    max_iter : int, default 200
        The maximum number of epochs (passes over the data), not of solver iterations.
    tol : float, default 1e-4
    n_iter_no_change : int, default 10
    shuffle : bool, default True
    early_stopping : bool, default False
    validation_fraction : float, default 0.1
    random_state : None, int or numpy random generator, default None
        Seeds the shuffling and the validation split (the weights start at zero).
    warm_start : bool, default False
    verbose : bool, default False
    momentum : float, default 0.9
        Momentum of SGD (Nesterov's).

    The training loop, the stopping rule and the attributes ``n_iter_``, ``loss_``,
    ``loss_curve_``, ``coefs_``, ``intercepts_`` are those of ``MLPClassifier``;
    Adam's ``beta_1, beta_2, epsilon`` are fixed at PyTorch's defaults.
"""


class _LinearParams(EngineEstimator):
    """Training hyper-parameters of the linear models; no hidden layer, zero start."""

    _zero_init = True
    # fixed settings (not hyper-parameters of these models), read by the fit loop
    beta_1, beta_2, epsilon, nesterovs_momentum = 0.9, 0.999, 1e-8, True

    def _has_bias(self) -> bool:
        return bool(self.fit_intercept)

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and ``y``; returns ``self``."""
        return self._fit(X, y, incremental=False)


class LogisticRegression(ClassifierMixin, ClassifierCore, _LinearParams):
    __doc__ = """L2-regularised logistic regression (softmax regression for more than two
    classes), trained by reseau's engine.

    Minimises scikit-learn's objective, divided by ``C n``:

        (1/n) sum_i CE(x_i W + b, y_i) + 1 / (2 C n) ||W||^2

    with ``CE`` the binary cross-entropy of the sigmoid (two classes) or the
    cross-entropy of the softmax. Each batch uses the data term on its samples and the
    full penalty, so that the objective is the same whatever the batch size.

    Parameters
    ----------
    C : float, default 1.0
        Inverse of the regularisation strength (``numpy.inf``: no penalty).
""" + _TRAINING_PARAMETERS + """
    Attributes
    ----------
    classes_ : ndarray
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_features_in_, n_iter_ : int

    Examples
    --------
    >>> from reseau.data import blobs
    >>> from reseau.sklearn import LogisticRegression
    >>> X, y = blobs(150, seed=0, as_tensor=False)
    >>> clf = LogisticRegression(random_state=0).fit(X, y)
    >>> clf.coef_.shape, clf.score(X, y) > 0.9
    ((3, 2), True)
    """

    def __init__(self, C=1.0, *, fit_intercept=True, solver="adam",
                 learning_rate="adaptive", learning_rate_init=0.1, batch_size=None,
                 max_iter=1000, tol=1e-6, n_iter_no_change=10, shuffle=True,
                 early_stopping=False, validation_fraction=0.1, random_state=None,
                 warm_start=False, verbose=False, momentum=0.9):
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.momentum = momentum

    def _check_model_params(self) -> None:
        if not (isinstance(self.C, numbers.Real) and not isinstance(self.C, bool)
                and self.C > 0):
            self._fail("C", "a number > 0 (numpy.inf for no penalty)")

    def _l2_coefficient(self, n_batch: int, n_train: int) -> float:
        return 0.0 if np.isinf(self.C) else 1.0 / (self.C * n_train)

    @property
    def coef_(self):
        check_is_fitted(self, "coefs_")
        return self.coefs_[0].T.copy()

    @property
    def intercept_(self):
        check_is_fitted(self, "coefs_")
        return self.intercepts_[0].copy()

    def partial_fit(self, X, y, classes=None):
        """One epoch of training from the current weights; ``classes`` (every label)
        is required on the first call."""
        return self._fit(X, y, incremental=True, classes=classes)


class RidgeRegression(RegressorMixin, RegressorCore, _LinearParams):
    __doc__ = """Ridge regression (least squares with an L2 penalty), trained by reseau's
    engine.

    Minimises scikit-learn's ``Ridge`` objective ``||y - X w - b||^2 + alpha ||w||^2``,
    divided by ``2 n k`` (``k`` targets), i.e.

        (1/2) mean (y - X W - b)^2 + alpha / (2 n k) ||W||^2

    by gradient descent. The solution is the closed form
    ``w = (X^T X + alpha I)^{-1} X^T y`` (on centred data with an intercept) once
    training has converged; standardized features and targets make it converge fast.

    Parameters
    ----------
    alpha : float, default 1.0
        Strength of the penalty (>= 0).
""" + _TRAINING_PARAMETERS + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_features_in_, n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.sklearn import RidgeRegression
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> y = X @ [1.0, -2.0] + 0.5
    >>> reg = RidgeRegression(alpha=0.0, max_iter=500, random_state=0).fit(X, y)
    >>> np.round(reg.coef_, 2), round(float(reg.intercept_), 2)
    (array([ 1., -2.]), 0.5)
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="adam",
                 learning_rate="adaptive", learning_rate_init=0.1, batch_size=None,
                 max_iter=1000, tol=1e-6, n_iter_no_change=10, shuffle=True,
                 early_stopping=False, validation_fraction=0.1, random_state=None,
                 warm_start=False, verbose=False, momentum=0.9):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.momentum = momentum

    def _check_model_params(self) -> None:
        if not (isinstance(self.alpha, numbers.Real) and not isinstance(self.alpha, bool)
                and self.alpha >= 0):
            self._fail("alpha", "a number >= 0")

    def _l2_coefficient(self, n_batch: int, n_train: int) -> float:
        return self.alpha / (n_train * self.n_outputs_)

    @property
    def coef_(self):
        check_is_fitted(self, "coefs_")
        coef = self.coefs_[0].T
        return coef[0].copy() if coef.shape[0] == 1 else coef.copy()

    @property
    def intercept_(self):
        check_is_fitted(self, "coefs_")
        b = self.intercepts_[0]
        return float(b[0]) if b.shape[0] == 1 else b.copy()

    def partial_fit(self, X, y):
        """One epoch of training from the current weights."""
        return self._fit(X, y, incremental=True)
