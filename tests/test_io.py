"""reseau.io: round trips, atomic writes, and refusing bad files without running code."""

import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import reseau
from reseau import files, io, nn
from reseau.io import ModelFileError


def inputs(n=16, d=2, seed=0):
    return reseau.tensor(np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32))


def test_mlp_round_trip_gives_identical_predictions_and_config(tmp_path):
    reseau.manual_seed(0)
    net = nn.MLP([2, 4, 2], activation="tanh")
    path = io.save(net, tmp_path / "net.npz", config={"lr": 0.1, "hidden": [4]},
                   metadata={"epoch": np.int64(3)})
    loaded = io.load(path)
    assert type(loaded) is nn.MLP and loaded.sizes == [2, 4, 2]
    assert isinstance(loaded[1], nn.Tanh)
    x = inputs()
    np.testing.assert_array_equal(loaded(x)._array, net(x)._array)
    info = io.read_info(path)
    assert info["config"] == {"lr": 0.1, "hidden": [4]} and info["metadata"] == {"epoch": 3}
    assert info["class"] == "reseau.nn.mlp.MLP"
    assert info["tensors"] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_of_known_layers_with_buffers_dtype_and_mode(tmp_path):
    reseau.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.LeakyReLU(0.2),
                        nn.Dropout(0.3), nn.Linear(5, 4, bias=False), nn.Softmax(dim=1))
    net.double()
    net(reseau.randn(8, 3, dtype="float64"))      # moves BatchNorm's running statistics
    net.eval()
    io.save(net, tmp_path / "seq.npz")
    loaded = io.load(tmp_path / "seq.npz")
    assert type(loaded) is nn.Sequential and not loaded.training
    assert loaded[2].negative_slope == 0.2 and loaded[3].p == 0.3 and loaded[4].bias is None
    assert loaded[0].weight.dtype == np.float64
    np.testing.assert_array_equal(loaded[1].running_mean._array, net[1].running_mean._array)
    x = reseau.randn(6, 3, dtype="float64")
    np.testing.assert_array_equal(loaded(x)._array, net(x)._array)


def test_a_changed_mlp_loads_as_its_layers(tmp_path):
    reseau.manual_seed(2)
    net = nn.MLP([2, 3, 3, 1], activation="relu", dropout=0.1)
    net.append(nn.Sigmoid())
    net.eval()
    io.save(net, tmp_path / "m.npz")
    loaded = io.load(tmp_path / "m.npz")
    assert [type(m).__name__ for m in loaded] == [type(m).__name__ for m in net]
    np.testing.assert_array_equal(loaded(inputs())._array, net(inputs())._array)


def test_loading_does_not_move_the_seeded_random_stream(tmp_path):
    io.save(nn.MLP([2, 64, 2]), tmp_path / "m.npz")
    reseau.manual_seed(5)
    expected = reseau.rand(3)._array
    reseau.manual_seed(5)
    io.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(reseau.rand(3)._array, expected)


class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x).tanh()


def test_custom_classes_load_into_a_model_built_in_python(tmp_path):
    reseau.manual_seed(3)
    net = Custom()
    io.save(net, tmp_path / "c.npz")
    with pytest.raises(ModelFileError, match="custom model class.*Custom.*model=MyNet"):
        io.load(tmp_path / "c.npz")
    other = io.load(tmp_path / "c.npz", model=Custom())
    np.testing.assert_array_equal(other(inputs())._array, net(inputs())._array)
    with pytest.raises(ModelFileError, match="(?s)do not fit the model.*size mismatch"):
        io.load(tmp_path / "c.npz", model=nn.Sequential({"fc": nn.Linear(3, 2)}))


def test_state_dict_round_trip(tmp_path):
    net = nn.MLP([2, 3, 2])
    io.save_state_dict(net, tmp_path / "w.npz")
    state = io.load_state_dict(tmp_path / "w.npz")
    assert list(state) == list(net.state_dict())
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(state[k], v)
    # like torch.load, load() gives a file of plain weights back as a state dict
    loaded = io.load(tmp_path / "w.npz")
    assert isinstance(loaded, dict) and list(loaded) == list(net.state_dict())
    fresh = io.load(tmp_path / "w.npz", model=nn.MLP([2, 3, 2]))
    np.testing.assert_array_equal(fresh(inputs())._array, net(inputs())._array)
    # a plain .npz of numeric arrays is a fine state dict, but not a model file
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    assert io.load_state_dict(tmp_path / "plain.npz")["w"].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ModelFileError, match="without reseau's description.*load_state_dict"):
        io.load(tmp_path / "plain.npz")


