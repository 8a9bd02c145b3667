"""reseau.sklearn: scikit-learn's own estimator checks, agreement with scikit-learn's
models, and the guarantees of the module docstring (plain arrays, reproducibility,
batch-independent predictions, partial_fit, warm_start, early stopping).

scikit-learn's checks: all pass, for the four estimators. parametrize_with_checks
skips, by itself, check_classifier_data_not_an_array / check_regressor_data_not_an_array
(pandas input) when pandas is not installed, and check_array_api_input unless
SCIPY_ARRAY_API=1 is set (it passes then); none is skipped or marked as an expected
failure here.
"""

import copy
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import reseau  # noqa: E402
from reseau import nn  # noqa: E402
from reseau.backend import default_generator  # noqa: E402
from reseau.data import blobs, circles  # noqa: E402
from reseau.sklearn import (  # noqa: E402
    LogisticRegression,
    MLPClassifier,
    MLPRegressor,
    RidgeRegression,
)
from reseau.tensor import Tensor  # noqa: E402


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Small matrix products are much slower with several BLAS threads on a busy machine.
    with threadpool_limits(1):
        yield


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def two_class():
    X, y = circles(200, noise=0.05, seed=0, as_tensor=False)
    return X.astype(np.float64), y


@pytest.fixture(scope="module")
def three_class():
    X, y = blobs(150, seed=1, as_tensor=False)
    return StandardScaler().fit_transform(X), y


# ------------------------------------------------------------- scikit-learn's checks
@parametrize_with_checks([
    MLPClassifier((8,), max_iter=100, learning_rate_init=0.01, random_state=0),
    MLPRegressor((8,), max_iter=100, learning_rate_init=0.01, random_state=0),
    LogisticRegression(max_iter=200, random_state=0),
    RidgeRegression(max_iter=200, random_state=0),
])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ------------------------------------------------------------- against scikit-learn
def test_mlp_classifier_on_digits_matches_sklearn_within_one_point():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16.0, y, test_size=0.25, stratify=y,
                                              random_state=0)
    ours, theirs = [], []
    for seed in range(3):  # the mean over three initialisations, to average out the noise
        settings = dict(hidden_layer_sizes=(64,), max_iter=200, random_state=seed)
        ours.append(_quiet(MLPClassifier(**settings).fit, X_tr, y_tr).score(X_te, y_te))
        theirs.append(_quiet(SkMLPClassifier(**settings).fit, X_tr, y_tr).score(X_te, y_te))
    assert np.mean(theirs) > 0.95
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.01, (ours, theirs)


def test_logistic_regression_reaches_sklearn_optimum():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ref = SkLogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    model = LogisticRegression(C=1.0, random_state=0).fit(X, y)
    assert model.coef_.shape == (3, 4) and model.intercept_.shape == (3,)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=5e-3)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=2e-3)


def test_binary_logistic_regression_matches_sklearn():
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = blobs(200, seed=3, centers=2, noise=2.0, as_tensor=False)
    ref = SkLogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    model = LogisticRegression(C=0.5, random_state=0).fit(X, y)
    assert model.coef_.shape == (1, 2)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=2e-3)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=2e-3)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_ridge_matches_closed_form(fit_intercept, n_targets):
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    W = rng.normal(size=(3, n_targets))
    y = X @ W + 0.3 + 0.1 * rng.normal(size=(120, n_targets))
    y = y[:, 0] if n_targets == 1 else y
    ref = Ridge(alpha=5.0, fit_intercept=fit_intercept).fit(X, y)
    model = RidgeRegression(alpha=5.0, fit_intercept=fit_intercept, random_state=0).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-3)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=1e-3)
    assert model.predict(X).shape == y.shape


# ------------------------------------------------------------- the guarantees
def _live_objects(value, seen=None):
    """Tensors and Modules reachable from ``value`` through dicts, lists and tuples."""
    if isinstance(value, (Tensor, nn.Module)):
        return [value]
    if isinstance(value, dict):
        return [o for v in value.values() for o in _live_objects(v)]
    if isinstance(value, (list, tuple)):
        return [o for v in value for o in _live_objects(v)]
    return []


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier((6,), max_iter=30, random_state=0),
    lambda: LogisticRegression(max_iter=30, random_state=0),
])
def test_fitted_estimator_holds_plain_arrays_and_pickles(make, three_class):
    X, y = three_class
    model = _quiet(make().fit, X, y)
    assert _live_objects(vars(model)) == []
    assert all(isinstance(c, np.ndarray) for c in model.coefs_ + model.intercepts_)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))
        # the copy carries the optimizer's state and generator: one more epoch agrees
        a = _quiet(copy.deepcopy(model).partial_fit, X, y)
        b = _quiet(twin.partial_fit, X, y)
        np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


