"""The training loop shared by every estimator of :mod:`reseau.sklearn`.

An estimator is a network ``[n_features, *hidden, n_outputs]`` of ``Linear`` layers
(no hidden layer for the linear models) trained by reseau's engine with Adam or SGD on
mini-batches, minimising, for each batch ``B``,

    J_B(W) = (1/|B|) sum_{i in B} loss(f(x_i), y_i) + (c_B / 2) sum_l ||W_l||^2

(biases are not penalised). The data loss and ``c_B`` come from the subclasses: the
MLPs use scikit-learn's ``c_B = alpha / |B|``; the linear models use ``1 / (C n)``
(logistic) or ``alpha / (n k)`` (ridge, ``k`` targets), so that ``J_B`` is, on average
over the batches, the textbook objective divided by a constant.

One iteration (``n_iter_``) is one pass over the training data (an epoch), as in
scikit-learn's MLP. Training stops after ``max_iter`` epochs, or earlier when the
training loss (or, with ``early_stopping``, the validation score) has not improved by
``tol`` for more than ``n_iter_no_change`` epochs in a row. With
``learning_rate='adaptive'`` that event instead sends the weights back to the best
epoch and divides the learning rate by 5 (a fresh optimizer), until it would fall
below 1e-6: Adam's momentum overshoots near an optimum, and restarting from the best
point with a smaller step is what lets gradient descent reach the optimum of the
convex linear models to 1e-3.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ..autograd import enable_grad
from ..creation import from_numpy
from ..data import DataLoader, TensorDataset
from ..data._random import check_generator
from ..nn import l2_penalty
from ..registry import OPTIMIZERS
from ..tensor import Tensor
from ..train import Callback, fit
from ..train.callbacks import weights_copy
from ._network import ACTIVATIONS, DTYPE, build_network, forward, init_weights, read_network

__all__ = ["EngineEstimator"]

_SOLVERS = ("adam", "sgd")
_SCHEDULES = ("constant", "adaptive")
_MIN_LR = 1e-6  # the 'adaptive' schedule stops once the learning rate falls below this


def _plain(state: dict) -> dict:
    """An optimizer state dict with every tensor replaced by a NumPy array, so that a
    fitted estimator holds no live object of the engine."""
    return {
        "state": {i: {k: (v._array.copy() if isinstance(v, Tensor) else v) for k, v in s.items()}
                  for i, s in state["state"].items()},
        "param_groups": state["param_groups"],
    }


class EngineEstimator(BaseEstimator):
    """Base class: the fit loop, ``partial_fit``'s bookkeeping and the checks of the
    hyper-parameters common to every estimator. Subclasses define the network shape,
    the penalty and the target handling (see the ``_`` hooks below)."""

    # -- hooks for the subclasses ------------------------------------------------
    _zero_init = False  # start from zero weights (convex models) instead of Glorot
    _is_classifier = False

    def _hidden_sizes(self) -> tuple:
        return ()

    def _hidden_activation(self) -> str:
        return "identity"

    def _has_bias(self) -> bool:
        return True

    def _l2_coefficient(self, n_batch: int, n_train: int) -> float:
        """``c_B`` of the module docstring's objective."""
        raise NotImplementedError

    def _check_model_params(self) -> None:
        """Check the subclass's own hyper-parameters (``alpha``, ``C``...)."""

    # The target hooks (_validate_targets, _encode_targets, _data_loss, _target_tensor,
    # _score_output) are defined by ClassifierCore and RegressorCore.

    # -- hyper-parameters -------------------------------------------------------
    def _fail(self, name: str, expected: str) -> None:
        raise ValueError(
            f"{type(self).__name__}: {name} must be {expected}, got "
            f"{getattr(self, name)!r}; set it with the constructor or set_params({name}=...)"
        )

    def _check_params(self) -> None:
        def number(v):
            return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)

        def integer(v):
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        if self.solver not in _SOLVERS:
            self._fail("solver", "'adam' or 'sgd' (L-BFGS is not implemented in reseau)")
        if self.learning_rate not in _SCHEDULES:
            self._fail("learning_rate", "'constant' or 'adaptive' (divide by 5 when the loss "
                       "stalls)")
        if not (number(self.learning_rate_init) and self.learning_rate_init > 0):
            self._fail("learning_rate_init", "a number > 0")
        if not (integer(self.max_iter) and self.max_iter >= 1):
            self._fail("max_iter", "an int >= 1 (a number of epochs)")
        if not (self.batch_size in ("auto", None)
                or (integer(self.batch_size) and self.batch_size >= 1)):
            self._fail("batch_size", "'auto' (min(200, n_samples)), None (all the samples) "
                       "or an int >= 1")
        if not (number(self.tol) and self.tol >= 0):
            self._fail("tol", "a number >= 0")
        if not (integer(self.n_iter_no_change) and self.n_iter_no_change >= 1):
            self._fail("n_iter_no_change", "an int >= 1")
        if not (number(self.validation_fraction) and 0 < self.validation_fraction < 1):
            self._fail("validation_fraction", "a number in (0, 1)")
        if not (number(self.momentum) and 0 <= self.momentum <= 1):
            self._fail("momentum", "a number in [0, 1]")
        for name in ("beta_1", "beta_2"):
            if not (number(getattr(self, name)) and 0 <= getattr(self, name) < 1):
                self._fail(name, "a number in [0, 1)")
        if not (number(self.epsilon) and self.epsilon > 0):
            self._fail("epsilon", "a number > 0")
        self._check_model_params()

    # -- the fit loop -------------------------------------------------------------
    def _make_optimizer(self, net, lr: float):
        if self.solver == "adam":
            options = dict(betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        else:
            options = dict(momentum=self.momentum,
                           nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)
        # scikit-learn's solver names are reseau's optimizer names
        return OPTIMIZERS.get(self.solver)(list(net.parameters()), lr=lr, **options)

    def _batch_size(self, n: int) -> int:
        if self.batch_size is None:
            return n
        # larger than the data set: one batch of everything (scikit-learn clips too)
        return min(200, n) if self.batch_size == "auto" else min(self.batch_size, n)

    def _start(self, n_features: int, n_outputs: int) -> np.random.Generator:
        """Fresh weights and bookkeeping, for a first fit."""
        rng = check_generator(self.random_state, type(self).__name__, own=True,
                              name="random_state")
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        self.coefs_, self.intercepts_ = init_weights(
            sizes, self._hidden_activation(), rng, zeros=self._zero_init)
        if not self._has_bias():
            self.intercepts_ = [np.zeros_like(b) for b in self.intercepts_]
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(sizes)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self._optimizer_state = None
        return rng

    def _fit(self, X, y, incremental: bool, classes=None):
        self._check_params()
        first = not hasattr(self, "coefs_") or not (incremental or self.warm_start)
        X, y = validate_data(self, X, y, reset=first, dtype=DTYPE,
                             **self._validate_targets())
        Y = self._encode_targets(y, first, incremental, classes)
        n_outputs = self._n_outputs(Y)
        if first:
            rng = self._start(X.shape[1], n_outputs)
        else:
            if n_outputs != self.n_outputs_:
                raise ValueError(
                    f"{type(self).__name__}: y has {n_outputs} outputs but the model was "
                    f"fitted with {self.n_outputs_}; to train on new targets from scratch, "
                    "set warm_start=False and call fit"
                )
            rng = self._rng
        early = bool(self.early_stopping) and not incremental
        val = None
        if early:
            if self.validation_scores_ is None:  # early stopping switched on for a warm start
                self.validation_scores_, self.best_validation_score_ = [], -np.inf
            X, Y, *val = self._validation_split(X, Y, rng)
        net = build_network(self.coefs_, self.intercepts_, self._hidden_activation(),
                            bias=self._has_bias())
        optimizer = self._make_optimizer(net, self.learning_rate_init)
        if incremental and self._optimizer_state is not None:
            optimizer.load_state_dict(self._optimizer_state)
        optimizer = self._train(net, optimizer, X, Y, val, rng, stopping=not incremental)
        self.coefs_, self.intercepts_ = read_network(net, self.n_layers_ - 1)
        self._optimizer_state = _plain(optimizer.state_dict())
        self._rng = rng
        return self

    def _train(self, net, optimizer, X, Y, val, rng, stopping: bool):
        """Train ``net`` with ``reseau.train.fit`` on shuffled mini-batches of ``(X, Y)``
        (one epoch without ``stopping``: ``partial_fit``); returns the last optimizer.

        Each batch ``B`` minimises the module docstring's ``J_B``; :class:`_Epochs`
        keeps the estimator's bookkeeping and applies its stopping rule.
        """
        n = len(X)
        weights = [p for p in net.parameters() if p.ndim == 2]

        def objective(x, y):
            loss = self._data_loss(net(x), y)
            c = self._l2_coefficient(len(x), n)
            return loss + (0.5 * c) * l2_penalty(weights) if c > 0 else loss

        loader = DataLoader(TensorDataset(from_numpy(X), self._target_tensor(Y)),
                            batch_size=self._batch_size(n), shuffle=bool(self.shuffle),
                            generator=rng)
        epochs = _Epochs(self, val, stopping, n)
        # overflows are not errors here: fit detects a non-finite loss and stops
        with enable_grad(), np.errstate(over="ignore", invalid="ignore"):
            history = fit(net, None, optimizer, loader, callbacks=[epochs],
                          epochs=int(self.max_iter) if stopping else 1, metrics=(),
                          eval_train=False, log_every=None, progress=False,
                          divergence_threshold=None, objective=objective)
        if history.stop_reason == "interrupted":
            raise KeyboardInterrupt  # fit kept the last good weights; the estimator keeps none
        return epochs.optimizer

    def _validation_split(self, X, Y, rng):
        """Hold out ``validation_fraction`` of the samples (stratified for classifiers)."""
        from sklearn.model_selection import train_test_split

        labels = self._stratify_labels(Y)
        try:
            tr, val = train_test_split(np.arange(len(X)), test_size=self.validation_fraction,
                                       random_state=int(rng.integers(2**31)), stratify=labels)
        except ValueError as err:
            raise ValueError(
                f"{type(self).__name__}: cannot hold out validation_fraction="
                f"{self.validation_fraction} of {len(X)} samples for early stopping ({err}); "
                "use more data, a larger validation_fraction, or early_stopping=False"
            ) from None
        return X[tr], Y[tr], X[val], Y[val]

    # -- prediction -------------------------------------------------------------------
    def _output(self, X) -> np.ndarray:
        """The raw scores of the network's last layer on ``X``, shape (n, n_outputs_)."""
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=DTYPE)
        net = build_network(self.coefs_, self.intercepts_, self._hidden_activation(),
                            bias=self._has_bias())
        return forward(net, X)

    def to_module(self):
        """The fitted network as a reseau ``nn.Sequential`` of ``Linear`` layers and
        activations, outputting the raw scores (logits for the classifiers), e.g. to
        save it with ``reseau.io.save`` or to keep training it with ``reseau.train.fit``.
        """
        from ..nn import Sequential

        check_is_fitted(self, "coefs_")
        # a plain Sequential of the MLP's layers: what this method has always returned
        return Sequential(*build_network(self.coefs_, self.intercepts_,
                                         self._hidden_activation(), bias=self._has_bias()))

    def _check_activation(self) -> None:
        if self.activation not in ACTIVATIONS:
            self._fail("activation", f"one of {', '.join(map(repr, ACTIVATIONS))}")


