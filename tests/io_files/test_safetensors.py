"""safetensors files: round trips with PyTorch's safetensors.torch both ways, loading into
a module, metadata, atomic writes, and hostile headers refused before the package reads
them (issue 14 section 3)."""

import json
import os
import struct

import numpy as np
import pytest

import reseau
from reseau import io, nn
from reseau.io import ModelFileError

pytest.importorskip("safetensors")


def write_raw(path, header: dict, data: bytes, declared: int | None = None):
    text = json.dumps(header).encode()
    size = len(text) if declared is None else declared
    path.write_bytes(struct.pack("<Q", size) + text + data)
    return path


def test_reseau_writes_what_safetensors_torch_reads(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    reseau.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    net(reseau.randn(16, 4))  # running statistics move
    reseau.save(net, tmp_path / "net.safetensors")
    state = load_file(tmp_path / "net.safetensors")
    assert sorted(state) == sorted(net.state_dict())  # safetensors orders by dtype, name
    for key, value in net.state_dict().items():
        value = np.asarray(value)
        assert state[key].dtype == {np.float32: torch.float32, np.int64: torch.int64}[
            value.dtype.type]
        np.testing.assert_array_equal(state[key].numpy(), value)
    # the PyTorch twin of the network computes what reseau computes
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8),
                               torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()
    twin.load_state_dict(state)
    net.eval()
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(net(reseau.tensor(x))._array,
                               twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-6,
                               atol=1e-6)


def test_reseau_reads_what_safetensors_torch_writes(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    twin = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    save_file(twin.state_dict(), tmp_path / "torch.safetensors", metadata={"epoch": "7"})
    state = reseau.load(tmp_path / "torch.safetensors")
    # Tensors, as safetensors.torch.load_file gives; io.load_safetensors gives arrays
    assert all(type(v) is reseau.Tensor for v in state.values())
    arrays = io.load_safetensors(tmp_path / "torch.safetensors")
    assert all(isinstance(v, np.ndarray) for v in arrays.values()) and list(arrays) == list(state)
    assert io.read_safetensors_metadata(tmp_path / "torch.safetensors") == {"epoch": "7"}
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    net.load_state_dict(state)
    x = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(net(reseau.tensor(x))._array,
                               twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-6,
                               atol=1e-6)
    # load(path, model=...) fills the module given and returns it
    other = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    assert reseau.load(tmp_path / "torch.safetensors", model=other) is other
    np.testing.assert_array_equal(other[2].weight._array, twin[2].weight.detach().numpy())
    with pytest.raises(ModelFileError, match="do not fit the model"):
        reseau.load(tmp_path / "torch.safetensors", model=nn.Linear(3, 2))


def test_dtypes_round_trip_and_bfloat16_widens_exactly(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    arrays = {"f64": np.arange(3.0), "f16": np.ones(2, np.float16), "i8": np.arange(
        4, dtype=np.int8), "b": np.array([True, False]), "scalar": np.array(2.5, np.float32)}
    io.save_safetensors(arrays, tmp_path / "d.safetensors", metadata={"note": "dtypes"})
    back = reseau.load(tmp_path / "d.safetensors")
    for key, value in arrays.items():
        assert back[key].dtype == value.dtype and back[key].shape == value.shape
        np.testing.assert_array_equal(back[key], value)
    assert load_file(tmp_path / "d.safetensors")["scalar"].shape == ()
    values = torch.tensor([1.5, -2.25, 3.0e38, 1e-3], dtype=torch.bfloat16)
    save_file({"w": values, "x": torch.ones(2)}, tmp_path / "bf16.safetensors")
    back = reseau.load(tmp_path / "bf16.safetensors")
    assert back["w"].dtype == np.float32 and sorted(back) == ["w", "x"]
    np.testing.assert_array_equal(back["w"], values.float().numpy())


def test_metadata_must_be_strings_and_writes_are_atomic(tmp_path):
    path = tmp_path / "w.safetensors"
    io.save_safetensors(nn.Linear(2, 2), path, metadata={"epoch": "3"})
    before = path.read_bytes()
    with pytest.raises(TypeError, match="metadata maps strings to strings"):
        reseau.save(nn.Linear(2, 2), path, metadata={"epoch": 3})
    with pytest.raises(TypeError, match="not an array of real numbers"):
        io.save_safetensors({"w": np.array(["a"])}, path)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    import safetensors.numpy

    original = safetensors.numpy.save_file
    safetensors.numpy.save_file = crash
    try:
        with pytest.raises(KeyboardInterrupt):
            reseau.save(nn.Linear(2, 2), path)
    finally:
        safetensors.numpy.save_file = original
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["w.safetensors"]


ENTRY = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
HOSTILE = [  # (header, data, declared header size or None, words of the message)
    ({"w": ENTRY}, bytes(8), 1 << 62, r"header declares 4,611,686,018,427,387,904 bytes"),
    ({"w": {**ENTRY, "shape": [1 << 40, 1 << 40]}}, bytes(8), None, "needs .* bytes"),
    ({"w": {**ENTRY, "data_offsets": [0, 1 << 40]}}, bytes(8), None, "offsets"),
    ({"w": {**ENTRY, "dtype": "C64"}}, bytes(8), None, "unknown dtype 'C64'"),
    ({"w": ENTRY, "v": ENTRY}, bytes(8), None, "overlap or leave holes"),
    ({"w": ENTRY}, bytes(16), None, "cover 8 bytes of its 16"),
    ({"w": {**ENTRY, "shape": [-2]}}, bytes(8), None, "shape"),
    ({"w": ENTRY, "__metadata__": {"a": 1}}, bytes(8), None, "not a map of strings"),
    ({"w": {"dtype": "F32", "shape": [2]}}, bytes(8), None, "dtype, shape and data_offsets"),
    ({"w": {**ENTRY, "dtype": "F8_E4M3", "shape": [8]}}, bytes(8), None,
     "NumPy cannot hold"),
]


@pytest.mark.parametrize("header,data,declared,words", HOSTILE)
def test_hostile_headers_are_refused_before_the_package_reads_them(tmp_path, header, data,
                                                                   declared, words):
    path = write_raw(tmp_path / "bad.safetensors", header, data, declared)
    with pytest.raises(ModelFileError, match=words):
        io.load_safetensors(path)


def test_deeply_nested_headers_are_refused_without_recursion(tmp_path):
    text = b'{"w": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    path = tmp_path / "deep.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    with pytest.raises(ModelFileError, match="nests 50,001 levels deep|nests 50001 levels"):
        reseau.load(path)
