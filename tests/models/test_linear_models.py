"""Ridge, logistic and softmax regression, linear SVM: objectives and gradients against
the formulas of seeds 000 and 004, finite differences, PyTorch and closed forms."""

import numpy as np
import pytest

import reseau
from reseau.models import (
    LinearSVM, LogisticRegression, Ridge, SoftmaxRegression, multiclass_hinge_loss,
)


def regression_data(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ np.array([1.5, -2.0, 0.5])[:d] + 0.7 + 0.1 * rng.normal(size=n)
    return X, y


def blobs(n_per_class=30, centers=((-2, 0), (2, 0)), seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, 0.6, size=(n_per_class, 2)) for c in centers])
    return X, np.repeat(np.arange(len(centers)), n_per_class)


def grads(model, X, y):
    for p in model.parameters():
        p.grad = None
    loss = model.objective(X, y)
    loss.backward()
    return loss.item(), model.linear.weight.grad._array, model.linear.bias.grad._array


# ------------------------------------------------------------------------ ridge
def test_ridge_gradient_is_seed_000_formula():
    X, y = regression_data()
    rho = 0.3
    model = Ridge(3, weight_decay=rho, dtype="float64")
    _, gw, gb = grads(model, X, y)
    w, b = model.linear.weight._array[0], model.linear.bias._array[0]
    r = X @ w + b - y
    # grad_w F = 2/n sum_i (w.x_i + b - y_i) x_i + rho w ; dF/db = 2/n sum_i (w.x_i + b - y_i)
    np.testing.assert_allclose(gw[0], 2 / len(y) * r @ X + rho * w, atol=1e-12)
    np.testing.assert_allclose(gb[0], 2 / len(y) * r.sum(), atol=1e-12)


def test_ridge_gradient_descent_converges_to_closed_form():
    X, y = regression_data()
    exact = Ridge(3, weight_decay=0.1, dtype="float64").fit_closed_form(X, y)
    reseau.manual_seed(1)
    model = Ridge(3, weight_decay=0.1, dtype="float64")
    history = model.fit(X, y, lr=0.2, epochs=600)
    assert history[-1] < history[0]
    np.testing.assert_allclose(model.linear.weight._array, exact.linear.weight._array, atol=1e-6)
    np.testing.assert_allclose(model.linear.bias._array, exact.linear.bias._array, atol=1e-6)
    # the closed form is a stationary point of F
    _, gw, gb = grads(exact, X, y)
    assert np.abs(gw).max() < 1e-12 and abs(gb[0]) < 1e-12


def test_ridge_closed_form_matches_scikit_learn():
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    X, y = regression_data()
    rho, n = 0.5, len(y)
    ours = Ridge(3, weight_decay=rho, dtype="float64").fit_closed_form(X, y)
    # sklearn minimises ||y - Xw - b||^2 + alpha ||w||^2: n F = that with alpha = n rho / 2
    theirs = sklearn_linear.Ridge(alpha=n * rho / 2).fit(X, y)
    np.testing.assert_allclose(ours.linear.weight._array[0], theirs.coef_, atol=1e-10)
    np.testing.assert_allclose(ours.linear.bias._array[0], theirs.intercept_, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X[:5]), theirs.predict(X[:5]), atol=1e-10)