class _Epochs(Callback):
    """What an estimator does after each epoch of ``fit``: its bookkeeping (``n_iter_``,
    ``loss_curve_``...), the validation score, and, with ``stopping``, its stopping rule.

    The rule counts the epochs that fail to improve the best training loss (the
    best validation score with early stopping) by ``tol``; after more than
    ``n_iter_no_change`` of them in a row, training stops, or, with
    ``learning_rate='adaptive'``, goes back to the best weights and restarts the
    optimizer with a learning rate 5 times smaller (until it is below 1e-6). At the end
    the weights of the best epoch are kept (with early stopping or 'adaptive').
    """

    def __init__(self, estimator: EngineEstimator, val, stopping: bool, n_samples: int) -> None:
        self.est, self.val, self.stopping, self.n_samples = estimator, val, stopping, n_samples
        self.optimizer = None

    def on_train_begin(self, state) -> None:
        self.optimizer = state.optimizer
        self.best_score, self.best_state = -np.inf, state.start_weights
        self.no_improvement, self.lr = 0, self.est.learning_rate_init

    def on_epoch_end(self, state, logs) -> None:
        est, net = self.est, state.model
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_ = logs["loss"]
        est.loss_curve_.append(est.loss_)
        est.best_loss_ = min(est.best_loss_, est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if not self.stopping:
            return
        if self.val is not None:
            score = est._score_output(forward(net, self.val[0]), self.val[1])
            est.validation_scores_.append(score)
            est.best_validation_score_ = max(est.best_validation_score_, score)
            if est.verbose:
                print(f"Validation score: {score:.6f}")
        else:
            score = -est.loss_
        self.no_improvement = self.no_improvement + 1 if score < self.best_score + est.tol else 0
        if score > self.best_score:
            self.best_score = score
            # without validation, the epoch's loss was measured (mostly) on the weights it
            # started from, which fit keeps in state.start_weights
            self.best_state = (weights_copy(net) if self.val is not None
                               else state.start_weights)
        if self.no_improvement > est.n_iter_no_change:
            if est.learning_rate == "adaptive" and self.lr / 5 >= _MIN_LR:
                self.lr /= 5
                net.load_state_dict(self.best_state)
                state.optimizer = self.optimizer = est._make_optimizer(net, self.lr)
                self.no_improvement = 0
                if est.verbose:
                    print(f"Back to the best weights; learning rate set to {self.lr:.6g}")
            else:
                if est.verbose:
                    what = "Validation score" if self.val is not None else "Training loss"
                    print(f"{what} did not improve more than tol={est.tol} for "
                          f"{est.n_iter_no_change} consecutive epochs. Stopping.")
                state.stop("early_stopping", "")

    def on_train_end(self, state) -> None:
        est, name = self.est, type(self.est).__name__
        if state.stop_reason == "diverged":
            warnings.warn(
                f"{name}: training diverged (the loss became non-finite in epoch "
                f"{est.n_iter_ + 1}); the weights of the previous epoch are kept. Lower "
                f"learning_rate_init (it is {est.learning_rate_init:g}) or standardize the "
                "inputs.", ConvergenceWarning, stacklevel=2)
        elif self.stopping and state.stop_reason == "completed":
            warnings.warn(
                f"{name}: maximum iterations ({est.max_iter}) reached and the optimization "
                "hasn't converged yet; raise max_iter or learning_rate_init.",
                ConvergenceWarning, stacklevel=2)
        if self.stopping and (self.val is not None or est.learning_rate == "adaptive"):
            state.model.load_state_dict(self.best_state)  # the weights of the best epoch
