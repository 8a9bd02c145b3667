"""models.MLP: per-layer activations, gradients against PyTorch, ManualMLP and finite
differences, training."""

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.models import MLP, ManualMLP


def data(n=12, d=3, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, classes, size=n)


def test_layers_follow_sizes_and_activations():
    net = MLP([3, 8, 6, 4, 2], activation=["tanh", nn.Sigmoid, "relu"], dropout=0.1)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Sigmoid", "Dropout", "Linear",
                     "ReLU", "Dropout", "Linear"]
    shapes = [p.shape for p in net.parameters()]
    assert shapes == [(8, 3), (8,), (6, 8), (6,), (4, 6), (4,), (2, 4), (2,)]
    assert [type(m).__name__ for m in MLP([2, 5, 5, 3], activation="gelu")][1::2] == \
        ["GELU", "GELU"]
    assert [type(m).__name__ for m in MLP([2, 3])] == ["Linear"]  # softmax regression


def test_gradients_equal_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    X, y = data()
    reseau.manual_seed(0)
    net = MLP([3, 5, 4, 3], activation=["tanh", "relu"], weight_decay=0.2, dtype="float64")
    loss = net.objective(X, y)
    loss.backward()
    linears = [m for m in net if isinstance(m, nn.Linear)]
    ref = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                              torch.nn.ReLU(), torch.nn.Linear(4, 3)).double()
    with torch.no_grad():
        for ours, theirs in zip(linears, [ref[0], ref[2], ref[4]]):
            theirs.weight.copy_(torch.tensor(ours.weight._array))
            theirs.bias.copy_(torch.tensor(ours.bias._array))
    out = torch.nn.functional.cross_entropy(ref(torch.tensor(X)), torch.tensor(y))
    out = out + 0.1 * sum((m.weight ** 2).sum() for m in (ref[0], ref[2], ref[4]))
    out.backward()
    assert loss.item() == pytest.approx(out.item(), abs=1e-12)
    for ours, theirs in zip(linears, [ref[0], ref[2], ref[4]]):
        np.testing.assert_allclose(ours.weight.grad._array, theirs.weight.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.bias.grad._array, theirs.bias.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_one_hidden_layer_equals_manual_backprop(activation):
    # the same network and objective written by hand (seeds 002/003): autograd == formulas
    X, y = data(seed=1)
    manual = ManualMLP(3, 4, 3, activation=activation, l2_hidden=0.05, l2_output=0.05,
                       generator=np.random.default_rng(2))
    net = MLP([3, 4, 3], activation=activation, weight_decay=0.1, dtype="float64")
    with reseau.no_grad():
        net[0].weight._array[...], net[0].bias._array[...] = manual.W1, manual.b1
        net[2].weight._array[...], net[2].bias._array[...] = manual.W2, manual.b2
    loss = net.objective(X, y)  # rho/2 ||W||^2 with rho = 0.1 is l2 = 0.05
    loss.backward()
    expected_loss = manual.loss(X, y)
    expected = manual.backward(y)
    assert loss.item() == pytest.approx(expected_loss, abs=1e-12)
    for name, p in [("W1", net[0].weight), ("b1", net[0].bias), ("W2", net[2].weight),
                    ("b2", net[2].bias)]:
        np.testing.assert_allclose(p.grad._array, expected[name], atol=1e-10, err_msg=name)


def test_finite_differences():
    X, y = data(seed=3)
    reseau.manual_seed(1)
    net = MLP([3, 4, 4, 3], activation=["sigmoid", "tanh"], weight_decay=0.1)
    errors = reseau.gradcheck_module(net, None, X, y, verbose=False)
    assert len(errors) == 6 and max(errors.values()) < 1e-7


def test_fit_learns_xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 5)
    X += np.random.default_rng(0).normal(scale=0.05, size=X.shape)
    y = np.array([0, 1, 1, 0] * 5)
    reseau.manual_seed(0)
    net = MLP([2, 8, 2], activation="tanh")
    history = net.fit(X, y, lr=0.5, epochs=300)
    assert history[-1] < 0.1 < history[0]
    assert (net.predict(X) == y).all()
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)


def test_predict_uses_evaluation_mode_and_restores_training():
    X, _ = data()
    net = MLP([3, 16, 3], dropout=0.5)
    first, second = net.predict_proba(X), net.predict_proba(X)
    np.testing.assert_array_equal(first, second)  # no dropout at prediction
    assert net.training


def test_errors():
    with pytest.raises(ValueError, match="got 1 activations for 2 hidden layers"):
        MLP([2, 4, 4, 3], activation=["tanh"])
    with pytest.raises(ValueError, match="unknown activation 'swish' for hidden layer 2"):
        MLP([2, 4, 4, 3], activation=["tanh", "swish"])
    with pytest.raises(TypeError, match="must be a name or a Module class"):
        MLP([2, 4, 3], activation=[nn.Tanh()])
    with pytest.raises(ValueError, match="number of classes and must be at least 2"):
        MLP([2, 4, 1])
    with pytest.raises(ValueError, match=r"MLP: expected inputs of shape \(n, 2\)"):
        MLP([2, 4, 3]).objective(np.zeros((3, 5)), np.zeros(3, dtype=int))


def test_the_network_is_an_nn_mlp_and_fit_stops_on_divergence():
    X, y = data()
    reseau.manual_seed(0)
    # each step multiplies the weights by 1 - lr rho = -999: they overflow float32 soon
    net = MLP([3, 5, 3], activation="tanh", weight_decay=1.0)
    assert isinstance(net, nn.MLP) and net.sizes == [3, 5, 3]
    with pytest.warns(RuntimeWarning, match=r"MLP.fit: Training diverged.*last good epoch"), \
            np.errstate(over="ignore", invalid="ignore"):
        history = net.fit(X, y, lr=1000.0, epochs=50)
    assert 3 < len(history) < 50  # it stopped at the first non-finite objective
    assert all(np.isfinite(p._array).all() for p in net.parameters())  # the last good weights