def test_same_random_state_same_model(two_class):
    X, y = two_class
    est = MLPClassifier((5,), max_iter=20, random_state=7)
    a = _quiet(clone(est).fit, X, y)
    b = _quiet(clone(est).fit, X, y)
    c = _quiet(clone(est).set_params(random_state=8).fit, X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    # fitting again the same object starts again from scratch
    np.testing.assert_array_equal(_quiet(a.fit, X, y).coefs_[0], b.coefs_[0])


def test_random_state_none_follows_manual_seed_not_numpy(two_class):
    X, y = two_class
    numpy_state = np.random.get_state()[1].copy()
    reseau.manual_seed(11)
    a = _quiet(MLPClassifier((4,), max_iter=5).fit, X, y)
    reseau.manual_seed(11)
    b = _quiet(MLPClassifier((4,), max_iter=5).fit, X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)


def test_predictions_do_not_depend_on_batch_or_order(three_class):
    X, y = three_class
    model = _quiet(MLPClassifier((10, 7), activation="tanh", max_iter=40,
                                 random_state=0).fit, X, y)
    full = model.predict_proba(X)
    chunks = np.vstack([model.predict_proba(X[i:i + 7]) for i in range(0, len(X), 7)])
    perm = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(chunks, full, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X[perm]), full[perm], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.predict(X[:1]), model.predict(X)[:1])


def test_prediction_leaves_reseau_generator_alone(two_class):
    X, y = two_class
    model = _quiet(MLPClassifier((4,), max_iter=3, random_state=0).fit, X, y)
    state = np.array(default_generator().get_state())
    model.predict(X)
    model.to_module()
    np.testing.assert_array_equal(np.array(default_generator().get_state()), state)


def test_probabilities_scores_and_module_agree(two_class, three_class):
    for X, y in (two_class, three_class):
        model = _quiet(MLPClassifier((6,), max_iter=30, random_state=0).fit, X, y)
        proba, scores = model.predict_proba(X), model.decision_function(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
        np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, atol=1e-12)
        np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))
        if len(model.classes_) == 2:
            assert scores.shape == (len(X),)
            np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)), atol=1e-12)
        else:
            assert scores.shape == (len(X), 3)
        net = model.to_module()
        with reseau.no_grad():
            out = net(reseau.tensor(X, dtype=np.float64)).numpy()
        np.testing.assert_allclose(out.reshape(scores.shape), scores, atol=1e-12)


def test_string_labels(two_class):
    X, y = two_class
    labels = np.array(["disc", "ring"])[y]
    model = _quiet(MLPClassifier((8,), learning_rate_init=0.05, max_iter=100,
                                 random_state=0).fit, X, labels)
    assert model.classes_.tolist() == ["disc", "ring"]
    assert set(model.predict(X)) <= {"disc", "ring"}
    assert model.score(X, labels) > 0.9


