"""reseau.onnx.load on files written by torch.onnx.export, with both of its exporters (the
TorchScript one, dynamo=False, and the default dynamo=True): the loaded module gives
PyTorch's outputs on a batch size other than the exported one, gradients flow to the
imported parameters, and BatchNormalization trains as PyTorch's layer does."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

import reseau  # noqa: E402
from reseau import onnx as ronnx  # noqa: E402

tnn, F = torch.nn, torch.nn.functional
TOL = 1e-5


class MnistNet(tnn.Module):
    """PyTorch's MNIST example: convolutions, max pooling, dropout, torch.flatten, the
    functional ReLU and log-softmax."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = tnn.Conv2d(1, 32, 3, 1), tnn.Conv2d(32, 64, 3, 1)
        self.dropout1, self.dropout2 = tnn.Dropout(0.25), tnn.Dropout(0.5)
        self.fc1, self.fc2 = tnn.Linear(9216, 128), tnn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.fc2(self.dropout2(F.relu(self.fc1(x))))
        return F.log_softmax(x, dim=1)


class SmallCNN(tnn.Module):
    """Strided padded convolution, BatchNorm2d, average and adaptive pooling, a view."""

    def __init__(self):
        super().__init__()
        self.conv = tnn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.bn = tnn.BatchNorm2d(4)
        self.pool, self.gap = tnn.AvgPool2d(2), tnn.AdaptiveAvgPool2d(1)
        self.fc = tnn.Linear(4, 3)

    def forward(self, x):
        x = self.gap(self.pool(F.relu(self.bn(self.conv(x)))))
        return self.fc(x.view(x.size(0), -1))


def _models():
    return {
        "mlp": (lambda: tnn.Sequential(
            tnn.Linear(4, 8), tnn.ReLU(), tnn.Linear(8, 8), tnn.Tanh(), tnn.Linear(8, 6),
            tnn.Sigmoid(), tnn.Linear(6, 3), tnn.Softmax(dim=1)), (4,)),
        "mlp_activations": (lambda: tnn.Sequential(
            tnn.Linear(4, 8), tnn.LeakyReLU(0.1), tnn.Linear(8, 8), tnn.ELU(), tnn.GELU(),
            tnn.Softplus(), tnn.Linear(8, 3), tnn.LogSoftmax(dim=1)), (4,)),
        "bn_dropout": (lambda: tnn.Sequential(
            tnn.Linear(4, 8), tnn.BatchNorm1d(8), tnn.ReLU(), tnn.Dropout(0.3),
            tnn.Linear(8, 3)), (4,)),
        "lenet5": (lambda: tnn.Sequential(
            tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
            tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(),
            tnn.Linear(84, 10)), (1, 28, 28)),
        "mnist_net": (MnistNet, (1, 28, 28)),
        "small_cnn": (SmallCNN, (3, 16, 16)),
    }


MODELS = _models()
EXPORTERS = ("torchscript", "dynamo")


def _randomize_bn(model):
    # fresh BatchNorm statistics are 0 and 1: give them values that show a mistake
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, (tnn.BatchNorm1d, tnn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.randn(m.num_features, generator=g))
                m.bias.copy_(torch.randn(m.num_features, generator=g))


