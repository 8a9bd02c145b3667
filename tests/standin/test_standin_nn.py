"""Every nn layer and loss on the stand-in's cuda: a module built from one seed, moved with
``.to("cuda")``, gives bit for bit the outputs, input gradients, parameter gradients and
buffers of its cpu twin, and makes no NumPy call CuPy would refuse."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import reseau
import reseau.nn as nn
from standin_helpers import assert_same, backward, outputs

RNG_SEED = 11


def _inputs(spec, device: str) -> list:
    """The inputs a layer gets: ``("f", shape)`` normal floats (requiring a gradient),
    ``("p", shape)`` in (0.05, 0.95), ``("pos", shape)`` positive, ``("pm", shape)`` +-1,
    ``("i", shape, high)`` class indices in [0, high), ``("prob", shape)`` rows summing to 1,
    ``("logp", shape)`` log-probabilities."""
    rng = np.random.default_rng(RNG_SEED)
    out = []
    for kind, shape, *rest in spec:
        grad = kind in ("f", "p", "pos", "logp")
        if kind == "i":
            x = rng.integers(0, rest[0], size=shape)
        elif kind == "pm":
            x = rng.choice([-1.0, 1.0], size=shape)
        elif kind == "p":
            x = rng.uniform(0.05, 0.95, size=shape)
        elif kind == "pos":
            x = rng.uniform(0.5, 2.0, size=shape)
        elif kind in ("prob", "logp"):
            e = np.exp(rng.standard_normal(shape))
            x = e / e.sum(axis=-1, keepdims=True)
            x = np.log(x) if kind == "logp" else x
        else:
            x = rng.standard_normal(shape)
        if x.dtype == np.float64:
            x = x.astype(np.float32)
        out.append(reseau.tensor(x, requires_grad=grad, device=device))
    return out


F = ("f", (3, 5))
LAYERS = {  # name: (build, inputs)
    "Linear": (lambda: nn.Linear(5, 4), [F]),
    "MLP": (lambda: nn.MLP([5, 6, 2]), [F]),
    "Sequential": (lambda: nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)), [F]),
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3, padding=1), [("f", (2, 2, 7))]),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, padding=1), [("f", (2, 2, 5, 5))]),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), [("f", (2, 2, 4, 4))]),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), [("f", (2, 3, 8))]),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1), [("f", (2, 3, 6, 6))]),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), [("f", (2, 3, 8))]),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), [("f", (2, 3, 6, 6))]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), [("f", (2, 3, 5, 7))]),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d(2), [("f", (2, 3, 5, 5))]),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(5), [F]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), [("f", (4, 3, 3, 3))]),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), [("f", (2, 4, 3, 3))]),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(3, affine=True), [("f", (2, 3, 6))]),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), [("f", (2, 3, 4, 4))]),
    "LayerNorm": (lambda: nn.LayerNorm(5), [("f", (2, 3, 5))]),
    "Embedding": (lambda: nn.Embedding(10, 3, padding_idx=1), [("i", (2, 4), 10)]),
    "EmbeddingBag": (lambda: nn.EmbeddingBag(10, 3, mode="mean"), [("i", (2, 4), 10)]),
    "Flatten": (lambda: nn.Flatten(), [("f", (2, 3, 4))]),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 2)), [("f", (3, 4))]),
    "Identity": (lambda: nn.Identity(), [F]),
    "RNN": (lambda: nn.RNN(4, 5, num_layers=2), [("f", (6, 2, 4))]),
    "GRU": (lambda: nn.GRU(4, 5, bidirectional=True), [("f", (6, 2, 4))]),
    "LSTM": (lambda: nn.LSTM(4, 5, batch_first=True), [("f", (2, 6, 4))]),
    "RNNCell": (lambda: nn.RNNCell(4, 5), [("f", (3, 4))]),
    "GRUCell": (lambda: nn.GRUCell(4, 5), [("f", (3, 4))]),
    "LSTMCell": (lambda: nn.LSTMCell(4, 5), [("f", (3, 4))]),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2),
                           [("f", (5, 2, 8)), ("f", (5, 2, 8)), ("f", (5, 2, 8))]),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
                                [("f", (5, 2, 8))]),
    "TransformerEncoder": (lambda: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2), [("f", (5, 2, 8))]),
    "Upsample": (lambda: nn.Upsample(scale_factor=2), [("f", (1, 2, 3, 3))]),
    "UpsamplingNearest2d": (lambda: nn.UpsamplingNearest2d(scale_factor=2), [("f", (1, 2, 3, 3))]),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(dim=1), [F, F]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(), [F, F]),
    "Softmax2d": (lambda: nn.Softmax2d(), [("f", (2, 3, 4, 4))]),
    "GLU": (lambda: nn.GLU(), [("f", (3, 6))]),
    "PReLU": (lambda: nn.PReLU(), [F]),
    "Threshold": (lambda: nn.Threshold(0.1, 20.0), [F]),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), [F]),
    "Softmax": (lambda: nn.Softmax(dim=1), [F]),
    "Softmin": (lambda: nn.Softmin(dim=1), [F]),
}
for _name in ("CELU ELU GELU Hardshrink Hardsigmoid Hardswish Hardtanh LeakyReLU LogSigmoid "
              "Mish ReLU ReLU6 SELU SiLU Sigmoid Softplus Softshrink Softsign Tanh "
              "Tanhshrink").split():
    LAYERS[_name] = ((lambda n: lambda: getattr(nn, n)())(_name), [F])
for _name, _arg in (("CircularPad", 1), ("ConstantPad", 1), ("ReflectionPad", 1),
                    ("ReplicationPad", 1), ("ZeroPad", 1)):
    for _d, _shape in (("1d", (2, 3, 5)), ("2d", (2, 3, 4, 4))):
        _extra = (0.5,) if _name == "ConstantPad" else ()
        LAYERS[_name + _d] = ((lambda n, a: lambda: getattr(nn, n)(*a))(_name + _d,
                                                                       (_arg,) + _extra),
                              [("f", _shape)])

LOSSES = {  # name: inputs (the loss is built with each reduction)
    "BCELoss": [("p", (4, 3)), ("p", (4, 3))],
    "BCEWithLogitsLoss": [("f", (4, 3)), ("p", (4, 3))],
    "CosineEmbeddingLoss": [("f", (4, 3)), ("f", (4, 3)), ("pm", (4,))],
    "CrossEntropyLoss": [("f", (4, 3)), ("i", (4,), 3)],
    "GaussianNLLLoss": [("f", (4, 3)), ("f", (4, 3)), ("pos", (4, 3))],
    "HingeEmbeddingLoss": [("f", (4, 3)), ("pm", (4, 3))],
    "HuberLoss": [("f", (4, 3)), ("f", (4, 3))],
    "KLDivLoss": [("logp", (4, 3)), ("prob", (4, 3))],
    "L1Loss": [("f", (4, 3)), ("f", (4, 3))],
    "MSELoss": [("f", (4, 3)), ("f", (4, 3))],
    "MarginRankingLoss": [("f", (4,)), ("f", (4,)), ("pm", (4,))],
    "MultiMarginLoss": [("f", (4, 3)), ("i", (4,), 3)],
    "NLLLoss": [("logp", (4, 3)), ("i", (4,), 3)],
    "SmoothL1Loss": [("f", (4, 3)), ("f", (4, 3))],
}

DROPOUT = {"Dropout": (2, 5), "Dropout1d": (2, 3, 5), "Dropout2d": (2, 3, 4, 4),
           "Dropout3d": (2, 3, 2, 2, 2)}
NOT_LAYERS = {"Module": "the base class", "ModuleList": "a container, not callable",
              "ModuleDict": "a container, not callable", "ParameterList": "holds parameters only",
              "ParameterDict": "holds parameters only"}


def test_every_module_of_nn_is_covered():
    modules = {n for n, c in vars(nn).items() if inspect.isclass(c) and issubclass(c, nn.Module)}
    covered = set(LAYERS) | set(LOSSES) | set(DROPOUT) | set(NOT_LAYERS)
    assert modules - covered == set(), "add these modules to tests/standin/test_standin_nn.py"
    assert covered - modules == set()


def _twins(build):
    """One module built from one seed, twice: the second moved to cuda."""
    reseau.manual_seed(0)
    cpu = build()
    reseau.manual_seed(0)
    cuda = build().to("cuda")
    return cpu, cuda


def _check(name, build, spec, cuda_device):
    cpu, cuda = _twins(build)
    xs_cpu, xs_cuda = _inputs(spec, "cpu"), _inputs(spec, cuda_device)
    out_cpu, out_cuda = cpu(*xs_cpu), cuda(*xs_cuda)
    for i, (a, b) in enumerate(zip(outputs(out_cuda), outputs(out_cpu))):
        assert_same(a, b, f"{name}: output {i}")
    backward(out_cpu, "cpu")
    backward(out_cuda, cuda_device)
    for i, (a, b) in enumerate(zip(xs_cuda, xs_cpu)):
        assert_same(a.grad, b.grad, f"{name}: gradient of input {i}")
    params_cpu = dict(cpu.named_parameters())
    for pname, p in cuda.named_parameters():
        assert_same(p, params_cpu[pname], f"{name}: parameter {pname}")
        assert_same(p.grad, params_cpu[pname].grad, f"{name}: gradient of {pname}")
    buffers_cpu = dict(cpu.named_buffers())
    for bname, b in cuda.named_buffers():
        if isinstance(b, reseau.Tensor):
            assert_same(b, buffers_cpu[bname], f"{name}: buffer {bname}")


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_cuda_is_the_cpu_layer(name, cuda):
    build, spec = LAYERS[name]
    _check(name, build, spec, cuda)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_on_cuda_is_the_cpu_loss(name, reduction, cuda):
    spec = LOSSES[name]
    if name == "KLDivLoss" and reduction == "mean":
        reduction = "batchmean"  # KLDivLoss's mean is PyTorch's deprecated one
    _check(name, lambda: getattr(nn, name)(reduction=reduction), spec, cuda)


@pytest.mark.parametrize("name", sorted(DROPOUT))
def test_dropout_on_cuda(name, cuda):
    layer = getattr(nn, name)(0.5).to(cuda)
    x = reseau.tensor(np.ones(DROPOUT[name], np.float32), requires_grad=True, device=cuda)
    layer.eval()  # the identity: bit-identical
    assert_same(layer(x), x.detach().cpu(), f"{name}: eval")
    layer.train()  # the mask comes from the cuda generator: its values are its own
    y = layer(x)
    y.sum().backward()
    kept = y.detach().cpu().numpy() != 0
    assert np.array_equal(x.grad.cpu().numpy() != 0, kept)
    assert set(np.unique(y.detach().cpu().numpy())) <= {0.0, 2.0}
