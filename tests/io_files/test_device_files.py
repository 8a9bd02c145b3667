"""Model files and ``cuda`` (on the stand-in): a model or state dict on the device is
written from host arrays, in every format, and reads back on the cpu (by reseau and by
PyTorch); ``reseau.load(..., map_location="cuda")`` puts what it read on the device, as
``torch.load`` does; without CUDA, that request is refused before the file is read."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import reseau
from reseau import io, nn


def _model():
    reseau.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def _arrays(state) -> dict:
    return {k: v.detach().cpu().numpy() for k, v in state.items()}


def _same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("suffix", [".npz", ".pt", ".safetensors"])
def test_a_model_on_cuda_is_written_as_host_arrays(cuda, tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    model = _model()
    expected = _arrays(model.state_dict())
    model.to(cuda)
    path = tmp_path / f"m{suffix}"
    reseau.save(model if suffix == ".npz" else model.state_dict(), path)
    loaded = reseau.load(path)
    state = loaded.state_dict() if suffix == ".npz" else loaded
    assert all(v.device.type == "cpu" and type(v._array) is np.ndarray
               for v in state.values())
    _same(_arrays(state), expected)


def test_pytorch_reads_a_file_saved_from_cuda_on_its_cpu(cuda, tmp_path):
    torch = pytest.importorskip("torch")
    model = _model()
    expected = _arrays(model.state_dict())
    reseau.save(model.to(cuda).state_dict(), tmp_path / "m.pt")
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    assert {str(v.device) for v in state.values()} == {"cpu"}
    _same({k: v.numpy() for k, v in state.items()}, expected)


def test_map_location_moves_what_was_read(cuda, tmp_path):
    model = _model()
    expected = _arrays(model.state_dict())
    reseau.save(model, tmp_path / "m.npz")
    reseau.save({"model": model.state_dict(), "epoch": 3, "kept": [model[0].bias]},
                tmp_path / "ckpt.pt")
    on_cuda = reseau.load(tmp_path / "m.npz", map_location="cuda")
    assert {p.device for p in on_cuda.parameters()} == {reseau.device("cuda", 0)}
    _same(_arrays(on_cuda.state_dict()), expected)
    ckpt = reseau.load(tmp_path / "ckpt.pt", map_location=reseau.device("cuda", 1))
    assert type(ckpt["model"]) is collections.OrderedDict and ckpt["epoch"] == 3
    assert {str(v.device) for v in ckpt["model"].values()} == {"cuda:1"}
    assert ckpt["kept"][0].device == reseau.device("cuda", 1)
    _same(_arrays(ckpt["model"]), expected)
    # PyTorch's remapping of a GPU checkpoint for a CPU machine reads onto the cpu
    back = reseau.load(tmp_path / "ckpt.pt", map_location={"cuda:0": "cpu"})
    assert back["model"]["0.weight"].device.type == "cpu"
    # a state dict read onto the device loads into a model there
    target = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(cuda)
    target.load_state_dict(reseau.load(tmp_path / "m.npz", map_location="cuda").state_dict())
    _same(_arrays(target.state_dict()), expected)


def test_map_location_cuda_without_cuda_is_refused_first(no_cuda, tmp_path):
    reseau.save(_model(), tmp_path / "m.npz")
    with pytest.raises(RuntimeError, match=r"load: device 'cuda' is not available: CuPy is "
                                           r"not installed: pip install 'reseau\[cuda\]'"):
        reseau.load(tmp_path / "m.npz", map_location="cuda")
    assert reseau.load(tmp_path / "m.npz", map_location="cpu")[0].weight.device.type == "cpu"


def test_onnx_export_of_a_cuda_model_traces_a_host_copy(cuda, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = _model().to(cuda)
    x = reseau.randn(5, 3, device=cuda)
    reseau.onnx.export(model, x, tmp_path / "m.onnx")
    assert next(model.parameters()).device.type == "cuda"  # the model stays where it was
    expected = model(x).detach().cpu().numpy()
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    np.testing.assert_allclose(session.run(None, {"input": x.cpu().numpy()})[0], expected,
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(
        reseau.load(tmp_path / "m.onnx")(x.cpu()).detach().numpy(), expected)
