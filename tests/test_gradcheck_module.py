"""gradcheck_module: backprop against finite differences for every parameter tensor."""

import io

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.models import Ridge


def small_net(seed=0):
    reseau.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))


def batch(n=6):
    rng = np.random.default_rng(1)
    return reseau.tensor(rng.normal(size=(n, 3)).astype(np.float32)), reseau.tensor(
        rng.integers(0, 3, size=n))


def test_correct_model_passes_and_prints_a_table():
    net = small_net()
    x, y = batch()
    out = io.StringIO()
    errors = reseau.gradcheck_module(net, nn.CrossEntropyLoss(), x, y, file=out)
    assert list(errors) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(0 <= e < 1e-7 for e in errors.values())
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["parameter", "shape", "entries", "max", "abs", "diff",
                                "relative", "error"]
    assert lines[1].split()[:4] == ["0.weight", "(4,", "3)", "12/12"]
    assert all(line.endswith("ok") for line in lines[1:])
    assert float(lines[1].split()[-2]) == pytest.approx(errors["0.weight"], rel=0.01)


def test_parameters_gradients_and_dtypes_are_restored():
    net = small_net()
    x, y = batch()
    before = [p._array for p in net.parameters()]
    for p in net.parameters():
        p.grad = None
    reseau.gradcheck_module(net, nn.CrossEntropyLoss(), x, y, verbose=False)
    after = list(net.parameters())
    assert all(p._array is b and p.dtype == np.float32 for p, b in zip(after, before))
    assert all(p.grad is None for p in after)


class DetachedScale(nn.Module):
    """A model whose backprop misses a path: y = (x @ W.T) * sum(W), with sum(W)
    detached, so backprop ignores d sum(W) / dW."""

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(reseau.tensor([[0.5, -1.0], [2.0, 0.25]]))
        self.b = nn.Parameter(reseau.tensor([0.1, -0.2]))

    def forward(self, x):
        return (x @ self.W.T) * self.W.detach().sum() + self.b


def test_wrong_gradient_is_reported():
    model = DetachedScale()
    x = reseau.tensor([[1.0, 2.0], [-1.0, 0.5]])
    target = reseau.tensor([[0.0, 1.0], [1.0, 0.0]])
    out = io.StringIO()
    errors = reseau.gradcheck_module(model, nn.MSELoss(), x, target, file=out)
    assert errors["W"] > 1e-2 and errors["b"] < 1e-8
    w_line, b_line = out.getvalue().splitlines()[1:]
    assert w_line.startswith("W") and w_line.endswith("FAIL") and b_line.endswith("ok")


def test_sampled_entries_and_objective_of_a_course_model():
    rng = np.random.default_rng(0)
    model = Ridge(20, weight_decay=0.3)
    x, y = rng.normal(size=(8, 20)), rng.normal(size=8)
    out = io.StringIO()
    errors = reseau.gradcheck_module(model, None, x, y, max_entries=5, file=out)
    assert errors["linear.weight"] < 1e-7 and errors["linear.bias"] < 1e-7
    assert "5/20" in out.getvalue() and "1/1" in out.getvalue()


def test_buffers_restored_and_dropout_refused():
    reseau.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 3))
    x, y = batch()
    running = net[1].running_mean._array.copy()
    errors = reseau.gradcheck_module(net, nn.CrossEntropyLoss(), x, y, verbose=False)
    assert max(errors.values()) < 1e-6
    # batch norm removes the mean: the first bias has a zero gradient, both ways
    assert errors["0.bias"] == 0.0
    np.testing.assert_array_equal(net[1].running_mean._array, running)

    net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 3))
    with pytest.raises(ValueError, match=r"not deterministic.*model.eval\(\)"):
        reseau.gradcheck_module(net, nn.CrossEntropyLoss(), x, y, verbose=False)
    net.eval()
    assert max(reseau.gradcheck_module(net, nn.CrossEntropyLoss(), x, y,
                                       verbose=False).values()) < 1e-6


def test_errors():
    x, y = batch()
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        reseau.gradcheck_module(lambda t: t, nn.MSELoss(), x, y)
    with pytest.raises(TypeError, match="has no objective"):
        reseau.gradcheck_module(small_net(), None, x, y)
    with pytest.raises(ValueError, match="must be a scalar Tensor"):
        reseau.gradcheck_module(small_net(), lambda out, t: out, x, y, verbose=False)


def test_docstring_example_runs():
    import doctest
    import sys

    result = doctest.testmod(sys.modules["reseau.gradcheck_module"])
    assert result.attempted > 0 and result.failed == 0
