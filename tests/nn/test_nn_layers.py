"""Layers and activation modules against PyTorch (float64, values and gradients) and
finite differences: Linear, Dropout, BatchNorm1d (train and eval, running
statistics), Flatten, Identity, the activations and nn.MLP."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn
from nn_helpers import compare_with_torch, gradcheck_float64

pytestmark = pytest.mark.nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


# ----------------------------------------------------------------- Linear
def test_linear_matches_torch_with_the_same_weights():
    for bias in (True, False):
        ours = nn.Linear(4, 3, bias=bias).double()
        theirs = torch.nn.Linear(4, 3, bias=bias, dtype=torch.float64)
        theirs.load_state_dict({k: torch.from_numpy(v.numpy())
                                for k, v in ours.state_dict().items()})
        x = RNG.standard_normal((5, 4))
        xr = reseau.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        out, tout = ours(xr), theirs(xt)
        np.testing.assert_allclose(out._array, tout.detach().numpy(), rtol=1e-12)
        v = RNG.standard_normal((5, 3))
        out.backward(reseau.tensor(v))
        (tout * torch.tensor(v)).sum().backward()
        np.testing.assert_allclose(xr.grad._array, xt.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.weight.grad._array, theirs.weight.grad.numpy(), rtol=1e-12)
        if bias:
            np.testing.assert_allclose(ours.bias.grad._array, theirs.bias.grad.numpy(), rtol=1e-12)


def test_linear_gradcheck():
    layer = nn.Linear(3, 2).double()
    assert reseau.gradcheck(lambda x, w, b: F.linear(x, w, b),
                            [reseau.tensor(RNG.standard_normal((4, 3)), requires_grad=True),
                             layer.weight, layer.bias])


def test_linear_default_init_bounds_and_reproducibility():
    reseau.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) on a fan_in of 400
    w, b = layer.weight._array, layer.bias._array
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # 120,000 draws fill the interval
    # variance of U(-a, a) is a^2 / 3
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.02)
    assert abs(w.mean()) < 0.01 * bound * 3
    reseau.manual_seed(0)
    again = nn.Linear(400, 300)
    np.testing.assert_array_equal(again.weight._array, w)
    np.testing.assert_array_equal(again.bias._array, b)
    reseau.manual_seed(1)
    assert not np.array_equal(nn.Linear(400, 300).weight._array, w)


def test_linear_rejects_the_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"linear: input has 3 features but the layer expects 2"):
        nn.Linear(2, 4)(reseau.randn(8, 3))
    with pytest.raises(ValueError, match="in_features must be a non-negative int"):
        nn.Linear(2.5, 3)


def test_flatten_and_identity():
    x = reseau.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Identity(54, unused="x")(x) is x
    compare_with_torch(nn.Flatten(), torch.nn.Flatten(), [RNG.standard_normal((2, 3, 4))])


# ----------------------------------------------------------------- activations
ACTIVATIONS = [
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.Softplus(beta=2.0, threshold=5.0), torch.nn.Softplus(beta=2.0, threshold=5.0)),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.LogSigmoid(), torch.nn.LogSigmoid()),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
]


@pytest.mark.parametrize("module, tmodule", ACTIVATIONS, ids=lambda m: repr(m))
def test_activation_modules_match_torch_and_gradcheck(module, tmodule):
    x = RNG.uniform(0.1, 3, (4, 5)) * RNG.choice([-1, 1], (4, 5))  # away from the kinks
    compare_with_torch(module, tmodule, [x])
    assert gradcheck_float64(module, [x])


def test_activations_saturate_without_overflow():
    x = reseau.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    for act in (nn.Sigmoid(), nn.Tanh(), nn.Softplus(), nn.LogSigmoid(), nn.GELU(), nn.SiLU()):
        x.grad = None
        y = act(x)
        y.sum().backward()
        assert np.isfinite(y._array).all() and np.isfinite(x.grad._array).all(), act


def test_softmax_without_dim_warns_and_follows_torch():
    x = RNG.standard_normal((3, 4))
    with pytest.warns(UserWarning, match="implicit dimension choice"):
        out = nn.Softmax()(reseau.tensor(x))
    np.testing.assert_allclose(out._array.sum(1), 1.0)


# ----------------------------------------------------------------- Dropout
def test_dropout_zero_fraction_and_scaling():
    reseau.manual_seed(0)
    n = 200_000
    x = reseau.ones(n)
    for p in (0.1, 0.5, 0.8):
        y = nn.Dropout(p)(x)._array
        zeros = (y == 0).mean()
        # binomial standard deviation sqrt(p (1 - p) / n) < 0.0012: 5 sigma
        assert abs(zeros - p) < 5 * math.sqrt(p * (1 - p) / n)
        kept = y[y != 0]
        np.testing.assert_allclose(kept, 1 / (1 - p), rtol=1e-6)  # inverted dropout
        assert abs(y.mean() - 1.0) < 5 * math.sqrt(p / (1 - p) / n)  # expectation kept


def test_dropout_gradient_uses_the_same_mask():
    reseau.manual_seed(3)
    x = reseau.randn(50, 40, dtype="float64", requires_grad=True)
    y = nn.Dropout(0.3)(x)
    y.sum().backward()
    mask = y._array != 0
    np.testing.assert_allclose(x.grad._array, mask / 0.7)


def test_dropout_eval_p0_p1_and_reproducibility():
    x = reseau.randn(10, 10)
    drop = nn.Dropout(0.5)
    assert drop.eval()(x) is x  # identity in evaluation
    assert nn.Dropout(0.0)(x) is x
    z = nn.Dropout(1.0)(x)
    assert (z._array == 0).all() and z.shape == x.shape
    # gradients: all ones through p = 0, all zeros (not NaN) through p = 1
    for p, expected in ((0.0, 1.0), (1.0, 0.0)):
        xg = reseau.randn(10, 10, requires_grad=True)
        nn.Dropout(p)(xg).sum().backward()
        np.testing.assert_array_equal(xg.grad._array, np.full((10, 10), expected))
    reseau.manual_seed(11)
    a = nn.Dropout(0.5)(x)._array
    reseau.manual_seed(11)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x)._array, a)
    with pytest.raises(ValueError, match="Dropout: probability p must be between 0 and 1, got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout: probability p"):
        F.dropout(x, -0.1)


# ----------------------------------------------------------------- BatchNorm1d
def _paired_batchnorm(**kw):
    ours = nn.BatchNorm1d(3, **kw).double()
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64, **kw)
    if ours.affine:  # non-trivial affine parameters
        w, b = RNG.uniform(0.5, 2, 3), RNG.standard_normal(3)
        ours.weight._array[...] = w
        ours.bias._array[...] = b
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(w))
            theirs.bias.copy_(torch.from_numpy(b))
    return ours, theirs


def _bn_step(ours, theirs, x):
    xr = reseau.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out, tout = ours(xr), theirs(xt)
    np.testing.assert_allclose(out._array, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = RNG.standard_normal(x.shape)
    out.backward(reseau.tensor(v))
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xr.grad._array, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    if ours.affine:
        np.testing.assert_allclose(ours.weight.grad._array, theirs.weight.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(ours.bias.grad._array, theirs.bias.grad.numpy(), rtol=1e-9)
        ours.zero_grad()
        theirs.zero_grad()
    if ours.track_running_stats:
        np.testing.assert_allclose(ours.running_mean._array, theirs.running_mean.numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(ours.running_var._array, theirs.running_var.numpy(), rtol=1e-12)
        assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked)


@pytest.mark.parametrize("kw", [{}, dict(momentum=0.3, eps=1e-3), dict(momentum=None),
                                dict(affine=False), dict(track_running_stats=False)],
                         ids=["default", "momentum_eps", "cumulative", "no_affine", "no_stats"])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)], ids=["NC", "NCL"])
def test_batchnorm1d_train_then_eval_matches_torch(kw, shape):
    ours, theirs = _paired_batchnorm(**kw)
    for _ in range(3):  # three training steps update the running statistics
        _bn_step(ours, theirs, RNG.standard_normal(shape) * 2 + 1)
    ours.eval()
    theirs.eval()
    _bn_step(ours, theirs, RNG.standard_normal(shape))


def test_batchnorm1d_running_variance_is_unbiased_and_normalisation_biased():
    bn = nn.BatchNorm1d(2, momentum=1.0).double()  # running stats = the last batch's
    x = RNG.standard_normal((6, 2)) * 3
    y = bn(reseau.tensor(x))._array
    np.testing.assert_allclose(bn.running_mean._array, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var._array, x.var(0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-12)


def test_batchnorm1d_gradcheck():
    bn = nn.BatchNorm1d(3).double()
    bn.weight._array[...] = [0.5, 1.5, 2.0]
    x = RNG.standard_normal((5, 3))
    assert gradcheck_float64(lambda t, w, b: F.batch_norm(t, None, None, w, b, training=True),
                             [x, bn.weight._array, bn.bias._array])
    bn.eval()
    bn.running_mean._array[...] = [0.1, -0.2, 0.3]
    assert gradcheck_float64(bn, [x])


def test_batchnorm1d_bad_input():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 3\) or "
                                         r"\(N, 3, L\), got \(4, 2\)"):
        bn(reseau.randn(4, 2))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        bn(reseau.randn(1, 3))
    bn.eval()
    assert bn(reseau.randn(1, 3)).shape == (1, 3)  # a single example is fine in eval


# ----------------------------------------------------------------- MLP
def test_mlp_structure_options_and_errors():
    net = nn.MLP([4, 8, 8, 2], activation="tanh", output_activation="log_softmax", dropout=0.1)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear",
                     "LogSoftmax"]
    out = net.eval()(reseau.randn(5, 4))
    np.testing.assert_allclose(np.exp(out._array).sum(1), 1.0, rtol=1e-5)
    assert [type(m).__name__ for m in nn.MLP([2, 3, 1], activation=nn.Sigmoid)] == \
        ["Linear", "Sigmoid", "Linear"]
    with pytest.raises(ValueError, match="unknown activation 'rellu'"):
        nn.MLP([2, 3, 1], activation="rellu")
    with pytest.raises(TypeError, match="not an instance"):
        nn.MLP([2, 3, 1], activation=nn.ReLU())
    with pytest.raises(ValueError, match="at least an input and an output size"):
        nn.MLP([5])


def test_mlp_matches_torch_sequential():
    ours = nn.MLP([3, 5, 2]).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(),
                                 torch.nn.Linear(5, 2)).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy())
                            for k, v in ours.state_dict().items()})
    x = RNG.standard_normal((6, 3))
    np.testing.assert_allclose(ours(reseau.tensor(x))._array,
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)


def test_one_hot_matches_torch():
    labels = np.array([[0, 2], [1, 3]])
    ours = F.one_hot(reseau.tensor(labels))
    np.testing.assert_array_equal(ours.data, torch.nn.functional.one_hot(
        torch.tensor(labels)).numpy())
    assert ours.dtype == np.int64 and ours.shape == (2, 2, 4)
    assert F.one_hot(reseau.tensor([1]), num_classes=3).tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match="class index 3 is out of range for num_classes=3"):
        F.one_hot(reseau.tensor([3]), num_classes=3)
    with pytest.raises(TypeError, match="expected integer class indices"):
        F.one_hot(reseau.tensor([1.0]))