def test_truncated_and_corrupted_files_are_refused(tmp_path):
    path = io.save(nn.MLP([2, 16, 2]), tmp_path / "m.npz")
    data = path.read_bytes()
    for cut in (len(data) // 2, 20):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated or corrupted"):
            io.load(bad)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a model\n" * 10)
    with pytest.raises(ModelFileError, match="not a reseau model file"):
        io.load(garbage)
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match="single NumPy array"):
        io.load(tmp_path / "one.npy")
    with pytest.raises(FileNotFoundError, match="no file at"):
        io.load(tmp_path / "missing.npz")


class Exploit:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_objects_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    raw = tmp_path / "model.pkl"
    raw.write_bytes(pickle.dumps(Exploit(marker)))
    with pytest.raises(ModelFileError, match="pickled Python object.*arbitrary code"):
        io.load(raw)
    # a reseau file whose weights entry was replaced by a pickled object array
    path = io.save(nn.Linear(2, 2), tmp_path / "m.npz")
    with np.load(path) as f:
        entries = {k: f[k] for k in f.files}
    entries["weight"] = np.array([Exploit(marker)], dtype=object)
    np.savez(tmp_path / "evil.npz", **entries)
    with pytest.raises(ModelFileError, match="'weight' is a pickled Python object"):
        io.load(tmp_path / "evil.npz")
    with pytest.raises(ModelFileError, match="pickled"):
        io.load_state_dict(tmp_path / "evil.npz")
    assert not marker.exists()


def test_forged_architecture_cannot_name_arbitrary_classes(tmp_path):
    path = io.save(nn.Linear(2, 2), tmp_path / "m.npz")
    with np.load(path) as f:
        entries = {k: f[k] for k in f.files}
    meta = bytes(entries["__reseau__"]).decode().replace('"Linear"', '"Module"')
    entries["__reseau__"] = np.frombuffer(meta.encode(), dtype=np.uint8)
    np.savez(tmp_path / "forged.npz", **entries)
    with pytest.raises(ModelFileError, match="unknown layer type 'Module'"):
        io.load(tmp_path / "forged.npz")


def test_writes_are_atomic(tmp_path):
    path = tmp_path / "m.npz"
    io.save(nn.Linear(2, 2), path)
    before = path.read_bytes()

    def crash(f):
        f.write(b"half a file")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with files.atomic_open(path) as f:
            crash(f)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]
    assert zipfile.is_zipfile(path)
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        io.save(nn.Linear(2, 2), tmp_path / "nowhere" / "m.npz")
    with pytest.raises(TypeError, match="cannot be stored as JSON"):
        io.save(nn.Linear(2, 2), path, config={"f": object()})
    assert path.read_bytes() == before


def test_pytorch_style_state_dict_save_and_load(tmp_path):
    # torch.save(model.state_dict(), "m.pt"); model.load_state_dict(torch.load("m.pt"))
    import reseau

    net = nn.MLP([2, 3, 2])
    reseau.save(net.state_dict(), tmp_path / "m.pt")
    assert (tmp_path / "m.pt").exists()
    other = nn.MLP([2, 3, 2])
    other.load_state_dict(reseau.load(tmp_path / "m.pt"))
    np.testing.assert_array_equal(other(inputs())._array, net(inputs())._array)


# Files written by the io.py of reseau 0.1.0 (format 1), before each layer declared its
# own constructor arguments: they must keep loading, to the same predictions.
OLD_FILES = Path(__file__).parent / "io_files"


