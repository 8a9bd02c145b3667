"""reseau.onnx.export then reseau.onnx.load: the loaded graph gives the model's outputs (on
another batch size), and its state dict, keyed as the model's, loads back into the model."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnx")

import reseau  # noqa: E402
from reseau import nn  # noqa: E402
from reseau import onnx as ronnx  # noqa: E402
from reseau.models.cnn import lenet5, mnist_net  # noqa: E402


def _models():
    return {
        "mlp_bn_dropout": (lambda: nn.Sequential(
            nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 6),
            nn.Tanh(), nn.Linear(6, 3), nn.LogSoftmax(dim=1)), (4,)),
        "activations": (lambda: nn.Sequential(
            nn.Linear(4, 8), nn.GELU(), nn.ELU(), nn.LeakyReLU(0.1), nn.SELU(), nn.Softplus(),
            nn.Sigmoid(), nn.Linear(8, 3), nn.Softmax(dim=1)), (4,)),
        "lenet5": (lenet5, (1, 28, 28)),
        "lenet5_avg": (lambda: lenet5(pool="avg", activation="tanh"), (1, 28, 28)),
        "mnist_net": (mnist_net, (1, 28, 28)),
        "cnn_bn": (lambda: nn.Sequential(
            nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
            nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3)), (3, 12, 12)),
    }


MODELS = _models()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_export_then_load_gives_the_models_outputs(tmp_path, name):
    build, shape = MODELS[name]
    reseau.manual_seed(0)
    model = build()
    for m in model.modules():  # statistics that show a mistake
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.data.normal_(0, 0.5)
            m.running_var.data.uniform_(0.5, 1.5)
    model.eval()
    path = tmp_path / f"{name}.onnx"
    try:
        ronnx.export(model, reseau.randn(2, *shape), path)
    except ronnx.OnnxExportError as e:
        if "not written yet" in str(e):
            pytest.skip("reseau.onnx.export is not written yet")
        raise
    loaded = ronnx.load(path)
    x = reseau.randn(5, *shape)
    want = model(x).detach().numpy()
    got = loaded(x).detach().numpy()
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5
    # the keys are the model's: the weights go back into a model of the same architecture
    # (ONNX has no num_batches_tracked: BatchNorm's counter stays missing)
    assert {k for k, _ in loaded.named_parameters()} == {k for k, _ in model.named_parameters()}
    fresh = build()
    result = fresh.load_state_dict(loaded.state_dict(), strict=False)
    assert not result.unexpected_keys
    assert all(k.endswith(".num_batches_tracked") for k in result.missing_keys)
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).detach().numpy(), want)
