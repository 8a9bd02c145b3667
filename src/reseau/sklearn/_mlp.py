"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's multilayer perceptrons, with
the same hyper-parameters and attributes, trained by reseau's engine."""

from __future__ import annotations

import numbers

from sklearn.base import ClassifierMixin, RegressorMixin

from ._base import EngineEstimator
from ._targets import ClassifierCore, RegressorCore

__all__ = ["MLPClassifier", "MLPRegressor"]

_COMMON_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        The number of units of each hidden layer (an int means one layer).
    activation : {'relu', 'tanh', 'logistic', 'identity'}, default 'relu'
        The hidden activation; the output layer has none (raw scores).
    solver : {'adam', 'sgd'}, default 'adam'
        The optimizer: ``reseau.optim.Adam`` or ``reseau.optim.SGD`` (with momentum).
    alpha : float, default 1e-4
        L2 penalty: each batch's loss gets ``alpha / (2 |B|) sum ||W||^2`` added
        (scikit-learn's scaling; biases are not penalised).
    batch_size : int or 'auto', default 'auto'
        Mini-batch size; 'auto' is ``min(200, n_samples)``. Clipped to ``n_samples``.
    learning_rate : {'constant', 'adaptive'}, default 'constant'
        'adaptive' (scikit-learn's schedule, here for both solvers): when the stopping
        criterion below is met, divide the learning rate by 5 and go on, until it falls
        below 1e-6.
    learning_rate_init : float, default 1e-3
        The initial learning rate.
    max_iter : int, default 200
        The maximum number of epochs (passes over the data).
    shuffle : bool, default True
        Shuffle the samples at each epoch.
    random_state : None, int or numpy random generator, default None
        Seeds the initial weights, the shuffling and the validation split. With an int,
        two fits give the same model. None draws from reseau's generator (reseeded by
        ``reseau.manual_seed``), never from NumPy's global state.
    tol : float, default 1e-4
        Training stops when the loss (or the validation score with ``early_stopping``)
        has not improved by ``tol`` for ``n_iter_no_change`` epochs in a row.
    verbose : bool, default False
        Print the loss of each epoch.
    warm_start : bool, default False
        When True, ``fit`` continues from the current weights instead of starting again.
    momentum : float, default 0.9
        Momentum of SGD.
    nesterovs_momentum : bool, default True
        Nesterov's momentum for SGD.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (stratified for a
        classifier), score it after each epoch (accuracy or R^2), stop when the score
        stalls and keep the weights of the best epoch.
    validation_fraction : float, default 0.1
    beta_1, beta_2, epsilon : float, default 0.9, 0.999, 1e-8
        Adam's moment decay rates and denominator term.
    n_iter_no_change : int, default 10

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (fan_in, fan_out): layer ``i`` computes
        ``f(a @ coefs_[i] + intercepts_[i])``.
    intercepts_ : list of ndarray
    n_features_in_ : int
    n_outputs_ : int
    n_layers_ : int
        Layers counting the input and the output.
    n_iter_ : int
        Epochs run (over every ``fit`` of a warm start and every ``partial_fit``).
    t_ : int
        Training samples seen.
    loss_, best_loss_ : float
        Loss of the last epoch, lowest loss (penalty included).
    loss_curve_ : list of float
    validation_scores_, best_validation_score_ : list of float, float or None
        With ``early_stopping`` only.
"""


class _MLPParams(EngineEstimator):
    """The hyper-parameters of scikit-learn's MLPs, and the hooks they fix."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=1e-4, batch_size="auto", learning_rate="constant",
                 learning_rate_init=1e-3, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    def _hidden_sizes(self) -> tuple:
        sizes = self.hidden_layer_sizes
        return (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)

    def _hidden_activation(self) -> str:
        return self.activation

    def _l2_coefficient(self, n_batch: int, n_train: int) -> float:
        return self.alpha / n_batch

    def _check_model_params(self) -> None:
        try:
            sizes = self._hidden_sizes()
        except TypeError:  # neither an int nor an iterable
            sizes = None
        if not (isinstance(sizes, tuple) and all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                for s in sizes)):
            self._fail("hidden_layer_sizes", "a tuple of ints >= 1, e.g. (100,) or (64, 32)")
        self._check_activation()
        if not (isinstance(self.alpha, numbers.Real) and self.alpha >= 0):
            self._fail("alpha", "a number >= 0")

    def fit(self, X, y):
        """Train on ``X`` (n_samples, n_features) and ``y``; returns ``self``.

        Starts from new random weights unless ``warm_start`` is set and the model is
        already fitted. Emits ``ConvergenceWarning`` when ``max_iter`` epochs end before
        the stopping criterion is met, or when the loss diverges.
        """
        return self._fit(X, y, incremental=False)


class MLPClassifier(ClassifierMixin, ClassifierCore, _MLPParams):
    __doc__ = """Multilayer perceptron classifier trained by reseau's engine.

    A drop-in for ``sklearn.neural_network.MLPClassifier`` (solvers 'adam' and 'sgd'
    with a constant learning rate): the network
    ``[n_features, *hidden_layer_sizes, n_outputs]`` of ``reseau.nn.Linear`` layers
    minimises the cross-entropy of the softmax of its scores (of the sigmoid with two
    classes, one output), plus the L2 penalty, by mini-batch gradient descent.
    """ + _COMMON_PARAMETERS + """    classes_ : ndarray
        The sorted labels.

    Examples
    --------
    >>> from reseau.data import circles
    >>> from reseau.sklearn import MLPClassifier
    >>> X, y = circles(200, noise=0.05, seed=0, as_tensor=False)
    >>> clf = MLPClassifier((16,), activation="tanh", learning_rate_init=0.05,
    ...                     max_iter=300, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    def partial_fit(self, X, y, classes=None):
        """One epoch of training on ``X, y`` from the current weights (and the
        optimizer's state), e.g. on data that arrives in chunks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, required on the first call
            Every label the targets may hold, since a chunk may miss some.
        """
        return self._fit(X, y, incremental=True, classes=classes)


class MLPRegressor(RegressorMixin, RegressorCore, _MLPParams):
    __doc__ = """Multilayer perceptron regressor trained by reseau's engine.

    A drop-in for ``sklearn.neural_network.MLPRegressor`` (solvers 'adam' and 'sgd'):
    the network ``[n_features, *hidden_layer_sizes, n_outputs]`` minimises half the
    mean squared error ``(1/2) mean (y - f(x))^2`` plus the L2 penalty. ``y`` may have
    several columns (one output each).
    """ + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from reseau.sklearn import MLPRegressor
    >>> X = np.linspace(-1, 1, 200)[:, None]
    >>> reg = MLPRegressor((32,), activation="tanh", learning_rate_init=0.01,
    ...                    batch_size=10, max_iter=500, random_state=0).fit(X, X[:, 0] ** 2)
    >>> reg.score(X, X[:, 0] ** 2) > 0.9
    True
    """

    def partial_fit(self, X, y):
        """One epoch of training on ``X, y`` from the current weights (and the
        optimizer's state)."""
        return self._fit(X, y, incremental=True)