def test_files_saved_by_the_previous_io_load_to_the_same_predictions():
    with np.load(OLD_FILES / "expected_v1.npz") as f:
        expected = {k: f[k] for k in f.files}
    x = reseau.tensor(expected["x"])
    mlp = io.load(OLD_FILES / "mlp_v1.npz")
    assert type(mlp) is nn.MLP and mlp.sizes == [3, 5, 4, 2] and not mlp.training
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Dropout"] * 2 + [
        "Linear", "Softmax"]
    assert mlp[2].p == 0.25 and mlp[-1].dim == -1
    seq = io.load(OLD_FILES / "sequential_v1.npz")
    assert type(seq) is nn.Sequential and seq[4].p == 0.1 and seq[5].bias is None
    assert (seq[3].negative_slope, seq[6].beta, seq[7].approximate) == (0.2, 2.0, "tanh")
    changed = io.load(OLD_FILES / "changed_mlp_v1.npz")
    assert type(changed) is nn.Sequential       # an MLP whose second activation was replaced
    assert [type(m).__name__ for m in changed] == ["Linear", "Sigmoid", "Linear", "SiLU",
                                                   "Linear", "Tanh"]
    for name, model in [("mlp", mlp), ("seq", seq), ("changed", changed)]:
        np.testing.assert_array_equal(model(x)._array, expected[name])
    listed = io.load(OLD_FILES / "modulelist_v1.npz")
    assert [type(m).__name__ for m in listed] == ["Linear", "ReLU", "Sigmoid", "Tanh",
                                                  "LogSigmoid", "Softmax"]
    weights = io.load(OLD_FILES / "state_dict_v1.npz")
    np.testing.assert_array_equal(weights["0.weight"], mlp[0].weight._array)


@pytest.mark.parametrize("name", ["mlp", "sequential", "modulelist"])
def test_the_architecture_written_today_is_the_one_of_the_old_files(name):
    path = OLD_FILES / f"{name}_v1.npz"
    assert io.architecture(io.load(path)) == io.read_info(path)["architecture"]


def test_the_architecture_of_a_changed_mlp_is_the_one_of_the_old_file():
    changed = nn.MLP([3, 4, 4, 2], activation="sigmoid")
    changed[3] = nn.SiLU()
    changed.append(nn.Tanh())
    saved = io.read_info(OLD_FILES / "changed_mlp_v1.npz")["architecture"]
    assert io.architecture(changed) == saved and saved["type"] == "MLP"


def test_each_layer_declares_the_arguments_that_rebuild_it():
    assert nn.Linear(3, 2, bias=False).init_kwargs() == {
        "in_features": 3, "out_features": 2, "bias": False}
    assert nn.LeakyReLU(0.3).init_kwargs() == {"negative_slope": 0.3}
    assert nn.BatchNorm1d(4, momentum=None).init_kwargs() == {
        "num_features": 4, "eps": 1e-5, "momentum": None, "affine": True,
        "track_running_stats": True}
    assert nn.ReLU().init_kwargs() == {} and nn.Module().init_kwargs() is None
    mlp = nn.MLP([2, 3, 1], activation="tanh", output_activation="sigmoid", dropout=0.5)
    kwargs = mlp.init_kwargs()
    assert isinstance(kwargs.pop("activation"), nn.Tanh)
    assert isinstance(kwargs.pop("output_activation"), nn.Sigmoid)
    assert kwargs == {"sizes": [2, 3, 1], "dropout": 0.5, "bias": True}


class Scaled(nn.Module):
    """A custom layer, declared like reseau's own, but not one of reseau.nn."""

    init_args = ("factor",)

    def __init__(self, factor=2.0):
        super().__init__()
        self.factor = factor


def test_only_exact_reseau_classes_are_described():
    class MyReLU(nn.ReLU):
        pass

    assert io.architecture(Scaled()) is None
    assert io.architecture(nn.Sequential(nn.Linear(2, 2), MyReLU())) is None
    assert io.architecture(nn.Sequential(nn.Tanh())) == {
        "type": "Sequential", "children": [["0", {"type": "Tanh"}]]}


def test_load_takes_torch_load_arguments(tmp_path):
    # torch.save(model.state_dict(), path); model.load_state_dict(torch.load(path, ...))
    net = reseau.nn.Linear(3, 2)
    path = tmp_path / "model.pth"
    reseau.save(net.state_dict(), path)
    twin = reseau.nn.Linear(3, 2)
    twin.load_state_dict(reseau.load(path, weights_only=True, map_location="cpu"))
    np.testing.assert_array_equal(twin.weight._array, net.weight._array)
    twin.load_state_dict(reseau.load(path, map_location=reseau.device("cpu")))
    with pytest.raises(RuntimeError, match="load: device 'cuda:0' is not available"):
        reseau.load(path, map_location="cuda:0")
