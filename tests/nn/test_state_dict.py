"""``Module.state_dict()`` and plain-weight loading follow PyTorch: an OrderedDict of
detached Tensors sharing memory with the weights, checked against torch itself."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import reseau
from reseau import nn

torch = pytest.importorskip("torch")


def _pair():
    """The same network in reseau and in torch (a buffer, an int buffer, nested names)."""
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.ReLU(), torch.nn.Linear(4, 2))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_keys_order_types_and_values_match_torch():
    ours, theirs = _pair()
    sd, ref = ours.state_dict(), theirs.state_dict()
    assert type(sd) is OrderedDict and type(ref) is OrderedDict
    assert list(sd) == list(ref)
    for key, value in sd.items():
        assert type(value) is reseau.Tensor and type(ref[key]) is torch.Tensor
        assert not value.requires_grad and not ref[key].requires_grad
        assert tuple(value.shape) == tuple(ref[key].shape)
        assert str(value.dtype).split(".")[-1] == str(ref[key].dtype).split(".")[-1]
        np.testing.assert_array_equal(value.numpy(), ref[key].numpy())


@pytest.mark.parametrize("lib", ["reseau", "torch"])
def test_values_share_memory_with_the_parameters(lib):
    ours, theirs = _pair()
    net, mod = (ours, reseau) if lib == "reseau" else (theirs, torch)
    sd = net.state_dict()
    kept = {k: v.clone() for k, v in sd.items()}  # the "best weights" idiom
    deep = copy.deepcopy(sd)
    sd["0.weight"].copy_(mod.ones(4, 3))  # writes through to the parameter
    sd["3.bias"].mul_(0)
    assert (net[0].weight.detach().numpy() == 1).all()
    assert (net[3].bias.detach().numpy() == 0).all()
    with mod.no_grad():  # an optimizer step in place shows in the state dict taken before
        net[3].weight.add_(10.0)
    np.testing.assert_array_equal(sd["3.weight"].numpy(), net[3].weight.detach().numpy())
    for copied in (kept, deep):  # clones and deep copies do not move
        assert type(copied["0.weight"]) is type(sd["0.weight"])
        assert not (copied["0.weight"].numpy() == 1).all()
        assert (copied["3.bias"].numpy() != 0).any()
        assert (copied["3.weight"].numpy() < 5).all()
    net.load_state_dict(kept)  # copies the values: kept stays independent
    kept["0.weight"].fill_(7.0)
    assert not (net[0].weight.detach().numpy() == 7).any()


def test_keep_vars_prefix_and_destination_as_in_torch():
    ours, theirs = _pair()
    mine, ref = ours.state_dict(keep_vars=True), theirs.state_dict(keep_vars=True)
    assert mine["0.weight"] is ours[0].weight and ref["0.weight"] is theirs[0].weight
    assert isinstance(mine["0.weight"], nn.Parameter) and mine["0.weight"].requires_grad
    assert mine["1.running_mean"] is ours[1].running_mean
    assert list(ours.state_dict(prefix="net.")) == list(theirs.state_dict(prefix="net."))
    assert list(ours.state_dict(prefix="net."))[0] == "net.0.weight"
    box = {"other": 1}
    assert ours.state_dict(destination=box, prefix="m.") is box
    assert list(box) == ["other"] + [f"m.{k}" for k in theirs.state_dict()]


def test_tied_weights_appear_under_each_name_sharing_memory():
    lin = nn.Linear(2, 2)
    tied = nn.Sequential(lin, nn.Tanh(), lin)
    ref_lin = torch.nn.Linear(2, 2)
    ref = torch.nn.Sequential(ref_lin, torch.nn.Tanh(), ref_lin)
    assert list(tied.state_dict()) == list(ref.state_dict())
    sd = tied.state_dict()
    sd["0.weight"].zero_()
    assert (sd["2.weight"].numpy() == 0).all()


def test_the_state_dict_converts_like_torch_tensors():
    ours, theirs = _pair()
    sd = ours.state_dict()
    # the idioms of course code: .numpy(), .shape, .numel(), .tolist(), torch.tensor(...)
    assert sum(v.numel() for v in sd.values()) == sum(
        v.numel() for v in theirs.state_dict().values())
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                               torch.nn.ReLU(), torch.nn.Linear(4, 2))
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    ours.eval(), twin.eval()
    np.testing.assert_allclose(ours(reseau.tensor(x)).detach().numpy(),
                               twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("suffix", ["npz", "pt", "safetensors"])
def test_reseau_load_of_plain_weights_gives_tensors(tmp_path, suffix):
    if suffix == "safetensors":
        pytest.importorskip("safetensors")
    ours, theirs = _pair()
    ours(reseau.randn(8, 3))  # running statistics move
    path = tmp_path / f"w.{suffix}"
    reseau.save(ours.state_dict(), path)
    loaded = reseau.load(path)
    assert isinstance(loaded, dict)
    assert sorted(loaded) == sorted(ours.state_dict())
    for key, value in ours.state_dict().items():
        assert type(loaded[key]) is reseau.Tensor
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key].numpy(), value.numpy())
    # writable and independent of the model: in place works, the model does not move
    loaded["0.weight"].add_(1.0)
    assert not np.array_equal(loaded["0.weight"].numpy(), ours[0].weight.detach().numpy())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(reseau.load(path))
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key].numpy(), value.numpy())
    if suffix == "pt":  # torch reads what reseau wrote, and torch.load agrees
        ref = torch.load(path, weights_only=True)
        assert list(ref) == list(reseau.load(path))
        theirs.load_state_dict(ref)


def test_npz_plain_weights_keep_the_file_order_and_numpy_readers_give_arrays(tmp_path):
    net = nn.MLP([2, 3, 2])
    path = tmp_path / "w.npz"
    reseau.save(net.state_dict(), path)
    assert type(reseau.load(path)) is OrderedDict
    assert list(reseau.load(path)) == list(net.state_dict())
    arrays = reseau.io.load_state_dict(path)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    assert list(arrays) == list(net.state_dict())
