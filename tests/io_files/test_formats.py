"""reseau.load tells the formats apart by content, and names what any other file looks like
(issue 14 section 2, issue 17 item 7)."""

import gzip
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import reseau
from reseau import io, nn
from reseau.io import ModelFileError

ALIEN = [  # (file name, content, detected kind, words the message must hold)
    ("data.csv", b"sepal,petal,species\n5.1,1.4,setosa\n4.9,1.4,setosa\n", "csv",
     r"CSV data \(3 columns separated by ','\).*data set, not a model"),
    ("semi.npz", b"a;b\n1;2\n3;4\n", "csv", r"CSV data \(2 columns separated by ';'\)"),
    ("tabs.pt", b"a\tb\n1\t2\n", "csv", "separated by tab"),
    ("notes.pt", "Résumé of the run\nloss went down\n".encode(), "text",
     "plain text \\(first line 'Résumé of the run'\\)"),
    ("config.npz", b'{"lr": 0.1, "layers": [2, 3]}', "json", "JSON text"),
    ("list.pt", b"  [1, 2, 3]", "json", "JSON text"),
    ("img.npz", b"\x89PNG\r\n\x1a\n" + bytes(40), "png", "a PNG image"),
    ("photo.pt", b"\xff\xd8\xff\xe0" + bytes(40), "jpeg", "a JPEG image"),
    ("anim.npz", b"GIF89a" + bytes(40), "gif", "a GIF image"),
    ("paper.pt", b"%PDF-1.7\n" + bytes(40), "pdf", "a PDF document"),
    ("model.npz.gz", gzip.compress(b"abc"), "gzip", r"gzip-compressed data.*gunzip"),
    ("keras.h5", b"\x89HDF\r\n\x1a\n" + bytes(40), "hdf5", r"HDF5 file.*Keras.*ONNX"),
    ("empty.npz", b"", "empty", r"an empty file \(0 bytes\)"),
    ("random.bin", bytes(range(7, 70)), "binary",
     r"binary data of no format reseau knows \(first bytes 07 08 09 0a"),
    ("one.npy", None, "npy", "single NumPy array"),
    ("proto4.pt", pickle.dumps({"w": [1.0]}, protocol=4), "pickle",
     r"pickled Python object \(protocol 4\).*arbitrary code"),
    ("proto0.npz", pickle.dumps({"w": [1.0]}, protocol=0), "pickle",
     r"pickled Python object \(protocol 0 or 1\)"),
]


@pytest.mark.parametrize("name,content,kind,words", ALIEN, ids=[a[0] for a in ALIEN])
def test_a_file_that_is_no_model_is_named_for_what_it_looks_like(tmp_path, name, content,
                                                                  kind, words):
    path = tmp_path / name
    if content is None:
        np.save(path, np.zeros(3))
        path = tmp_path / "one.npy"
    else:
        path.write_bytes(content)
    assert io.detect(path) == kind
    with pytest.raises(ModelFileError, match=words) as err:
        reseau.load(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    if kind != "pickle":
        assert "pickle" not in message  # only a real pickle stream is called one


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe")  # opening it to read would block until a writer comes
    assert io.detect(tmp_path / "pipe") == "special"
    with pytest.raises(ModelFileError, match="a device, pipe or socket, not a regular file"):
        reseau.load(tmp_path / "pipe")


def test_other_zip_archives_and_damaged_ones(tmp_path):
    with zipfile.ZipFile(tmp_path / "docs.zip", "w") as z:
        z.writestr("readme.txt", "hi")
        z.writestr("notes/a.md", "x")
    with pytest.raises(ModelFileError, match=r"a zip archive \(readme.txt, notes/a.md\)"):
        reseau.load(tmp_path / "docs.zip")
    data = io.save(nn.Linear(3, 2), tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    assert io.detect(tmp_path / "cut.npz") == "npz-damaged"
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        reseau.load(tmp_path / "cut.npz")


def test_a_folder_points_to_the_model_inside(tmp_path):
    run = tmp_path / "runs" / "mlp"
    run.mkdir(parents=True)
    with pytest.raises(ModelFileError, match="is a folder.*a run folder of reseau train"):
        reseau.load(run)
    (run / "weights.safetensors").write_bytes(b"")
    with pytest.raises(ModelFileError, match="holds weights.safetensors"):
        reseau.load(run)
    io.save(nn.Linear(2, 2), run / "model.npz")
    with pytest.raises(ModelFileError, match=f"the model of a run folder is {run}/model.npz"):
        reseau.load(run)
    with pytest.raises(FileNotFoundError, match="no file at"):
        reseau.load(run / "nothing.pt")


def test_formats_are_told_by_content_not_by_name(tmp_path):
    pytest.importorskip("safetensors")
    reseau.manual_seed(0)
    net = nn.Linear(3, 2)
    # each format written under a misleading name still loads as what it is
    io.save(net, tmp_path / "a.safetensors")
    (tmp_path / "a.safetensors").rename(tmp_path / "weights.npz")
    assert io.detect(tmp_path / "weights.npz") == "safetensors"
    state = reseau.load(tmp_path / "weights.npz")
    np.testing.assert_array_equal(state["weight"], net.weight._array)
    io.save(net, tmp_path / "b.npz")
    (tmp_path / "b.npz").rename(tmp_path / "model.safetensors")
    assert io.detect(tmp_path / "model.safetensors") == "npz"
    assert isinstance(reseau.load(tmp_path / "model.safetensors"), nn.Linear)
    assert io.describe(tmp_path / "model.safetensors") == "a reseau .npz model file"


def test_legacy_pytorch_files_are_refused_with_the_way_to_resave_them(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    assert io.detect(tmp_path / "old.pt") == "pt-legacy"
    with pytest.raises(ModelFileError, match=r"legacy format.*torch.save\(torch.load"):
        reseau.load(tmp_path / "old.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "new.pt")
    assert io.detect(tmp_path / "new.pt") == "pt"


def test_onnx_files_are_recognised_by_their_first_fields(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 2])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 2])])
    model = helper.make_model(graph, producer_name="test")
    onnx.save(model, tmp_path / "relu.bin")  # no .onnx name: told by content
    assert io.detect(tmp_path / "relu.bin") == "onnx"


