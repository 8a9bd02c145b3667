"""The activation functions composed in nn/activation_functions.py and their modules:
values and gradients equal to PyTorch's, finite differences in float64."""

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn

from nn_helpers import compare_with_torch, gradcheck_float64

# away from the kinks (0, +-lambd, +-3, the hardtanh bounds) so that finite differences
# are meaningful; the kinks themselves are tested one-sided below
X = np.array([[-4.2, -2.5, -1.3, -0.7, -0.2], [0.3, 0.8, 1.6, 2.7, 4.4]])

CASES = [  # (reseau function, name in torch.nn.functional, keyword arguments)
    (F.elu, "elu", {}), (F.elu, "elu", {"alpha": 0.5}), (F.celu, "celu", {"alpha": 2.0}),
    (F.selu, "selu", {}), (F.glu, "glu", {"dim": 0}), (F.hardtanh, "hardtanh", {}),
    (F.hardtanh, "hardtanh", {"min_val": -2.0, "max_val": 0.5}), (F.relu6, "relu6", {}),
    (F.hardsigmoid, "hardsigmoid", {}), (F.hardswish, "hardswish", {}), (F.mish, "mish", {}),
    (F.softsign, "softsign", {}), (F.tanhshrink, "tanhshrink", {}),
    (F.threshold, "threshold", {"threshold": 0.5, "value": -3.0}),
    (F.hardshrink, "hardshrink", {}), (F.softshrink, "softshrink", {"lambd": 0.4}),
    (F.softmin, "softmin", {"dim": 1}), (F.silu, "silu", {}), (F.gelu, "gelu", {}),
    (F.gelu, "gelu", {"approximate": "tanh"}),
]


@pytest.mark.parametrize("fn,name,kwargs", CASES, ids=[f"{c[1]}{c[2]}" for c in CASES])
def test_values_and_gradients_match_pytorch(fn, name, kwargs):
    torch = pytest.importorskip("torch")
    tfn = getattr(torch.nn.functional, name)
    # PyTorch's hard* backward kernels use a float32 constant 1/6 even in float64
    rtol = 1e-7 if name in ("hardsigmoid", "hardswish") else 1e-9
    compare_with_torch(lambda x: fn(x, **kwargs), lambda x: tfn(x, **kwargs), [X], rtol=rtol)
    assert gradcheck_float64(lambda x: fn(x, **kwargs), [X])


def test_derivatives_at_the_kinks_are_pytorchs():
    torch = pytest.importorskip("torch")
    kinks = np.array([-3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0])
    for fn, name in [(F.elu, "elu"), (F.hardtanh, "hardtanh"), (F.relu6, "relu6"),
                     (F.hardsigmoid, "hardsigmoid"), (F.hardshrink, "hardshrink"),
                     (F.softshrink, "softshrink")]:
        compare_with_torch(fn, getattr(torch.nn.functional, name), [kinks], rtol=1e-7)


def test_elu_survives_large_inputs():
    x = reseau.tensor([1000.0, -1000.0], requires_grad=True)
    y = F.elu(x)
    y.sum().backward()
    assert y.tolist() == [1000.0, -1.0] and x.grad.tolist() == [1.0, 0.0]


def test_prelu_one_slope_and_one_per_channel():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    compare_with_torch(F.prelu, torch.nn.functional.prelu, [x, np.array([0.25])])
    compare_with_torch(F.prelu, torch.nn.functional.prelu, [x, np.array([0.1, -0.2, 0.3])])
    with pytest.raises(ValueError, match="expected 2 channels"):
        F.prelu(reseau.ones(2, 3), reseau.ones(2))


def test_modules_compute_their_function():
    x = reseau.tensor(X)
    pairs = [(nn.ELU(0.5), F.elu(x, 0.5)), (nn.CELU(2.0), F.celu(x, 2.0)), (nn.SELU(), F.selu(x)),
             (nn.GLU(0), F.glu(x, 0)), (nn.Hardtanh(-2.0, 2.0), F.hardtanh(x, -2.0, 2.0)),
             (nn.ReLU6(), F.relu6(x)), (nn.Hardsigmoid(), F.hardsigmoid(x)),
             (nn.Hardswish(), F.hardswish(x)), (nn.Mish(), F.mish(x)),
             (nn.Softsign(), F.softsign(x)), (nn.Tanhshrink(), F.tanhshrink(x)),
             (nn.Threshold(0.1, 20.0), F.threshold(x, 0.1, 20.0)),
             (nn.Hardshrink(0.3), F.hardshrink(x, 0.3)), (nn.Softshrink(), F.softshrink(x)),
             (nn.Softmin(1), F.softmin(x, 1)), (nn.SiLU(), F.silu(x))]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).numpy(), expected.numpy())


def test_prelu_module_learns_its_slope_like_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((4, 3, 2))
    ours, theirs = nn.PReLU(3, init=0.1).double(), torch.nn.PReLU(3, init=0.1).double()
    out, tout = ours(reseau.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    assert ours.weight.tolist() == theirs.weight.tolist() == [np.float32(0.1).item()] * 3


def test_softmax2d_is_a_softmax_over_channels():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3, 2, 2))
    compare_with_torch(nn.Softmax2d(), torch.nn.Softmax2d(), [x])
    with pytest.raises(ValueError, match="3-D or 4-D"):
        nn.Softmax2d()(reseau.ones(2, 3))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="halving dimension must be even"):
        F.glu(reseau.ones(2, 3))
    with pytest.raises(ValueError, match="max_val .* must be larger"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="lambd must be non-negative"):
        F.softshrink(reseau.ones(2), -1.0)


def test_pytorch_keyword_arguments_are_taken():
    x = reseau.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert F.softmax(x, dim=1, dtype=reseau.float64).dtype == np.float64
    assert F.log_softmax(x, 1, dtype=reseau.float64).dtype == np.float64
    np.testing.assert_allclose(F.softmin(x, dim=1).numpy(), F.softmax(-x, dim=1).numpy())
    assert F.leaky_relu(reseau.tensor([-1.0, 2.0]), 0.5, inplace=True).tolist() == [-0.5, 2.0]
    assert F.relu6(reseau.tensor([-1.0, 7.0]), inplace=True).tolist() == [0.0, 6.0]
