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


# --- issue 17, items 2, 6, 7: forged and malformed model files, each refused in one line
def entries_of(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def forge(path, out, meta_change=None, **arrays):
    """A copy of the model file ``path`` with its JSON description changed by
    ``meta_change`` (a function of the dict) and entries replaced by ``arrays``."""
    import json

    entries = entries_of(path)
    meta = json.loads(bytes(entries["__reseau__"]).decode())
    if meta_change is not None:
        meta = meta_change(meta) or meta
    entries.update(arrays)
    entries["__reseau__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(out, **entries)
    return out


def test_an_architecture_larger_than_the_stored_weights_is_refused_without_init(
        tmp_path, monkeypatch):
    import tracemalloc

    path = io.save(nn.Linear(2, 2), tmp_path / "m.npz")
    many = {"type": "Sequential", "children": [
        [str(k), {"type": "Linear", "in_features": 1000, "out_features": 1000}]
        for k in range(50)]}
    forged = forge(path, tmp_path / "many.npz",
                   lambda meta: meta.update(architecture=many))

    def drawn(*args, **kwargs):
        raise AssertionError("a layer was initialised only to be overwritten")

    monkeypatch.setattr(nn.init, "kaiming_uniform_", drawn)
    tracemalloc.start()
    with pytest.raises(ModelFileError, match="declares more weights than the 6 values the "
                                             "file stores \\(at Linear\\)"):
        io.load(forged)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6  # one layer reserved (4 MB), not fifty (200 MB)
    assert nn.init.kaiming_uniform_ is drawn  # the initialisers are given back
    huge = forge(path, tmp_path / "huge.npz", lambda meta: meta.update(architecture={
        "type": "Linear", "in_features": 10**12, "out_features": 10**12}))
    with pytest.raises(ModelFileError, match="holds the size 1,000,000,000,000, larger than "
                                             "the 6 values"):
        io.load(huge)
    long = forge(path, tmp_path / "long.npz", lambda meta: meta.update(architecture={
        "type": "MLP", "sizes": [1] * 100_000}))
    with pytest.raises(ModelFileError, match="describes more than 10,006 items"):
        io.load(long)


def test_loading_runs_no_initialiser_and_keeps_the_saved_weights(tmp_path, monkeypatch):
    reseau.manual_seed(4)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
    mlp = nn.MLP([3, 5, 2], activation="relu")
    io.save(net, tmp_path / "s.npz")
    io.save(mlp, tmp_path / "m.npz")

    def drawn(*args, **kwargs):
        raise AssertionError("initialised")

    for name in ("kaiming_uniform_", "uniform_", "ones_", "zeros_"):
        monkeypatch.setattr(nn.init, name, drawn)
    x = inputs(d=3)
    np.testing.assert_array_equal(io.load(tmp_path / "s.npz")(x)._array, net(x)._array)
    np.testing.assert_array_equal(io.load(tmp_path / "m.npz")(x)._array, mlp(x)._array)
    with pytest.raises(ModelFileError, match="initialised"):  # building anew initialises
        io.architecture.__globals__["build"](io.read_info(tmp_path / "m.npz")["architecture"])


def test_deeply_nested_json_is_a_model_file_error_not_a_recursion_error(tmp_path):
    path = io.save(nn.Linear(2, 2), tmp_path / "m.npz")
    entries = entries_of(path)
    text = bytes(entries["__reseau__"]).decode()
    deep = text[:-1] + ', "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"
    entries["__reseau__"] = np.frombuffer(deep.encode(), dtype=np.uint8)
    np.savez(tmp_path / "deep.npz", **entries)
    with pytest.raises(ModelFileError, match="description \\(JSON\\) nests 100,001 levels deep"):
        io.load(tmp_path / "deep.npz")
    nested = {"type": "Sequential", "children": [["0", {"type": "Tanh"}]]}
    for _ in range(60):  # 60 Sequentials in one another: 181 levels of JSON
        nested = {"type": "Sequential", "children": [["0", nested]]}
    forged = forge(path, tmp_path / "nested.npz", lambda m: m.update(architecture=nested))
    with pytest.raises(ModelFileError, match="nests 18[0-9] levels deep"):
        io.load(forged)


@pytest.mark.parametrize("classes,words", [
    ([], r"the classes \[\]; a classifier needs a list of at least two distinct labels"),
    (["cat"], r"the classes \['cat'\]"), ([1, 1], r"the classes \[1, 1\]"),
    ("ab", "the classes 'ab'"), ([[1], [2]], r"\[\[1\], \[2\]\]")])
def test_saved_classes_must_be_two_distinct_labels_or_more(tmp_path, classes, words):
    path = io.save(nn.Linear(2, 2), tmp_path / "m.npz",
                   config={"preprocessing": {"classes": ["a", "b"]}})
    assert io.read_info(path)["config"]["preprocessing"]["classes"] == ["a", "b"]
    forged = forge(path, tmp_path / "c.npz",
                   lambda m: m["config"]["preprocessing"].update(classes=classes))
    with pytest.raises(ModelFileError, match=words):
        io.read_info(forged)


def test_nan_and_infinite_weights_are_refused_at_load(tmp_path):
    path = io.save(nn.Linear(2, 3), tmp_path / "m.npz")
    weight = entries_of(path)["weight"]
    nan = weight.copy()
    nan[0, :] = np.nan
    bad = forge(path, tmp_path / "nan.npz", weight=nan)
    with pytest.raises(ModelFileError, match="entry 'weight' holds 2 NaN and 0 infinite values "
                                             r"\(of 6\); the training that saved it diverged"):
        io.load(bad)
    with pytest.raises(ModelFileError, match="NaN"):
        io.load_state_dict(bad)
    inf = weight.copy()
    inf[1, 1] = -np.inf
    with pytest.raises(ModelFileError, match="0 NaN and 1 infinite"):
        io.load(forge(path, tmp_path / "inf.npz", weight=inf))


@pytest.mark.parametrize("array,words", [
    (np.ones((3, 2), np.complex64), "not an array of real numbers \\(dtype complex64\\)"),
    (np.array(["a", "b"]), "not an array of real numbers \\(dtype <U1\\)"),
    (np.zeros(2, dtype=[("a", "f4")]), "not an array of real numbers"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64")])
def test_entries_of_the_wrong_dtype_are_refused(tmp_path, array, words):
    path = io.save(nn.Linear(2, 3), tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match=words):
        io.load(forge(path, tmp_path / "bad.npz", weight=array))


@pytest.mark.parametrize("change,words", [
    (lambda m: m.update(format_version="1"), "format_version is '1', not an integer"),
    (lambda m: m.update(tensors="weight"), "do not match its description"),
    (lambda m: m.update(training="yes"), "'training' is a str"),
    (lambda m: m.update(config=[1]), "'config' is a list"),
    (lambda m: m.update(architecture=5), "'architecture' is a int"),
    (lambda m: m.update(architecture={"type": "Linear", "in_features": "two",
                                      "out_features": 3}), "cannot build Linear from"),
    (lambda m: m.update(architecture={"type": "MLP", "sizes": [2, 0, 3]}),
     r"cannot build MLP from \{'sizes': \[2, 0, 3\]\}: MLP: sizes must"),
    (lambda m: m.update(architecture={"type": "Sequential", "children": [
        ["0", {"type": "Tanh"}], ["0", {"type": "Tanh"}]]}), "repeated"),
    (lambda m: m.update(format="pickle"), "does not name a reseau format")])
def test_descriptions_with_fields_of_the_wrong_type_are_refused(tmp_path, change, words):
    path = io.save(nn.Linear(2, 3), tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match=words) as err:
        io.load(forge(path, tmp_path / "bad.npz", change))
    assert "\n" not in str(err.value)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_an_entry_stored_twice_is_refused(tmp_path):
    path = io.save(nn.Linear(2, 3), tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "twice.npz", "w") as z:
        for key, value in entries_of(path).items():
            z.writestr(key + ".npy", _npy_bytes(value))
        z.writestr("weight.npy", _npy_bytes(np.zeros((3, 2), np.float32)))
    with pytest.raises(ModelFileError, match="entry 'weight' appears twice"):
        io.load(tmp_path / "twice.npz")


def _npy_bytes(array):
    import io as bytes_io

    buffer = bytes_io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_a_header_declaring_more_bytes_than_the_entry_holds_is_refused(tmp_path):
    header = _npy_bytes(np.zeros((3, 2), np.float32))
    short = header.replace(b"(3, 2)", b"(3, 9)")  # same length: 72 bytes declared, 24 held
    assert len(short) == len(header)
    with zipfile.ZipFile(tmp_path / "short.npz", "w") as z:
        z.writestr("weight.npy", short)
    with pytest.raises(ModelFileError, match=r"entry 'weight' declares an array of shape "
                                             r"\(3, 9\) \(108 bytes\) but holds 24 bytes"):
        io.load_state_dict(tmp_path / "short.npz")


@pytest.mark.parametrize("make,words", [
    (lambda p: forge(io.save(nn.Linear(2, 3), p / "m.npz"), p / "nan.npz",
                     weight=np.full((3, 2), np.nan, np.float32)), "holds 6 NaN"),
    (lambda p: (p / "data.csv").write_text("a,b\n1,2\n") and p / "data.csv", "CSV data"),
    (lambda p: p, "is a folder, not a model file"),
])
def test_the_cli_prints_the_one_line(tmp_path, capsys, make, words):
    from reseau.cli import main

    path = make(tmp_path)
    status = main(["evaluate", str(path)])
    err = capsys.readouterr().err
    assert status == 1 and words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_json_depth_is_linear_on_hostile_strings():
    import time

    from reseau.io.limits import json_depth

    assert json_depth(b'{"a": "[[[", "b": [1, [2]], "c": "\\\\"}') == 3
    start = time.perf_counter()
    # an unterminated string then 200,000 escaped quotes: quadratic stripping of strings
    # took minutes here
    assert json_depth(b'"' + b'\\"' * 200_000 + b"\\") == 0
    assert json_depth(b'[' * 300_000 + b'"]]"') == 300_000
    assert time.perf_counter() - start < 5
