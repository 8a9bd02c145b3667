"""`reseau train --model lenet5 --data mnist`: a CNN of the MODELS registry trained from
the command line, with the run folder of the MLPs; evaluate and predict read it back."""

import json
from pathlib import Path

import numpy as np
import pytest

from reseau import io
from reseau.cli import main
from reseau.cli.settings import ConfigError, TrainSettings, model_names
from reseau.registry import MODELS
from test_cli import write_tiny_mnist  # tests/ is on the path (its conftest.py)

DOCS = Path(__file__).resolve().parents[2] / "docs"


def tiny_mnist(folder: Path):
    """The four MNIST files of random 28x28 digits (40 training, 10 test); the test
    images."""
    return write_tiny_mnist(folder, n_train=40, n_test=10)["t10k"][0]


def test_the_model_names_come_from_the_registry():
    assert model_names() == ["mlp", *MODELS.names()]
    assert {"lenet5", "mnist-net"} <= set(model_names())
    assert TrainSettings().model == "mlp"
    with pytest.raises(ConfigError, match="model must be one of mlp, lenet5.*'lenet5'"):
        TrainSettings(model="lenet")
    row = next(line for line in (DOCS / "cli.md").read_text().splitlines()
               if line.startswith("| `--model NAME`"))
    assert all(f"`{name}`" in row for name in model_names())


def test_train_lenet5_on_mnist_writes_the_run_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    test_images = tiny_mnist(tmp_path / "digits")
    out = tmp_path / "run"
    status = main(["train", "--model", "lenet5", "--data", "mnist", "--data-dir",
                   str(tmp_path / "digits"), "--optimizer", "adam", "--epochs", "1",
                   "--batch-size", "16", "--out", str(out)])
    text, err = capsys.readouterr()
    assert status == 0, err
    assert "Training lenet5 (61,706 parameters) on mnist: 40 train, 0 val, 10 test" in text
    assert {p.name for p in out.iterdir()} == {"model.npz", "history.csv", "metrics.json",
                                               "config.toml", "learning_curve.png"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == 1
    assert np.asarray(metrics["confusion_matrix_test"]).sum() == 10   # MNIST's own test set
    assert 'model = "lenet5"' in (out / "config.toml").read_text()
    model = io.load(out / "model.npz")
    assert sum(p.numel() for p in model.parameters()) == 61706
    prep = io.read_info(out / "model.npz")["config"]["preprocessing"]
    assert prep["input_shape"] == [1, 28, 28] and prep["x_mean"] is None
    # evaluate scores the saved CNN on the test files, shaped as in training
    assert main(["evaluate", str(out / "model.npz"), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["samples"] == 10
    assert scored["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    # predict reads flat rows of 784 pixels, as for the MLP
    csv = tmp_path / "digits.csv"
    pixels = test_images.reshape(10, 784) / 255.0
    csv.write_text(",".join(f"pixel{i}" for i in range(784)) + "\n"
                   + "\n".join(",".join(f"{v:.4f}" for v in row) for row in pixels) + "\n")
    assert main(["predict", str(out / "model.npz"), str(csv)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 11 and lines[0].startswith("prediction,")


def test_a_cnn_refuses_data_that_are_not_28x28_images(capsys):
    status = main(["train", "--model", "lenet5", "--data", "moons", "--epochs", "1"])
    err = capsys.readouterr().err
    assert status == 2
    assert "--model lenet5 takes images of 1x28x28 (784 values), but --data moons has 2" in err
