"""The pooling layers, Dropout2d and Unflatten: PyTorch's arguments, attributes, repr and
outputs; save / load round trips of their constructor arguments; channel dropout
statistics."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from reseau import io, nn

LAYERS = [
    lambda m: m.MaxPool2d(2),
    lambda m: m.MaxPool2d((3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                          ceil_mode=True),
    lambda m: m.MaxPool2d(3, 2, 1, return_indices=True),
    lambda m: m.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True),
    lambda m: m.AvgPool2d(2),
    lambda m: m.AvgPool2d((3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda m: m.AvgPool2d(3, 1, 1, divisor_override=4),
    lambda m: m.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
    lambda m: m.AdaptiveAvgPool2d(1),
    lambda m: m.AdaptiveAvgPool2d((3, None)),
    lambda m: m.AdaptiveMaxPool2d((2, 3)),
    lambda m: m.AdaptiveMaxPool2d(2, return_indices=True),
    lambda m: m.Dropout2d(0.3),
    lambda m: m.Unflatten(1, (2, 3)),
]
INPUT = {"1d": (2, 6, 9), "flat": (4, 6), "2d": (2, 3, 7, 8)}


def _input_shape(layer) -> tuple:
    name = type(layer).__name__
    return INPUT["1d" if name.endswith("1d") else "flat" if name == "Unflatten" else "2d"]


@pytest.mark.parametrize("make", LAYERS, ids=range(len(LAYERS)))
def test_repr_and_attributes_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    for name in ours.init_args:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


@pytest.mark.parametrize("make", LAYERS, ids=range(len(LAYERS)))
def test_outputs_and_gradients_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nn).eval(), make(torch.nn).eval()  # eval: no dropout
    x = np.random.default_rng(0).standard_normal(_input_shape(ours))
    a, b = reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(a), theirs(b)
    if isinstance(out, tuple):
        np.testing.assert_array_equal(out[1]._array, tout[1].numpy())
        out, tout = out[0], tout[0]
    np.testing.assert_allclose(out._array, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(reseau.tensor(g))
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(a.grad._array, b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", LAYERS, ids=range(len(LAYERS)))
def test_save_load_rebuilds_the_layer_with_its_arguments(make, tmp_path):
    layer = make(nn)
    model = nn.Sequential(layer)
    io.save(model, tmp_path / "m.npz")
    back = io.load(tmp_path / "m.npz")
    assert repr(back) == repr(model)
    assert back[0].init_kwargs() == layer.init_kwargs()
    x = reseau.randn(*_input_shape(layer))
    out, out_back = model.eval()(x), back.eval()(x)
    if isinstance(out, tuple):
        out, out_back = out[0], out_back[0]
    np.testing.assert_array_equal(out._array, out_back._array)


def test_a_cnn_round_trips_through_save_and_load(tmp_path):
    model = nn.Sequential(
        nn.BatchNorm2d(1), nn.MaxPool2d(2), nn.Dropout2d(0.25), nn.AvgPool2d(2, ceil_mode=True),
        nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Linear(4, 4), nn.Unflatten(1, (1, 2, 2)),
        nn.AdaptiveMaxPool2d(1),
    )
    x = reseau.randn(3, 1, 9, 9)
    model(x)  # one training step of batch norm: running statistics move
    io.save(model, tmp_path / "cnn.npz")
    back = io.load(tmp_path / "cnn.npz")
    assert repr(back) == repr(model)
    model.eval(), back.eval()
    np.testing.assert_array_equal(back(x)._array, model(x)._array)


# ------------------------------------------------------------------ Dropout2d
def test_dropout2d_zeroes_whole_channels_and_keeps_the_mean():
    reseau.manual_seed(0)
    p = 0.3
    drop = nn.Dropout2d(p)
    y = drop(reseau.ones(200, 50, 4, 4))._array
    per_channel = y.reshape(200, 50, -1)
    # every channel is all zeros or all 1 / (1 - p)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / (1 - p)], rtol=1e-6)
    dropped = (per_channel[..., 0] == 0).mean()
    assert abs(dropped - p) < 0.02  # 10,000 channels: the std of the rate is 0.0046
    assert abs(y.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation


def test_dropout2d_gradient_uses_the_same_mask_and_eval_is_identity():
    reseau.manual_seed(1)
    x = reseau.randn(4, 6, 3, 3, requires_grad=True)
    y = nn.Dropout2d(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, (y._array != 0) * 2.0)
    drop = nn.Dropout2d(0.5).eval()
    assert drop(x) is x
    assert nn.Dropout2d(0.0)(x) is x
    assert np.all(nn.Dropout2d(1.0)(x)._array == 0)


def test_dropout2d_reads_a_3d_input_as_n_c_l_with_a_warning():
    reseau.manual_seed(2)
    with pytest.warns(UserWarning, match="3-D input"):
        y = nn.Dropout2d(0.5)(reseau.ones(8, 5, 7))._array
    assert np.all(y.min(-1) == y.max(-1))  # whole (n, c) rows


def test_dropout2d_errors():
    with pytest.raises(ValueError, match="Dropout2d: probability p"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match=r"dropout2d: expected a 4-D .*\(3, 3\)"):
        nn.Dropout2d()(reseau.ones(3, 3))


# ------------------------------------------------------------------ Unflatten
def test_unflatten_inverts_flatten():
    x = reseau.randn(2, 16, 5, 5)
    flat = nn.Flatten()(x)
    np.testing.assert_array_equal(nn.Unflatten(1, (16, 5, 5))(flat)._array, x._array)
    assert nn.Unflatten(-1, (4, -1))(flat).shape == (2, 4, 100)
    assert nn.Unflatten(1, [16, 25]).unflattened_size == (16, 25)


def test_unflatten_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"Unflatten: cannot split dimension 1 of size 6 .*"
                                         r"\(2, 6\).*\(4, 2\)"):
        nn.Unflatten(1, (4, 2))(reseau.randn(2, 6))
    with pytest.raises(IndexError, match="Unflatten: dim 3"):
        nn.Unflatten(3, (2, 3))(reseau.randn(2, 6))