def test_ridge_errors():
    model = Ridge(3)
    with pytest.raises(ValueError, match=r"Ridge: expected inputs of shape \(n, 3\).*\(4, 2\)"):
        model.objective(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"Ridge: expected 4 targets"):
        model.objective(np.zeros((4, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="weight_decay"):
        Ridge(3, weight_decay=-1)
    with pytest.raises(np.linalg.LinAlgError, match="use weight_decay > 0"):
        Ridge(2).fit_closed_form(np.ones((5, 2)), np.arange(5.0))


# ---------------------------------------------------------- logistic regression
def test_logistic_gradient_is_seed_000_formula():
    X, y = blobs()
    rho = 0.2
    reseau.manual_seed(3)
    model = LogisticRegression(2, weight_decay=rho, dtype="float64")
    loss, gw, gb = grads(model, X, y)
    w, b = model.linear.weight._array[0], model.linear.bias._array[0]
    a = X @ w + b
    s = 1 / (1 + np.exp(-a))
    # F_i = -y_i a_i + log(1 + e^a_i) + rho/2 ||w||^2
    assert loss == pytest.approx(np.mean(-y * a + np.log1p(np.exp(a))) + rho / 2 * w @ w,
                                 abs=1e-12)
    # grad_w F_i = [-y_i (1 - s_i) + (1 - y_i) s_i] x_i + rho w, averaged over i
    coef = -y * (1 - s) + (1 - y) * s
    np.testing.assert_allclose(gw[0], (coef[:, None] * X).mean(axis=0) + rho * w, atol=1e-12)
    np.testing.assert_allclose(gb[0], coef.mean(), atol=1e-12)


def test_logistic_matches_pytorch_and_finite_differences():
    torch = pytest.importorskip("torch")
    X, y = blobs(seed=1)
    model = LogisticRegression(2, weight_decay=0.1, dtype="float64")
    _, gw, gb = grads(model, X, y)
    w = torch.tensor(model.linear.weight._array, requires_grad=True)
    b = torch.tensor(model.linear.bias._array, requires_grad=True)
    z = (torch.tensor(X) @ w.T + b).reshape(-1)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(y * 1.0))
    (loss + 0.05 * (w ** 2).sum()).backward()
    np.testing.assert_allclose(gw, w.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(gb, b.grad.numpy(), atol=1e-12)
    errors = reseau.gradcheck_module(model, None, X, y, verbose=False)
    assert max(errors.values()) < 1e-7


def test_logistic_is_convex_any_start_reaches_the_same_minimum():
    # seed 000, question 3: zero initialisation is fine for logistic regression
    X, y = blobs(seed=2)
    X[:3] *= -1  # a few points on the wrong side: the minimum is finite
    solutions = []
    for start in ("zeros", "random"):
        reseau.manual_seed(4)
        model = LogisticRegression(2, weight_decay=0.1, dtype="float64")
        if start == "zeros":
            model.linear.weight._array[...] = 0
            model.linear.bias._array[...] = 0
        model.fit(X, y, lr=1.0, epochs=400)
        solutions.append(np.r_[model.linear.weight._array[0], model.linear.bias._array])
    np.testing.assert_allclose(solutions[0], solutions[1], atol=1e-6)
    proba = model.predict_proba(X)
    assert proba.shape == (len(y),) and ((proba > 0.5) == model.predict(X)).all()
    assert (model.predict(X) == y).mean() > 0.9


def test_logistic_label_errors():
    model = LogisticRegression(2)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\], got values from 0 to 2"):
        model.objective(np.zeros((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="must be integers"):
        model.objective(np.zeros((2, 2)), np.array([0.5, 1.0]))
    model.linear.bias._array[...] = 0  # logits 0 at x = 0: each example costs log 2
    loss = model.objective(np.zeros((2, 2)), np.array([0.0, 1.0]))  # float 0/1 labels work
    assert loss.item() == pytest.approx(np.log(2), rel=1e-6)


# ---------------------------------------------------------- softmax regression
def test_softmax_gradient_is_yhat_minus_onehot():
    X, y = blobs(centers=((-2, 0), (2, 0), (0, 2)), seed=3)
    rho = 0.05
    model = SoftmaxRegression(2, 3, weight_decay=rho, dtype="float64")
    _, gw, gb = grads(model, X, y)
    W, b = model.linear.weight._array, model.linear.bias._array
    a = X @ W.T + b
    yhat = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    delta = yhat - np.eye(3)[y]  # seed 000, question 5: grad_a = yhat - y
    np.testing.assert_allclose(gw, delta.T @ X / len(y) + rho * W, atol=1e-12)
    np.testing.assert_allclose(gb, delta.mean(axis=0), atol=1e-12)
    assert max(reseau.gradcheck_module(model, None, X, y, verbose=False).values()) < 1e-7


def test_softmax_regression_matches_pytorch():
    torch = pytest.importorskip("torch")
    X, y = blobs(centers=((-2, 0), (2, 0), (0, 2)), seed=7)
    model = SoftmaxRegression(2, 3, weight_decay=0.3, dtype="float64")
    loss, gw, gb = grads(model, X, y)
    W = torch.tensor(model.linear.weight._array, requires_grad=True)
    b = torch.tensor(model.linear.bias._array, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(torch.tensor(X) @ W.T + b, torch.tensor(y))
    ref = ref + 0.15 * (W ** 2).sum()
    ref.backward()
    assert loss == pytest.approx(ref.item(), abs=1e-12)
    np.testing.assert_allclose(gw, W.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(gb, b.grad.numpy(), atol=1e-12)


def test_softmax_regression_learns_three_blobs():
    X, y = blobs(centers=((-2, 0), (2, 0), (0, 2.5)), seed=4)
    reseau.manual_seed(0)
    model = SoftmaxRegression(2, 3)
    history = model.fit(X, y, lr=0.5, epochs=100)
    assert history[-1] < 0.3 * history[0]
    assert (model.predict(X) == y).mean() > 0.95
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        SoftmaxRegression(2, 1)


# ------------------------------------------------------------------ linear SVM
def test_multiclass_hinge_seed_004_example():
    # columns of the slide: (cat, car, frog) scores of three images whose classes are 0, 1, 2
    scores = reseau.tensor([[2.3, 4.1, -2.1], [1.7, 5.4, 2.3], [1.7, 1.4, -1.3]],
                           dtype="float64")
    losses = multiclass_hinge_loss(scores, [0, 1, 2], reduction="none")
    # max(0, 4.1 - 2.3 + 1) + max(0, -2.1 - 2.3 + 1) = 2.8; 0; 4.0 + 3.7 = 7.7
    np.testing.assert_allclose(losses._array, [2.8, 0.0, 7.7], atol=1e-12)
    assert multiclass_hinge_loss(scores, [0, 1, 2]).item() == pytest.approx(3.5)
    assert multiclass_hinge_loss(scores, [0, 1, 2], reduction="sum").item() == pytest.approx(10.5)


def test_multiclass_hinge_matches_pytorch_times_classes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    s, t = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    ours = reseau.tensor(s, requires_grad=True)
    multiclass_hinge_loss(ours, t, margin=0.5).backward()
    theirs = torch.tensor(s, requires_grad=True)
    (4 * torch.nn.functional.multi_margin_loss(theirs, torch.tensor(t), margin=0.5)).backward()
    np.testing.assert_allclose(ours.grad._array, theirs.grad.numpy(), atol=1e-12)


def test_svm_subgradient_formula():
    X, y = blobs(centers=((-1, 0), (1, 0), (0, 1)), seed=5)
    rho = 0.1
    model = LinearSVM(2, 3, weight_decay=rho, dtype="float64")
    _, gw, gb = grads(model, X, y)
    W, b = model.linear.weight._array, model.linear.bias._array
    s = X @ W.T + b
    m = (s - s[np.arange(len(y)), y][:, None] + 1 > 0).astype(float)
    m[np.arange(len(y)), y] = 0
    m[np.arange(len(y)), y] = -m.sum(axis=1)  # the true class: minus the violated count
    np.testing.assert_allclose(gw, m.T @ X / len(y) + rho * W, atol=1e-12)
    np.testing.assert_allclose(gb, m.mean(axis=0), atol=1e-12)
    assert max(reseau.gradcheck_module(model, None, X, y, verbose=False).values()) < 1e-6


def test_svm_training_meets_every_margin_on_separable_data():
    X, y = blobs(centers=((-3, 0), (3, 0), (0, 4)), n_per_class=20, seed=6)
    reseau.manual_seed(0)
    model = LinearSVM(2, 3)
    history = model.fit(X, y, lr=0.1, epochs=200)
    assert history[-1] == 0.0  # the hinge reaches 0 and training stops moving (seed 004)
    assert (model.predict(X) == y).all()
    assert model.decision_function(X).shape == (60, 3)
    with pytest.raises(ValueError, match="margin must be > 0"):
        LinearSVM(2, 3, margin=0)
