"""print(model) is PyTorch's, character for character, for every layer reseau has and for
nested containers; the parameter count is in Module.summary()."""

import re

import numpy as np
import pytest

import reseau
from reseau import nn

# each expression is built with reseau.nn and with torch.nn, the same way
MODELS = [
    "Linear(2, 3)", "Linear(2, 3, bias=False)", "Identity()", "Flatten()", "Flatten(0, 2)",
    "Unflatten(1, (2, 3))",
    "ReLU()", "ReLU(inplace=True)", "LeakyReLU()", "LeakyReLU(0.2, inplace=True)", "Sigmoid()",
    "Tanh()", "Softplus()", "Softplus(beta=2.0, threshold=10.0)", "GELU()",
    "GELU(approximate='tanh')", "SiLU()", "SiLU(inplace=True)", "LogSigmoid()",
    "Softmax(dim=1)", "Softmax()", "LogSoftmax(dim=-1)", "ELU()", "ELU(0.5, inplace=True)",
    "CELU(2.0)", "SELU()", "GLU()", "Hardtanh()", "Hardtanh(-2.0, 2.0)", "ReLU6()",
    "ReLU6(inplace=True)", "Hardsigmoid()", "Hardswish()", "Mish()", "Softsign()",
    "Tanhshrink()", "Threshold(0.1, 20.0)", "Hardshrink()", "Softshrink(0.3)",
    "Softmin(dim=1)", "Softmax2d()", "PReLU()", "PReLU(3)",
    "Conv1d(2, 3, 3)", "Conv2d(1, 6, 5)", "Conv2d(1, 6, 3, stride=2, padding=1)",
    "Conv2d(1, 6, 3, padding='same')", "Conv2d(3, 6, (3, 5), bias=False)",
    "Conv2d(4, 4, 3, groups=2, dilation=2, padding=1, padding_mode='reflect')",
    "ConvTranspose2d(3, 2, 2, stride=2)",
    "ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)",
    "BatchNorm1d(4)", "BatchNorm2d(6)", "BatchNorm2d(6, affine=False, momentum=None)",
    "BatchNorm1d(3, track_running_stats=False)", "BatchNorm1d(3, bias=False)",
    "LayerNorm(4)", "LayerNorm((2, 3), elementwise_affine=False)",
    "LayerNorm(4, eps=1e-06, bias=False)",
    "Dropout()", "Dropout(0.2)", "Dropout2d(0.3)",
    "MaxPool2d(2)", "MaxPool2d(3, stride=1, padding=1)", "AvgPool2d(2)", "AvgPool2d(3, 1, 1)",
    "MaxPool1d(2)", "AvgPool1d(2)", "AdaptiveAvgPool2d((1, 1))", "AdaptiveAvgPool2d(1)",
    "AdaptiveMaxPool2d(2)",
    "Embedding(10, 3)", "Embedding(10, 3, padding_idx=0)", "Embedding(10, 3, max_norm=1.0)",
    "EmbeddingBag(10, 3)", "EmbeddingBag(10, 3, mode='sum')",
    "EmbeddingBag(10, 3, mode='max', padding_idx=2)",
    "ZeroPad2d(1)", "ConstantPad1d(2, 0.5)", "ReflectionPad2d((1, 0, 2, 1))",
    "Upsample(scale_factor=2)", "Upsample(size=(4, 4))", "UpsamplingNearest2d(scale_factor=2)",
    "CosineSimilarity()", "CosineSimilarity(dim=0)", "PairwiseDistance(p=1.0)",
    "MSELoss()", "CrossEntropyLoss()", "BCEWithLogitsLoss()", "NLLLoss()", "L1Loss()",
    "BCELoss()", "HuberLoss()", "SmoothL1Loss()", "KLDivLoss()",
    "Sequential()", "ModuleList()", "ModuleDict()",
    "Sequential(Linear(2, 3), ReLU(), Linear(3, 1))",
    "Sequential(Conv2d(1, 6, 5), ReLU(), MaxPool2d(2), Flatten(), "
    "Sequential(Linear(10, 2), Sigmoid()))",
    "ModuleList([Linear(1, 1), ReLU()])",
    "ModuleList([Linear(4, 4), Linear(4, 4), Linear(4, 4), ReLU(), Linear(4, 4)])",
    "ModuleList([Sequential(Linear(4, 4), ReLU()), Sequential(Linear(4, 4), ReLU())])",
    "ModuleDict({'a': Linear(1, 1), 'b': Tanh()})",
    "Sequential(Embedding(100, 8), LayerNorm(8), Dropout(0.1), Linear(8, 2))",
]


def _build(expr: str, namespace):
    qualified = re.sub(r"\b([A-Z][A-Za-z0-9]*)\(", r"nn.\1(", expr)
    return eval(qualified, {"nn": namespace})


@pytest.mark.parametrize("expr", MODELS)
def test_repr_is_pytorchs(expr):
    torch = pytest.importorskip("torch")
    assert repr(_build(expr, nn)) == repr(_build(expr, torch.nn))


def test_a_custom_module_prints_like_pytorch():
    torch = pytest.importorskip("torch")

    def make(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.features = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU())
                self.heads = lib.nn.ModuleDict({"cls": lib.nn.Linear(4, 2)})
                self.skip = None
                self.norm = lib.nn.BatchNorm2d(4)

        return Net()

    ours, theirs = make(reseau), make(torch)
    theirs.skip = None
    assert repr(ours) == repr(theirs)


def test_summary_adds_the_parameter_count():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    net[2].requires_grad_(False)
    assert net.summary() == repr(net) + "\nParameters: 13 (trainable: 9)"
    big = nn.Linear(1000, 1000)
    assert big.summary().endswith("Parameters: 1,001,000 (trainable: 1,001,000)")


def test_new_layers_round_trip_through_a_model_file(tmp_path):
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.LayerNorm(4), nn.ELU(0.5),
                          nn.Flatten(), nn.Linear(8, 2), nn.PReLU(), nn.Hardtanh(-2.0, 2.0),
                          nn.BatchNorm1d(2, bias=False)).eval()
    reseau.io.save(model, tmp_path / "m.npz")
    back = reseau.io.load(tmp_path / "m.npz").eval()
    assert repr(back) == repr(model)
    x = reseau.tensor([[1, 2], [3, 0]])
    assert back(x).tolist() == model(x).tolist()


def test_upsample_is_pytorchs_nearest_resize():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(1, 2, 2, 3)
    for kwargs in ({"scale_factor": 2}, {"size": (3, 5)}, {"scale_factor": (1, 2)}):
        ours = nn.Upsample(**kwargs)(reseau.tensor(x)).numpy()
        theirs = torch.nn.Upsample(**kwargs)(torch.tensor(x)).numpy()
        np.testing.assert_array_equal(ours, theirs)
