"""ManualMLP: hand-written backprop (seeds 002/003) against the engine's autograd, finite
differences and PyTorch, all in float64."""

import numpy as np
import pytest

import reseau
from reseau.gradcheck import central_difference
from reseau.models import ManualMLP
from reseau.ops.nn import cross_entropy

ACTIVATIONS = ["tanh", "relu", "sigmoid"]
ELASTIC = dict(l1_hidden=0.01, l2_hidden=0.02, l1_output=0.03, l2_output=0.04)


def make_problem(activation, seed=0, n=7, d=4, h=5, m=3, **penalties):
    rng = np.random.default_rng(seed)
    net = ManualMLP(d, h, m, activation=activation, generator=rng, **penalties)
    x = rng.normal(size=(n, d))
    y = rng.integers(0, m, size=n)
    return net, x, y


def autograd_objective(net, x, y):
    """The same objective written with reseau's primitives; returns (loss, tensors)."""
    t = {k: reseau.tensor(v, requires_grad=True) for k, v in net.parameters().items()}
    t["x"] = reseau.tensor(x, requires_grad=True)
    act = {"tanh": reseau.tanh, "relu": reseau.relu, "sigmoid": reseau.sigmoid}[net.activation]
    hs = act(t["x"] @ t["W1"].T + t["b1"])
    oa = hs @ t["W2"].T + t["b2"]
    loss = cross_entropy(oa, reseau.tensor(y))
    loss = loss + net.l1_hidden * t["W1"].abs().sum() + net.l2_hidden * (t["W1"] * t["W1"]).sum()
    loss = loss + net.l1_output * t["W2"].abs().sum() + net.l2_output * (t["W2"] * t["W2"]).sum()
    return loss, t


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("penalties", [{}, ELASTIC], ids=["plain", "elastic_net"])
def test_gradients_equal_autograd(activation, penalties):
    net, x, y = make_problem(activation, **penalties)
    manual_loss = net.loss(x, y)
    grads = net.backward(y)
    loss, t = autograd_objective(net, x, y)
    loss.backward()
    assert loss.dtype == np.float64
    assert manual_loss == pytest.approx(loss.item(), abs=1e-12)
    for name in ("W1", "b1", "W2", "b2", "x"):
        assert grads[name].shape == t[name].shape
        np.testing.assert_allclose(grads[name], t[name].grad._array, rtol=0, atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_equal_finite_differences(activation):
    net, x, y = make_problem(activation, seed=1, **ELASTIC)
    net.loss(x, y)
    grads = net.backward(y)
    for name, array in list(net.parameters().items()) + [("x", x)]:
        numeric = central_difference(lambda: net.loss(x, y), array, 1e-6).reshape(array.shape)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_equal_pytorch(activation):
    torch = pytest.importorskip("torch")
    net, x, y = make_problem(activation, seed=2, **ELASTIC)
    net.loss(x, y)
    grads = net.backward(y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in net.parameters().items()}
    tx = torch.tensor(x, requires_grad=True)
    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
    oa = act(tx @ t["W1"].T + t["b1"]) @ t["W2"].T + t["b2"]
    loss = torch.nn.functional.cross_entropy(oa, torch.tensor(y))
    loss = (loss + ELASTIC["l1_hidden"] * t["W1"].abs().sum()
            + ELASTIC["l2_hidden"] * (t["W1"] ** 2).sum()
            + ELASTIC["l1_output"] * t["W2"].abs().sum()
            + ELASTIC["l2_output"] * (t["W2"] ** 2).sum())
    loss.backward()
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(grads[name], t[name].grad.numpy(), atol=1e-12, err_msg=name)
    np.testing.assert_allclose(grads["x"], tx.grad.numpy(), atol=1e-12)


def test_output_gradient_is_softmax_minus_onehot():
    # seed 002, question 7: dL/doa = os - onehot(y), for one example (n = 1)
    net, x, y = make_problem("tanh", n=1)
    os = net.forward(x)
    net.backward(y)
    onehot = np.eye(net.out_features)[y]
    hs = np.tanh(x @ net.W1.T + net.b1)
    # grad_b2 = grad_oa, and grad_W2 = grad_oa hs^T
    np.testing.assert_allclose(net.backward(y)["b2"], (os - onehot)[0], atol=1e-15)
    np.testing.assert_allclose(net.backward(y)["W2"], (os - onehot).T @ hs, atol=1e-15)
    np.testing.assert_allclose(os.sum(axis=1), 1.0)


def test_fit_separates_two_blobs():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1.5, 0.5, size=(50, 2)), rng.normal(1.5, 0.5, size=(50, 2))])
    y = np.repeat([0, 1], 50)
    net = ManualMLP(2, 8, 2, activation="relu", generator=np.random.default_rng(1))
    history = net.fit(x, y, lr=0.5, epochs=50, batch_size=20, generator=rng)
    assert len(history) == 50 * 5
    assert history[-1] < 0.1 < history[0]
    assert (net.predict(x) == y).mean() >= 0.98


def test_single_example_and_float32():
    net = ManualMLP(3, 4, 2, dtype=np.float32, generator=np.random.default_rng(0))
    probs = net.predict_proba(np.ones(3))
    assert probs.shape == (1, 2) and probs.dtype == np.float32


def test_errors_name_the_problem():
    net = ManualMLP(3, 4, 2, generator=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="call net.loss"):
        net.backward(np.array([0]))
    with pytest.raises(ValueError, match=r"shape \(n, 3\).*\(5, 2\)"):
        net.forward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        net.loss(np.zeros((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match="integer class labels"):
        net.loss(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        ManualMLP(3, 4, 2, activation="gelu")
    with pytest.raises(ValueError, match="l2_output must be >= 0"):
        ManualMLP(3, 4, 2, l2_output=-1.0)
