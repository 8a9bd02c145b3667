"""reseau.onnx.load refuses what it cannot run or trust, with one line and
``reseau.io.ModelFileError``, before anything is allocated on a file's word or run:
unsupported operators (all named at once), truncated and foreign files, tensors whose
declared shape does not match their bytes, external data outside the model's folder."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

import reseau  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from reseau import onnx as ronnx  # noqa: E402
from reseau.io import ModelFileError  # noqa: E402
from reseau.onnx import load_ops  # noqa: E402

RNG = np.random.default_rng(0)


def _mlp(opset: int = 13, names=("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")):
    w1, b1, w2, b2 = (RNG.standard_normal(s).astype(np.float32)
                      for s in ((8, 4), (8,), (3, 8), (3,)))
    nodes = [helper.make_node("Gemm", ["x", names[0], names[1]], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", names[2], names[3]], ["y"], transB=1)]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(a, n) for a, n in zip((w1, b1, w2, b2), names)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _save(model, path):
    path.write_bytes(model.SerializeToString())
    return path


def _one_line(e) -> str:
    text = str(e.value)
    assert "\n" not in text
    return text


def test_a_valid_file_loads_and_runs(tmp_path):
    m = ronnx.load(_save(_mlp(), tmp_path / "m.onnx"))
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    w = {k: np.asarray(v) for k, v in m.state_dict().items()}
    want = np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0) @ w["fc2.weight"].T
    np.testing.assert_allclose(m(x).detach().numpy(), want + w["fc2.bias"], atol=1e-5)
    assert "inputs=[x: ('N', 4)]" in repr(m) and "Gemm x2" in repr(m)


def test_unsupported_operators_are_all_named_before_anything_runs(tmp_path):
    model = _mlp()
    g = model.graph
    g.node.append(helper.make_node("LSTM", ["y", "fc1.weight", "fc1.weight"], ["l"]))
    g.node.append(helper.make_node("LSTM", ["y", "fc1.weight", "fc1.weight"], ["l2"]))
    g.node.append(helper.make_node("NonMaxSuppression", ["y", "y"], ["n"]))
    g.node.append(helper.make_node("FusedGemm", ["y", "y"], ["f"], domain="com.microsoft"))
    with pytest.raises(ModelFileError) as e:
        ronnx.load(_save(model, tmp_path / "m.onnx"))
    text = _one_line(e)
    assert "LSTM (x2), NonMaxSuppression, com.microsoft::FusedGemm" in text
    assert "m.onnx" in text and "Gemm" in text  # the file, and what reseau does run


def test_model_file_error_is_reseau_io_s():
    assert ModelFileError is reseau.io.ModelFileError and issubclass(ModelFileError, ValueError)


@pytest.mark.parametrize("content, what", [
    (b"", "no graph"),
    (b"a,b,c\n1,2,3\n", "not a readable ONNX model"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), "not a readable ONNX model"),
    (b"\x08\x07" + b"\xff" * 30, "not a readable ONNX model"),
])
def test_foreign_files_are_refused(tmp_path, content, what):
    path = tmp_path / "x.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=what):
        ronnx.load(path)


def test_every_truncation_is_refused(tmp_path):
    data = _mlp().SerializeToString()
    path = tmp_path / "t.onnx"
    for n in range(0, len(data), 7):
        path.write_bytes(data[:n])
        with pytest.raises(ModelFileError):
            ronnx.load(path)


def test_missing_and_oversized_files(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        ronnx.load(tmp_path / "nope.onnx")
    path = _save(_mlp(), tmp_path / "m.onnx")
    with pytest.raises(ModelFileError, match="over the limit of 100 bytes"):
        ronnx.load(path, max_bytes=100)


def test_declared_shapes_must_match_the_bytes(tmp_path):
    model = _mlp()
    t = model.graph.initializer[0]
    t.dims[:] = [100000, 100000]  # 40 GB declared, 128 bytes carried: refused, not allocated
    with pytest.raises(ModelFileError, match=r"declares shape \(100000, 100000\).*carries 128"):
        ronnx.load(_save(model, tmp_path / "m.onnx"))


def test_typed_fields_are_counted_too(tmp_path):
    model = _mlp()
    t = helper.make_tensor("fc1.bias", TensorProto.FLOAT, [8], [0.5] * 8)
    model.graph.initializer[1].CopyFrom(t)
    assert ronnx.load(_save(model, tmp_path / "ok.onnx")).fc1.bias.detach().numpy()[0] == 0.5
    del model.graph.initializer[1].float_data[3:]
    with pytest.raises(ModelFileError, match=r"declares shape \(8,\) of float32 \(8 values\) "
                                             r"but carries 3 values"):
        ronnx.load(_save(model, tmp_path / "bad.onnx"))


def test_negative_dims_and_unknown_types(tmp_path):
    model = _mlp()
    model.graph.initializer[1].dims[:] = [-8]
    with pytest.raises(ModelFileError, match="negative size"):
        ronnx.load(_save(model, tmp_path / "a.onnx"))
    model = _mlp()
    model.graph.initializer[1].data_type = TensorProto.STRING
    with pytest.raises(ModelFileError, match="element type 8"):
        ronnx.load(_save(model, tmp_path / "b.onnx"))


def test_external_data_beside_the_model(tmp_path):
    model = _mlp()
    path = tmp_path / "m.onnx"
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="m.onnx.data", size_threshold=0)
    loaded = ronnx.load(path)
    want = numpy_helper.to_array(_mlp().graph.initializer[0])
    assert loaded.fc1.weight.shape == want.shape
    (tmp_path / "m.onnx.data").write_bytes(b"\x00" * 10)  # shorter than declared
    with pytest.raises(ModelFileError, match="truncated, corrupted or mismatched"):
        ronnx.load(path)
    (tmp_path / "m.onnx.data").unlink()
    with pytest.raises(ModelFileError, match="which is missing"):
        ronnx.load(path)


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/../../x.bin"])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    (tmp_path / "secret.bin").write_bytes(b"\x00" * 1024)
    model = _mlp()
    t = model.graph.initializer[1]
    onnx.external_data_helper.set_external_data(t, location=location, offset=0, length=32)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(ModelFileError, match="outside the model's folder"):
        ronnx.load(_save(model, folder / "m.onnx"))


def test_broken_graphs_are_refused(tmp_path):
    model = _mlp()
    model.graph.node[1].input[0] = "nothing"
    with pytest.raises(ModelFileError, match="reads 'nothing', which no input"):
        ronnx.load(_save(model, tmp_path / "a.onnx"))
    model = _mlp()
    model.graph.node[0].input[0] = "y"  # the first Gemm reads the last one's output
    with pytest.raises(ModelFileError, match="loop"):
        ronnx.load(_save(model, tmp_path / "b.onnx"))
    model = _mlp(opset=6)
    with pytest.raises(ModelFileError, match="opset 6"):
        ronnx.load(_save(model, tmp_path / "c.onnx"))
    model = _mlp()
    del model.opset_import[:]
    with pytest.raises(ModelFileError, match="no opset_import"):
        ronnx.load(_save(model, tmp_path / "d.onnx"))


def test_nodes_out_of_order_run_in_dependency_order(tmp_path):
    model = _mlp()
    nodes = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(reversed(nodes))
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    want = ronnx.load(_save(_mlp(), tmp_path / "a.onnx"))
    got = ronnx.load(_save(model, tmp_path / "b.onnx"))
    got.load_state_dict(want.state_dict())
    np.testing.assert_array_equal(got(x).detach().numpy(), want(x).detach().numpy())


def test_names_become_valid_unique_keys(tmp_path):
    names = ("onnx::Gemm_12", "fc1", "fc1.weight", "onnx::Gemm_12")
    model = _mlp(names=names[:3] + ("b2",))
    loaded = ronnx.load(_save(model, tmp_path / "m.onnx"))
    keys = set(dict(loaded.named_parameters()))
    assert keys == {"onnx_Gemm_12", "fc1", "fc1_1.weight", "b2"}
    assert loaded.onnx_names["fc1_1.weight"] == "fc1.weight"
    assert loaded.onnx_names["onnx_Gemm_12"] == "onnx::Gemm_12"
    assert "onnx_Gemm_12: (8, 4), fc1: (8,)" in repr(loaded)  # tensors without a parent


def test_forward_checks_its_inputs(tmp_path):
    m = ronnx.load(_save(_mlp(), tmp_path / "m.onnx"))
    with pytest.raises(ValueError, match=r"must have shape \('N', 4\).*got \(2, 5\)"):
        m(np.zeros((2, 5), np.float32))
    with pytest.raises(TypeError, match="takes 1 input"):
        m(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="must be float32"):
        m(reseau.zeros(2, 4, dtype=reseau.float64))


def test_hostile_sizes_at_run_time_are_refused(tmp_path):
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["y"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("s", TensorProto.INT64, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m = ronnx.load(_save(model, tmp_path / "m.onnx"))
    assert m(np.array([2, 3, 1])).shape == (2, 3, 1)
    with pytest.raises(ValueError, match=f"at most {load_ops.MAX_ELEMENTS} elements"):
        m(np.array([100000, 100000, 100000]))


def test_max_pool_indices_are_refused(tmp_path):
    model = _mlp()
    model.graph.node.append(helper.make_node("MaxPool", ["y"], ["p", "i"], kernel_shape=[2]))
    with pytest.raises(ModelFileError, match="returns its indices"):
        ronnx.load(_save(model, tmp_path / "m.onnx"))


def test_mutated_files_give_only_clear_errors(tmp_path):
    """300 copies of a file with a few random bytes changed: load raises only
    ModelFileError, and forward only ValueError or TypeError (with the node named)."""
    data = _mlp().SerializeToString()
    rng = np.random.default_rng(1)
    path = tmp_path / "m.onnx"
    outcomes = {"refused": 0, "ran": 0, "failed": 0}
    for _ in range(300):
        mutated = bytearray(data)
        for i in rng.integers(0, len(data), size=rng.integers(1, 6)):
            mutated[i] = rng.integers(0, 256)
        path.write_bytes(bytes(mutated))
        try:
            model = ronnx.load(path)
        except ModelFileError:
            outcomes["refused"] += 1
            continue
        try:
            with np.errstate(all="ignore"):
                model(np.ones((2, 4), np.float32))
            outcomes["ran"] += 1
        except (ValueError, TypeError):
            outcomes["failed"] += 1
    assert outcomes["refused"] > 50 and outcomes["ran"] > 10