def test_npz_functions_refuse_other_formats_by_name(tmp_path):
    pytest.importorskip("safetensors")
    io.save(nn.Linear(2, 2), tmp_path / "w.safetensors")
    with pytest.raises(ModelFileError, match="is a safetensors file.*reseau.load"):
        io.read_info(tmp_path / "w.safetensors")
    with pytest.raises(ModelFileError, match="CSV data"):
        (tmp_path / "d.csv").write_text("a,b\n1,2\n")
        io.load_state_dict(tmp_path / "d.csv")


def test_save_chooses_the_format_by_extension(tmp_path):
    pytest.importorskip("safetensors")
    net = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"needs an example input.*reseau.onnx.export"):
        reseau.save(net, tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="config and state_dict are stored in reseau's .npz"):
        reseau.save(net, tmp_path / "m.safetensors", config={"lr": 0.1})
    assert not list(tmp_path.iterdir())
    assert io.detect(reseau.save(net, tmp_path / "m.bin")) == "npz"
    assert io.detect(reseau.save(net, tmp_path / "m.st.safetensors")) == "safetensors"


def test_safetensors_header_is_read_as_json_object_only(tmp_path):
    # a file whose 8 first bytes happen to be a small number followed by '{' is
    # safetensors-shaped; its damaged header is then refused as such
    header = b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}'  # no closing
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(8))
    assert io.detect(path) == "safetensors"
    with pytest.raises(ModelFileError, match="header \\(JSON\\) is not valid JSON"):
        reseau.load(path)
    assert json.loads(header + b"}")  # the same header closed is fine


def test_pt_files_go_through_the_pytorch_reader_and_writer(tmp_path):
    torch = pytest.importorskip("torch")
    reseau.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    path = reseau.save(net, tmp_path / "net.pth")
    assert io.detect(path) == "pt"
    state = torch.load(path, weights_only=True)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(state[key].numpy(), np.asarray(value))
    twin = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    assert reseau.load(path, model=twin, map_location="cpu") is twin
    x = reseau.randn(5, 3)
    np.testing.assert_array_equal(twin(x)._array, net(x)._array)
    net.double()  # the saved dtype is kept, as for .npz files
    reseau.load(reseau.save(net, tmp_path / "net64.pt"), model=twin)
    assert twin[0].weight.dtype == reseau.float64
    np.testing.assert_array_equal(twin[2].bias._array, net[2].bias._array)
    torch.save({"model": {"w": torch.ones(2)}, "epoch": 3}, tmp_path / "checkpoint.pt")
    with pytest.raises(ModelFileError, match=r"holds a checkpoint \(keys 'model', 'epoch'\)"
                                             r".*reseau.load\(path\)\['model'\]"):
        reseau.load(tmp_path / "checkpoint.pt", model=twin)
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ModelFileError, match="holds a list, not a state dict"):
        reseau.load(tmp_path / "list.pt", model=twin)


def test_onnx_files_go_through_reseau_onnx_load(tmp_path):
    pytest.importorskip("onnx")
    from reseau.onnx import export

    reseau.manual_seed(2)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).eval()
    export(net, reseau.randn(1, 3), tmp_path / "net.onnx")
    (tmp_path / "net.onnx").rename(tmp_path / "net.model")  # told by content
    graph = reseau.load(tmp_path / "net.model")
    x = reseau.randn(6, 3)
    np.testing.assert_allclose(graph(x)._array, net(x)._array, rtol=1e-6, atol=1e-6)


def test_an_empty_zip_archive_is_named(tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.npz", "w"):
        pass
    with pytest.raises(ModelFileError, match=r"a zip archive \(empty\)"):
        reseau.load(tmp_path / "empty.npz")


def test_without_the_safetensors_package_one_line_says_how_to_install_it(tmp_path,
                                                                          monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "safetensors", None)  # import fails as if absent
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r'safetensors package: pip install '
                                          r'"reseau\[safetensors\]"'):
        reseau.save(nn.Linear(2, 2), tmp_path / "w.safetensors")
    header = b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}'
    (tmp_path / "r.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(4))
    with pytest.raises(ImportError, match=r"load: safetensors files need"):
        reseau.load(tmp_path / "r.safetensors")
