"""plot_filters and plot_feature_maps: PNGs of the requested size, one panel per filter
or feature map, drawing the values they should."""

import struct

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.models import lenet5
from reseau.viz import plot_feature_maps, plot_filters



def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def images(fig):
    """The arrays shown by the figure's axes, in order."""
    return [im.get_array() for ax in fig.axes for im in ax.get_images()]


def test_filters_of_a_one_channel_layer(tmp_path):
    reseau.manual_seed(0)
    conv = nn.Conv2d(1, 6, 5)
    path = tmp_path / "filters.png"
    fig = plot_filters(conv, figsize=(4, 3), dpi=50, path=path)
    assert png_size(path) == (200, 150) and path.stat().st_size > 1000
    shown = images(fig)
    assert len(shown) == 6
    for k, img in enumerate(shown):
        np.testing.assert_array_equal(img, conv.weight.detach().numpy()[k, 0])
    # one symmetric colour scale: white is a zero weight
    limit = np.abs(conv.weight.detach().numpy()).max()
    assert shown[0].shape == (5, 5)
    assert all(im.get_clim() == pytest.approx((-limit, limit))
               for ax in fig.axes for im in ax.get_images())


def test_filters_over_several_input_channels_are_a_grid():
    w = np.arange(4 * 3 * 2 * 2, dtype=np.float32).reshape(4, 3, 2, 2)
    fig = plot_filters(w, dpi=40)
    shown = images(fig)
    assert len(shown) == 12                       # 4 filters x 3 channels
    np.testing.assert_array_equal(shown[5], w[1, 2])  # row 1, column 2
    with pytest.raises(ValueError, match=r"plot_filters: .* got shape \(3, 3\)"):
        plot_filters(np.zeros((3, 3)))


def test_feature_maps_of_lenet5(tmp_path):
    reseau.manual_seed(0)
    net = lenet5()
    digit = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    path = tmp_path / "maps.png"
    fig = plot_feature_maps(net, digit, max_maps=4, figsize=(6, 5), dpi=40, path=path)
    assert png_size(path) == (240, 200)
    shown = images(fig)
    # the input, then 4 maps of each layer that outputs images: conv, relu, pool (6 maps
    # each, 4 drawn), conv, relu, pool (16 maps each, 4 drawn)
    assert len(shown) == 1 + 6 * 4
    np.testing.assert_array_equal(shown[0], digit[0])
    first_conv = net[0](reseau.tensor(digit[None])).detach().numpy()[0]
    np.testing.assert_allclose(shown[1], first_conv[0], rtol=1e-6)
    assert shown[1].shape == (28, 28) and shown[-1].shape == (5, 5)
    assert net.training  # the model is put back as it was


def test_feature_maps_of_chosen_layers_and_errors():
    net = lenet5()
    fig = plot_feature_maps(net, np.zeros((1, 1, 28, 28), np.float32), layers=["3"], dpi=40)
    assert len(images(fig)) == 1 + 8   # input + the first 8 of conv 3's 16 maps
    with pytest.raises(KeyError, match="no layer named 'conv9'"):
        plot_feature_maps(net, np.zeros((1, 28, 28), np.float32), layers=["conv9"])
    with pytest.raises(ValueError, match="one image"):
        plot_feature_maps(net, np.zeros((2, 1, 28, 28), np.float32))