def test_partial_fit_is_fit_one_epoch_at_a_time(three_class):
    X, y = three_class
    settings = dict(hidden_layer_sizes=(5,), batch_size=32, random_state=3,
                    n_iter_no_change=100)
    fitted = _quiet(MLPClassifier(max_iter=4, **settings).fit, X, y)
    model = MLPClassifier(**settings)
    for _ in range(4):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert model.n_iter_ == 4 and model.t_ == 4 * len(X)
    for a, b in zip(model.coefs_ + model.intercepts_, fitted.coefs_ + fitted.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert model.loss_curve_ == pytest.approx(fitted.loss_curve_, abs=1e-12)


def test_partial_fit_errors(three_class):
    X, y = three_class
    with pytest.raises(ValueError, match="classes must be given on the first call"):
        MLPClassifier().partial_fit(X, y)
    model = MLPClassifier((3,)).partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert model.classes_.tolist() == [0, 1, 2] and model.n_outputs_ == 3
    with pytest.raises(ValueError, match=r"label\(s\) \[7\]"):
        model.partial_fit(X[:3], np.array([0, 7, 1]))
    with pytest.raises(ValueError, match="differs from the classes of the first call"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="X has 1 features, but MLPClassifier is expecting 2"):
        model.partial_fit(X[:, :1], y)


def test_warm_start_continues_training(two_class):
    X, y = two_class
    settings = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    model = _quiet(MLPClassifier(warm_start=True, **settings).fit, X, y)
    first = [c.copy() for c in model.coefs_]
    _quiet(model.fit, X, y)
    assert model.n_iter_ == 10 and len(model.loss_curve_) == 10
    assert model.loss_curve_[5] < model.loss_curve_[0]
    assert not np.array_equal(model.coefs_[0], first[0])
    cold = _quiet(MLPClassifier(**settings).fit, X, y)
    np.testing.assert_array_equal(cold.coefs_[0], first[0])  # the same first 5 epochs


def test_early_stopping_keeps_the_best_epoch(three_class):
    X, y = three_class
    model = _quiet(MLPClassifier((8,), early_stopping=True, validation_fraction=0.2,
                                 n_iter_no_change=3, learning_rate_init=0.05,
                                 max_iter=300, random_state=0).fit, X, y)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ < 300
    # validation_fraction=0.2 of 150 samples held out: each epoch trains on 120
    assert model.t_ == 120 * model.n_iter_
    assert model.best_validation_score_ == max(scores) > 0.9
    assert model.score(X, y) > 0.9


def test_mlp_regressor_multi_output():
    X = np.linspace(-1, 1, 200)[:, None]
    Y = np.hstack([X ** 2, np.sin(3 * X)])
    model = _quiet(MLPRegressor((32,), activation="tanh", learning_rate_init=0.01,
                                batch_size=16, max_iter=300, random_state=0).fit, X, Y)
    assert model.predict(X).shape == (200, 2) and model.n_outputs_ == 2
    assert model.score(X, Y) > 0.95


def test_in_pipeline_grid_search_and_cross_validation(two_class):
    X, y = two_class
    pipe = make_pipeline(StandardScaler(), MLPClassifier(activation="tanh", max_iter=150,
                                                         learning_rate_init=0.05,
                                                         random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(1,), (8,)]}, cv=3)
    _quiet(search.fit, X, y)
    # one tanh unit draws a straight line: it cannot separate a disc from a ring
    assert search.best_params_ == {"mlpclassifier__hidden_layer_sizes": (8,)}
    means = search.cv_results_["mean_test_score"]
    assert means[1] > 0.95 and means[0] < 0.8
    scores = _quiet(cross_val_score, LogisticRegression(random_state=0), *blobs(
        150, seed=2, as_tensor=False), cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


def test_divergence_keeps_finite_weights(two_class):
    X, y = two_class
    model = MLPRegressor((8,), solver="sgd", learning_rate_init=1e3, max_iter=50,
                         random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.fit(X * 100, y * 100.0)
    assert all(np.isfinite(c).all() for c in model.coefs_)
    assert np.isfinite(model.predict(X)).all()


def test_adaptive_learning_rate_divides_by_five_and_gets_closer(capsys):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    optimum = SkLogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y).coef_
    adaptive = LogisticRegression(random_state=0, verbose=True).fit(X, y)
    rates = [float(r) for r in re.findall(r"learning rate set to ([\d.e-]+)",
                                          capsys.readouterr().out)]
    # 0.1 / 5, 0.1 / 25, ... down to the last rate that is still >= 1e-6
    assert rates == pytest.approx([0.1 / 5 ** k for k in range(1, 8)], rel=1e-5)
    assert adaptive.n_iter_ < adaptive.max_iter  # it converged, without a warning
    # the same number of epochs at the constant rate 0.1 stays ten times farther away
    constant = _quiet(LogisticRegression(learning_rate="constant", max_iter=adaptive.n_iter_,
                                         tol=0.0, n_iter_no_change=10_000,
                                         random_state=0).fit, X, y)
    adaptive_error = np.abs(adaptive.coef_ - optimum).max()
    assert adaptive_error < 1e-3 and np.abs(constant.coef_ - optimum).max() > 5 * adaptive_error


@pytest.mark.parametrize("param, value, expected", [
    ("solver", "lbfgs", "solver must be 'adam' or 'sgd'"),
    ("learning_rate_init", 0.0, "learning_rate_init must be a number > 0, got 0.0"),
    ("batch_size", 0, "batch_size must be 'auto'"),
    ("hidden_layer_sizes", (4, 0), r"hidden_layer_sizes must be a tuple of ints >= 1"),
    ("activation", "softmax", "activation must be one of 'identity', 'logistic'"),
    ("validation_fraction", 1.0, r"validation_fraction must be a number in \(0, 1\)"),
    ("learning_rate", "invscaling", "learning_rate must be 'constant' or 'adaptive'"),
])
def test_bad_hyper_parameters_are_named(param, value, expected, two_class):
    X, y = two_class
    model = MLPClassifier().set_params(**{param: value})  # no check before fit
    with pytest.raises(ValueError, match=expected) as info:
        model.fit(X, y)
    assert "set_params(" in str(info.value)


def test_bad_linear_hyper_parameters(two_class):
    X, y = two_class
    with pytest.raises(ValueError, match=r"C must be a number > 0 \(numpy.inf"):
        LogisticRegression(C=0).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be a number >= 0, got -1"):
        RidgeRegression(alpha=-1).fit(X, y)


# ------------------------------------------------------------- the user guide
_NUMBER = re.compile(r"-?\d+\.?\d*")


def _same_up_to_rounding(shown: str, printed: str, tol: float = 0.03) -> bool:
    """Equal text, and numbers within ``tol`` (another BLAS may change a last digit
    of an accuracy)."""
    if _NUMBER.split(shown) != _NUMBER.split(printed):
        return False
    pairs = zip(_NUMBER.findall(shown), _NUMBER.findall(printed))
    return all(abs(float(a) - float(b)) <= tol for a, b in pairs)


def test_user_guide_examples_print_what_it_shows(capsys):
    text = (Path(__file__).resolve().parents[1] / "docs" / "sklearn.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    shown = "".join(re.findall(r"```text\n(.*?)```", text, re.S))
    assert len(blocks) == 5
    namespace: dict = {}
    with warnings.catch_warnings():
        for i, code in enumerate(blocks):  # in order, sharing one namespace like a session
            exec(compile(code, f"docs/sklearn.md, block {i}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert _same_up_to_rounding(shown, printed), printed


@pytest.mark.parametrize("module", ["reseau.sklearn._mlp", "reseau.sklearn._linear"])
def test_docstring_examples(module):
    import doctest
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
