"""``reseau export MODEL --to onnx|pt|safetensors``: each file is read back by the tool that
owns its format (torch, onnxruntime, safetensors) and gives reseau's weights and outputs."""

import numpy as np
import pytest

import reseau
from reseau import io, models, nn
from reseau.cli import main


@pytest.fixture
def trained(tmp_path, capsys):
    """A run folder of ``reseau train`` (a 2-3-2 MLP, three epochs)."""
    assert main(["train", "--hidden", "3", "--epochs", "3", "--out", str(tmp_path / "run"),
                 "--seed", "1"]) == 0
    capsys.readouterr()
    return tmp_path / "run" / "model.npz"


def test_pt_is_read_by_torch_with_reseaus_weights(trained, capsys):
    torch = pytest.importorskip("torch")
    assert main(["export", str(trained), "--to", "pt"]) == 0
    target = trained.with_suffix(".pt")
    assert capsys.readouterr().out == f"Wrote {target} (pt)\n"
    state = torch.load(target, weights_only=True)
    want = io.load(trained).state_dict()
    assert list(state) == list(want) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in want.items():
        np.testing.assert_array_equal(state[key].numpy(), np.asarray(value))


def test_safetensors_is_read_by_the_safetensors_package(trained, tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    out = tmp_path / "weights.safetensors"
    assert main(["export", str(trained), "--to", "safetensors", "-o", str(out)]) == 0
    arrays = st.load_file(str(out))
    for key, value in io.load(trained).state_dict().items():
        np.testing.assert_array_equal(arrays[key], np.asarray(value))


def test_onnx_runs_in_onnxruntime_with_the_models_outputs(trained):
    ort = pytest.importorskip("onnxruntime")
    assert main(["export", str(trained), "--to", "onnx"]) == 0
    session = ort.InferenceSession(str(trained.with_suffix(".onnx")))
    x = np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    want = io.load(trained)(reseau.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_onnx_of_a_cnn_takes_the_input_shape_from_the_run_or_the_option(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    reseau.manual_seed(0)
    net = models.lenet5()
    path = tmp_path / "lenet.npz"
    io.save(net, path, config={"preprocessing": {"input_shape": [1, 28, 28]}})
    assert main(["export", str(path), "--to", "onnx"]) == 0
    x = np.random.default_rng(1).normal(size=(3, 1, 28, 28)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "lenet.onnx"))
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, net.eval()(reseau.tensor(x)).detach().numpy(), atol=1e-5)
    # without a recorded shape a convolution's input size is unknown: the option says it
    bare = tmp_path / "bare.npz"
    io.save(net, bare)
    assert main(["export", str(bare), "--to", "onnx", "--input-shape", "1,28,28"]) == 0
    assert (tmp_path / "bare.onnx").is_file()


@pytest.mark.parametrize("argv, message", [
    (["--to", "onnx", "--input-shape", "1,x"], "--input-shape: expected positive sizes"),
    (["--to", "onnx", "--input-shape", "0,3"], "--input-shape: expected positive sizes"),
    (["--to", "pt", "--input-shape", "2"], "--input-shape is for --to onnx only"),
    (["--to", "pt", "-o", "SELF"], "is the model file itself"),
])
def test_bad_options_are_one_line(trained, capsys, argv, message):
    argv = [str(trained) if a == "SELF" else a for a in argv]
    assert main(["export", str(trained), *argv]) in (1, 2)
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_cnn_without_a_recorded_shape_asks_for_the_option(tmp_path, capsys):
    path = tmp_path / "lenet.npz"
    io.save(models.lenet5(), path)
    assert main(["export", str(path), "--to", "onnx"]) == 1
    assert "give it with --input-shape" in capsys.readouterr().err


def test_weights_only_files_cannot_become_onnx_but_convert_between_formats(tmp_path, capsys):
    pytest.importorskip("torch")
    weights = tmp_path / "w.npz"
    io.save(nn.Linear(2, 3).state_dict(), weights)
    assert main(["export", str(weights), "--to", "onnx"]) == 1
    assert "holds weights only" in capsys.readouterr().err
    assert main(["export", str(weights), "--to", "pt"]) == 0
    back = io.load(tmp_path / "w.pt")
    assert sorted(back) == ["bias", "weight"]


def test_a_missing_model_file_is_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope.npz"), "--to", "pt"]) == 1
    err = capsys.readouterr().err
    assert "nope.npz" in err and "Traceback" not in err