def _export(model, shape, path, exporter: str, **kwargs):
    x = torch.randn(2, *shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            if exporter == "dynamo":
                pytest.importorskip("onnxscript")
                batch = torch.export.Dim("batch")
                torch.onnx.export(model, (x,), str(path), dynamo=True, input_names=["x"],
                                  dynamic_shapes=({0: batch},), **kwargs)
            else:
                torch.onnx.export(model, (x,), str(path), dynamo=False, input_names=["x"],
                                  output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                                  **kwargs)
        finally:
            logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(torch model, loaded reseau module, input shape) per (model name, exporter)."""
    cache = {}

    def get(name: str, exporter: str):
        if (name, exporter) not in cache:
            build, shape = MODELS[name]
            torch.manual_seed(0)
            model = build()
            _randomize_bn(model)
            model.eval()
            path = tmp_path_factory.mktemp(f"{name}_{exporter}") / f"{name}.onnx"
            _export(model, shape, path, exporter)
            cache[name, exporter] = (model, ronnx.load(path), shape)
        return cache[name, exporter]

    return get


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_outputs_equal_torch_on_another_batch_size(exported, name, exporter):
    model, loaded, shape = exported(name, exporter)
    assert isinstance(loaded, reseau.nn.Module) and not loaded.training
    x = np.random.default_rng(3).standard_normal((5, *shape)).astype(np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    got = loaded(reseau.tensor(x))
    assert tuple(got.shape) == want.shape
    assert np.abs(got.detach().numpy() - want).max() <= TOL


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("name", ["mlp", "lenet5"])
def test_parameters_are_the_torch_state_dict(exported, name, exporter):
    model, loaded, _ = exported(name, exporter)
    keys = dict(loaded.named_parameters())
    want = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    assert set(keys) == set(want)  # torch's names: "0.weight", "3.bias"...
    for k, p in keys.items():
        assert isinstance(p, reseau.nn.Parameter) and p.requires_grad
        np.testing.assert_array_equal(p.detach().numpy(), want[k])
    assert loaded.onnx_names == {k: k for k in want}


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("name", ["mlp", "mnist_net", "lenet5"])
def test_gradients_equal_torch(exported, name, exporter):
    model, loaded, shape = exported(name, exporter)
    x = np.random.default_rng(4).standard_normal((3, *shape)).astype(np.float32)
    target = np.array([0, 2, 1])
    model.zero_grad()
    F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(target)).backward()
    loaded.zero_grad()
    out = loaded(reseau.tensor(x))
    reseau.nn.functional.cross_entropy(out, reseau.tensor(target)).backward()
    torch_grads = {k: p.grad.numpy() for k, p in model.named_parameters()}
    for key, p in loaded.named_parameters():
        assert p.grad is not None, key
        want = torch_grads[loaded.onnx_names[key]]
        np.testing.assert_allclose(p.grad.numpy(), want, atol=1e-5, rtol=1e-4)


def test_a_loaded_model_fine_tunes(exported):
    _, loaded, shape = exported("mlp_activations", "torchscript")
    x = np.random.default_rng(5).standard_normal((32, *shape)).astype(np.float32)
    y = reseau.tensor(x[:, :3].argmax(1))  # a rule the network can learn
    x = reseau.tensor(x)
    opt = reseau.optim.Adam(loaded.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = reseau.nn.functional.nll_loss(loaded(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_batchnorm_trains_as_torch(tmp_path):
    """Kept as a BatchNormalization node (no constant folding), BatchNorm in train mode uses
    the batch's statistics and updates the running ones as PyTorch does; the running
    statistics are buffers, not parameters."""
    torch.manual_seed(0)
    model = tnn.Sequential(tnn.Conv2d(2, 3, 3), tnn.BatchNorm2d(3, momentum=0.2), tnn.ReLU(),
                           tnn.Flatten(), tnn.Linear(3 * 4 * 4, 2))
    _randomize_bn(model)
    model.eval()
    path = tmp_path / "bn.onnx"
    _export(model, (2, 6, 6), path, "torchscript", opset_version=17, do_constant_folding=False)
    loaded = ronnx.load(path)
    assert {k for k, _ in loaded.named_buffers()} == {"1.running_mean", "1.running_var"}
    assert "1.weight" in dict(loaded.named_parameters())
    x = np.random.default_rng(6).standard_normal((4, 2, 6, 6)).astype(np.float32)
    model.train()
    loaded.train()
    want = model(torch.from_numpy(x)).detach().numpy()
    got = loaded(reseau.tensor(x)).detach().numpy()
    assert np.abs(got - want).max() <= TOL
    buffers = dict(loaded.named_buffers())
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(buffers[f"1.{key}"].numpy(),
                                   getattr(model[1], key).numpy(), atol=1e-6)


@pytest.mark.parametrize("opset", [11, 13])
def test_older_opsets(tmp_path, opset):
    """Softmax over axis 1 of a 3-D input (before opset 13 Softmax flattened the input to a
    matrix) and Squeeze/Unsqueeze axes as attributes (before 13) or inputs."""

    class M(tnn.Module):
        def forward(self, x):
            return torch.softmax(x.unsqueeze(1).squeeze(1), dim=1) * 2.0

    path = tmp_path / "m.onnx"
    _export(M(), (3, 4), path, "torchscript", opset_version=opset)
    loaded = ronnx.load(path)
    assert loaded.opset == opset
    x = np.random.default_rng(7).standard_normal((2, 3, 4)).astype(np.float32)
    want = M()(torch.from_numpy(x)).numpy()
    assert np.abs(loaded(reseau.tensor(x)).numpy() - want).max() <= TOL
