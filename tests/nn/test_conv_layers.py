"""The convolution layers ``nn.Conv1d``, ``nn.Conv2d``, ``nn.ConvTranspose2d``: PyTorch's
arguments, initialisation, ``state_dict`` keys, repr, outputs and gradients from the
same weights, padding modes, errors naming the layer, and ``io.save`` / ``io.load``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
from reseau import io, nn

LAYERS = [
    ("Conv2d", (3, 6, 5), {}),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ("Conv2d", (3, 3, 3), dict(groups=3, bias=False, padding="same")),
    ("Conv2d", (2, 4, 3), dict(padding=2, padding_mode="reflect")),
    ("Conv2d", (2, 4, (3, 2)), dict(padding=(1, 2), padding_mode="replicate", stride=2)),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="circular", dilation=2)),
    ("Conv1d", (3, 5, 3), dict(stride=2, padding=1)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="reflect")),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("ConvTranspose2d", (3, 2, (2, 3)), dict(dilation=(2, 1), bias=False)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(LAYERS)]


def _pair(name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(*args, **kwargs).double()
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _input(name, in_channels, rng, batched=True):
    shape = (in_channels, 9) if name == "Conv1d" else (in_channels, 7, 8)
    return rng.standard_normal(((2,) if batched else ()) + shape)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's note on even 'same' kernels
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=IDS)
def test_layer_matches_torch_from_the_same_weights(name, args, kwargs, batched):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(name, args, kwargs)
    x = _input(name, args[0], np.random.default_rng(0), batched)
    rx, tx = reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(rx), theirs(tx)
    np.testing.assert_allclose(out._array, tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    v = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(reseau.tensor(v))
    tout.backward(torch.tensor(v))
    np.testing.assert_allclose(rx.grad._array, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    for (k, p), (tk, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == tk
        np.testing.assert_allclose(p.grad._array, tp.grad.numpy(), rtol=1e-9, atol=1e-10,
                                   err_msg=k)


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=IDS)
def test_state_dict_keys_shapes_and_repr_as_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert ours.state_dict()[k].shape == tuple(v.shape)
        assert ours.state_dict()[k].dtype == np.float32
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=IDS)
def test_default_initialisation_bounds_as_torch(name, args, kwargs):
    # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias too
    reseau.manual_seed(0)
    layer = getattr(nn, name)(*args, **kwargs)
    w = layer.weight._array
    bound = 1 / math.sqrt(w.shape[1] * int(np.prod(w.shape[2:])))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert abs(w.mean()) < 0.35 * bound
    if layer.bias is not None:
        assert np.abs(layer.bias._array).max() <= bound


def test_weight_distribution_is_uniform_on_the_kaiming_interval():
    reseau.manual_seed(1)
    w = nn.Conv2d(16, 64, 3).weight._array.ravel()
    bound = 1 / math.sqrt(16 * 9)
    # uniform on [-b, b]: variance b^2 / 3, a flat histogram
    np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.05)
    counts, _ = np.histogram(w, bins=10, range=(-bound, bound))
    assert counts.min() > 0.85 * counts.mean()


def test_conv2d_module_errors_name_the_layer_and_the_shapes():
    conv = nn.Conv2d(1, 6, 5)
    with pytest.raises(ValueError, match=r"Conv2d: input has 3 channels but the layer expects 1"
                       r" \(input shape \(8, 3, 28, 28\), weight shape \(6, 1, 5, 5\)\)"):
        conv(reseau.zeros(8, 3, 28, 28))
    with pytest.raises(ValueError, match=r"Conv2d: input of shape \(1, 1, 4, 4\) is smaller"):
        conv(reseau.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"Conv1d: input has 2 channels"):
        nn.Conv1d(3, 4, 3, padding=1, padding_mode="reflect")(reseau.zeros(1, 2, 9))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: input has 2 channels"):
        nn.ConvTranspose2d(3, 4, 3)(reseau.zeros(1, 2, 5, 5))


@pytest.mark.parametrize("make, match", [
    (lambda: nn.Conv2d(3, 6, 3, groups=2), r"Conv2d: in_channels=3 must be divisible by groups"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), r"out_channels=6 must be divisible by groups=4"),
    (lambda: nn.Conv2d(1, 6, 0), r"kernel_size must be a positive"),
    (lambda: nn.Conv2d(1, 6, 3, padding_mode="mirror"), r"padding_mode must be one of"),
    (lambda: nn.Conv2d(1, 6, 3, stride=2, padding="same"), r"padding='same' is not supported"),
    (lambda: nn.Conv1d(1, 6, (3, 3)), r"Conv1d: kernel_size must be .* a tuple of 1"),
    (lambda: nn.ConvTranspose2d(1, 6, 3, padding_mode="reflect"), r"only padding_mode='zeros'"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_reflect_padding_too_large_says_so():
    with pytest.raises(ValueError, match=r"reflect.*too large"):
        nn.Conv2d(1, 1, 3, padding=4, padding_mode="reflect")(reseau.zeros(1, 1, 4, 4))


def test_conv_transpose_output_size_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair("ConvTranspose2d", (2, 3, 3), dict(stride=2, padding=1))
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 5))
    out = ours(reseau.tensor(x), output_size=(8, 10))
    tout = theirs(torch.tensor(x), output_size=(8, 10))
    assert out.shape == (1, 3, 8, 10)
    np.testing.assert_allclose(out._array, tout.detach().numpy(), rtol=1e-10, atol=1e-10)


def test_float32_layer_keeps_float32():
    conv = nn.Conv2d(1, 4, 3)
    x = reseau.randn(2, 1, 6, 6, requires_grad=True)
    out = conv(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == conv.weight.grad.dtype == np.float32


def _cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 4, 3, stride=2, groups=2, padding_mode="reflect", padding=1),
        nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
        nn.Flatten(), nn.Linear(2 * 6 * 6, 3),
    )


def test_io_save_and_load_round_trip_a_cnn(tmp_path):
    reseau.manual_seed(0)
    net = _cnn()
    path = io.save(net, tmp_path / "cnn.npz")
    loaded = io.load(path)
    assert repr(loaded) == repr(net)
    x = reseau.randn(2, 1, 6, 6)
    np.testing.assert_array_equal(loaded(x)._array, net(x)._array)
    conv1d = nn.Conv1d(2, 3, 3, padding="same", bias=False)
    io.save(conv1d, tmp_path / "c1.npz")
    again = io.load(tmp_path / "c1.npz")
    assert repr(again) == repr(conv1d) and again.bias is None
    np.testing.assert_array_equal(again.weight._array, conv1d.weight._array)


def test_torch_state_dict_gives_torch_outputs_in_float32():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
    ours = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((4, 3, 11, 10)).astype(np.float32)
    out = ours(reseau.tensor(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
