"""reseau.onnx.export: every layer and the course models written as ONNX, checked by
onnx.checker (full check) and run in onnxruntime against reseau's own outputs (max abs
difference <= 1e-5 in float32), with the batch exported as 2 and run as 5."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import models, nn
from reseau.onnx import OPSET, OnnxExportError, export

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = 1e-5


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _batch_of(x, n):
    """``n`` examples shaped like ``x``'s (another batch size than the export's)."""
    if x.dtype == reseau.int64:
        return reseau.tensor(np.resize(x.numpy(), (n,) + tuple(x.shape[1:])))
    return reseau.randn(n, *x.shape[1:], dtype=x.dtype) * 2


def _flat(result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flat(r)]
    return [result.detach().numpy()]


def roundtrip(model, x, tmp_path, run_batch=5, **kwargs):
    """Export with ``x`` (a tensor or a tuple), check the file, and compare onnxruntime
    with reseau on ``x`` and on a batch of ``run_batch``; returns the loaded ONNX model."""
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():  # the probe pass runs the same ops: no fixed batch
        warnings.filterwarnings("error", message="reseau.onnx.export")
        assert export(model, x, path, **kwargs) == path
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == OPSET
    session = _session(path)
    names = [i.name for i in proto.graph.input]
    model.eval()
    xs = x if isinstance(x, tuple) else (x,)
    for batch in (xs, tuple(_batch_of(t, run_batch) for t in xs)):
        wants = _flat(model(*batch))
        gots = session.run(None, dict(zip(names, [t.numpy() for t in batch])))
        assert len(gots) == len(wants)
        for got, want in zip(gots, wants):
            assert got.shape == want.shape
            assert got.dtype == want.dtype
            assert np.abs(got - want).max() <= TOL, type(model).__name__
    return proto


def op_types(proto) -> set:
    return {n.op_type for n in proto.graph.node}


@pytest.fixture(autouse=True)
def _seed():
    reseau.manual_seed(0)


# ------------------------------------------------------------------ layers
ACTIVATIONS = [
    (nn.ReLU, {}, "Relu"), (nn.Tanh, {}, "Tanh"), (nn.Sigmoid, {}, "Sigmoid"),
    (nn.LeakyReLU, {"negative_slope": 0.1}, "LeakyRelu"), (nn.ELU, {"alpha": 0.7}, "Elu"),
    (nn.CELU, {"alpha": 0.5}, "Celu"), (nn.SELU, {}, "Selu"), (nn.GELU, {}, "Erf"),
    (nn.GELU, {"approximate": "tanh"}, "Tanh"), (nn.Softplus, {}, "Softplus"),
    (nn.Softplus, {"beta": 2.0, "threshold": 1.0}, "Softplus"), (nn.SiLU, {}, "Sigmoid"),
    (nn.Hardtanh, {"min_val": -0.5, "max_val": 2.0}, "Clip"), (nn.ReLU6, {}, "Clip"),
    (nn.Hardsigmoid, {}, "HardSigmoid"), (nn.Hardswish, {}, "HardSwish"),
    (nn.Mish, {}, "Mish"), (nn.Softsign, {}, "Softsign"), (nn.Tanhshrink, {}, "Tanh"),
    (nn.Hardshrink, {}, "Shrink"), (nn.Softshrink, {"lambd": 0.3}, "Shrink"),
    (nn.Threshold, {"threshold": 0.1, "value": 20.0}, "Where"),
    (nn.LogSigmoid, {}, "Softplus"), (nn.Softmax, {"dim": 1}, "Softmax"),
    (nn.LogSoftmax, {"dim": 1}, "LogSoftmax"), (nn.Softmin, {"dim": 1}, "Softmax"),
    (nn.GLU, {}, "Sigmoid"), (nn.PReLU, {}, "Where"),
]


@pytest.mark.parametrize("cls, kwargs, op", ACTIVATIONS,
                         ids=[f"{c.__name__}-{k}" for c, k, _ in ACTIVATIONS])
def test_activation_after_linear(cls, kwargs, op, tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), cls(**kwargs))
    proto = roundtrip(model, reseau.randn(2, 4) * 3, tmp_path)
    assert op in op_types(proto)


def _bn(cls, c, **kwargs):
    """A batch norm with running statistics and affine weights that are not the defaults."""
    m = cls(c, **kwargs)
    m.running_mean._array[...] = np.linspace(-1, 1, c)
    m.running_var._array[...] = np.linspace(0.5, 2, c)
    if m.weight is not None:
        m.weight._array[...] = np.linspace(0.5, 1.5, c)
        m.bias._array[...] = np.linspace(-0.2, 0.2, c)
    return m


X4 = (2, 3, 9, 9)
LAYERS = {
    "linear": (lambda: nn.Linear(9, 4), (2, 3, 9), None),
    "linear_no_bias": (lambda: nn.Linear(6, 4, bias=False), (2, 6), "Gemm"),
    "dropout": (lambda: nn.Dropout(0.5), (2, 6), None),
    "dropout2d": (lambda: nn.Dropout2d(0.5), X4, None),
    "identity": (nn.Identity, (2, 6), None),
    "flatten_unflatten": (lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (3, 81))), X4,
                          "Reshape"),
    "batchnorm1d": (lambda: _bn(nn.BatchNorm1d, 6), (2, 6), "BatchNormalization"),
    "batchnorm1d_3d": (lambda: _bn(nn.BatchNorm1d, 3), (2, 3, 7), "BatchNormalization"),
    "batchnorm2d": (lambda: _bn(nn.BatchNorm2d, 3), X4, "BatchNormalization"),
    "batchnorm_no_affine": (lambda: _bn(nn.BatchNorm2d, 3, affine=False), X4,
                            "BatchNormalization"),
    "batchnorm_batch_stats": (lambda: nn.BatchNorm1d(6, track_running_stats=False), (2, 6),
                              "ReduceMean"),
    "layernorm": (lambda: nn.LayerNorm([9, 9]), X4, "LayerNormalization"),
    "groupnorm": (lambda: nn.GroupNorm(1, 3), X4, None),
    "conv2d": (lambda: nn.Conv2d(3, 4, 3), X4, "Conv"),
    "conv2d_stride_pad": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), X4, "Conv"),
    "conv2d_same": (lambda: nn.Conv2d(3, 4, 4, padding="same"), X4, "Conv"),
    "conv2d_dilation_groups": (lambda: nn.Conv2d(3, 6, 3, dilation=2, groups=3, bias=False),
                               X4, "Conv"),
    "conv2d_reflect": (lambda: nn.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"), X4,
                       "Conv"),
    "conv2d_replicate": (lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"), X4,
                         "Conv"),
    "conv2d_circular": (lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), X4,
                        "Conv"),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 10), "Conv"),
    "conv1d_same": (lambda: nn.Conv1d(3, 4, 4, padding="same"), (2, 3, 10), "Conv"),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                    output_padding=1), X4, "ConvTranspose"),
    "conv_transpose2d_groups": (lambda: nn.ConvTranspose2d(3, 6, 2, stride=2, groups=3), X4,
                                "ConvTranspose"),
    "maxpool": (lambda: nn.MaxPool2d(2), X4, "MaxPool"),
    "maxpool_ceil": (lambda: nn.MaxPool2d(3, stride=2, ceil_mode=True), X4, "MaxPool"),
    "maxpool_pad_dilation": (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=2), X4,
                             "MaxPool"),
    "maxpool1d": (lambda: nn.MaxPool1d(2), (2, 3, 10), "MaxPool"),
    "avgpool_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1), X4, "AveragePool"),
    "avgpool_no_pad_count": (lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                  count_include_pad=False), X4, "AveragePool"),
    "avgpool_ceil": (lambda: nn.AvgPool2d(2, stride=2, ceil_mode=True), X4, "AveragePool"),
    "avgpool_divisor": (lambda: nn.AvgPool2d(2, divisor_override=3), X4, "AveragePool"),
    "avgpool1d": (lambda: nn.AvgPool1d(3, 2), (2, 3, 10), "AveragePool"),
    "adaptive_avg_1": (lambda: nn.AdaptiveAvgPool2d(1), X4, "GlobalAveragePool"),
    "adaptive_avg_exact": (lambda: nn.AdaptiveAvgPool2d(3), X4, "AveragePool"),
    "adaptive_avg_uneven": (lambda: nn.AdaptiveAvgPool2d((4, 2)), X4, "MatMul"),
    "adaptive_max_1": (lambda: nn.AdaptiveMaxPool2d(1), X4, "GlobalMaxPool"),
    "adaptive_max_exact": (lambda: nn.AdaptiveMaxPool2d(3), X4, "MaxPool"),
    "softmax2d": (nn.Softmax2d, X4, "Softmax"),
    "zero_pad": (lambda: nn.ZeroPad2d((1, 2, 0, 1)), X4, None),
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), X4, "Gather"),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer(name, tmp_path):
    make, shape, op = LAYERS[name]
    proto = roundtrip(make(), reseau.randn(*shape), tmp_path)
    if op is not None:
        assert op in op_types(proto)


def test_embedding_is_a_gather_of_the_weight(tmp_path):
    model = nn.Embedding(10, 4)
    proto = roundtrip(model, reseau.tensor([[1, 2, 3], [4, 5, 9]]), tmp_path)
    gather = next(n for n in proto.graph.node if n.op_type == "Gather")
    assert list(gather.input) == ["weight", "input"]


# ------------------------------------------------------------------ models
class Net(nn.Module):
    """A student's network: F.relu, view with x.size(0), a residual sum, F.max_pool2d."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        h = F.relu(self.conv(x))
        h = F.max_pool2d(h + x, 2)
        h = h.view(h.size(0), -1)
        h = torch_like_dropout(F.relu(self.fc1(h)))
        return F.log_softmax(self.fc2(h), dim=1)


def torch_like_dropout(x):
    return F.dropout(x, 0.5, training=False)


class Stack(nn.Module):
    """A ModuleList walked in forward, with a flatten in the middle."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(12, 8), nn.Linear(8, 8), nn.Linear(8, 2)])

    def forward(self, x):
        x = x.flatten(1)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = x.tanh()
        return x


MODELS = {
    "lenet5": (models.lenet5, (2, 1, 28, 28)),
    "lenet5_avg_tanh": (lambda: models.lenet5(activation="tanh", pool="avg"), (2, 1, 28, 28)),
    "mnist_net": (models.mnist_net, (2, 1, 28, 28)),
    "mlp": (lambda: nn.MLP([5, 16, 16, 3], dropout=0.2), (2, 5)),
    "net": (Net, (2, 1, 8, 8)),
    "module_list": (Stack, (2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model(name, tmp_path):
    make, shape = MODELS[name]
    roundtrip(make(), reseau.randn(*shape), tmp_path)


SEQUENCE_MODELS = {
    "rnn": lambda: nn.RNN(8, 6, batch_first=True),
    "lstm_two_layers": lambda: nn.LSTM(8, 6, num_layers=2, batch_first=True),
    "gru": lambda: nn.GRU(8, 6, batch_first=True),
    "transformer_layer": lambda: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True),
    "transformer_layer_gelu_pre_norm": lambda: nn.TransformerEncoderLayer(
        8, 2, 16, activation="gelu", norm_first=True, batch_first=True),
}


@pytest.mark.parametrize("name", sorted(SEQUENCE_MODELS))
def test_sequence_model(name, tmp_path):
    """Batch-dependent sizes inside: the first states (zeros of the batch's size), the
    heads folded into the batch; all outputs compared (an LSTM's (out, (h, c)))."""
    proto = roundtrip(SEQUENCE_MODELS[name](), reseau.randn(2, 5, 8), tmp_path)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_a_loop_over_axis_0_gives_a_fixed_size_and_says_so(tmp_path):
    model = nn.GRU(8, 6)  # (L, N, H): axis 0 is time, and the trace unrolls the steps
    x = reseau.randn(3, 2, 8)
    with pytest.warns(UserWarning, match="runs other ops for another size of axis 0; the "
                                         "file fixes axis 0 to 3"):
        export(model, x, tmp_path / "gru.onnx")
    proto = onnx.load(str(tmp_path / "gru.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 3
    got = _session(tmp_path / "gru.onnx").run(None, {"input": x.numpy()})
    for g, w in zip(got, _flat(model(x))):
        assert np.abs(g - w).max() <= TOL


def test_a_model_that_takes_one_batch_size_only_gives_a_fixed_size(tmp_path):
    model = Lambda(lambda x: x.reshape(2, 6).sum(0))
    x = reseau.randn(2, 2, 3)
    with pytest.warns(UserWarning, match="does not run on another size of axis 0"):
        export(model, x, tmp_path / "two.onnx")
    proto = onnx.load(str(tmp_path / "two.onnx"))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 2
    (got,) = _session(tmp_path / "two.onnx").run(None, {"input": x.numpy()})
    assert np.abs(got - model(x).numpy()).max() <= TOL


def test_multihead_attention_takes_three_inputs(tmp_path):
    x = reseau.randn(2, 5, 8)
    model = nn.MultiheadAttention(8, 2, batch_first=True)
    proto = roundtrip(model, (x, x * 0.5, x + 1), tmp_path)
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]


def test_a_constant_that_differs_per_example_needs_a_fixed_batch(tmp_path):
    model = nn.EmbeddingBag(10, 4, mode="mean")
    x = reseau.tensor([[1, 2, 3], [4, 5, 9]])
    with pytest.raises(OnnxExportError, match="dynamic_batch=False"):
        export(model, x, tmp_path / "bag.onnx")
    export(model, x, tmp_path / "bag.onnx", dynamic_batch=False)
    (got,) = _session(tmp_path / "bag.onnx").run(None, {"input": x.numpy()})
    assert np.abs(got - model(x).detach().numpy()).max() <= TOL


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


R = reseau
FUNCTIONS = {  # the primitives a custom forward may call, on a (N, 4, 5) input
    "reductions": lambda x: x.sum(1).mean(1, keepdim=True) + x.amax((1, 2)).unsqueeze(1),
    "var_std": lambda x: x.var(1) + x.std(2).sum(1, keepdim=True) + x.var(0).sum(0),
    "max_argmax": lambda x: x.max(1)[0] + x.argmax(1, keepdim=True).float(),
    "logsumexp_softmax": lambda x: x.logsumexp(1, keepdim=True) + F.softmax(x, -1),
    "unary": lambda x: (x.exp() + x.sin() + x.cos() + x.abs().sqrt() + x.sign() + x.floor()
                        + x.ceil() + x.round() + x.trunc() + x.atan() + x.frac()),
    "logs": lambda x: (x.abs() + 0.5).log() + x.abs().log1p() + (x.abs() + 1).rsqrt(),
    "powers": lambda x: x.expm1() + x.square() + x ** 3 + 2 ** x + x.reciprocal().clamp(-2, 2),
    "clamp_where": lambda x: x.clamp(-0.5, 0.3) + R.where(x > 0, x, x * 2),
    "comparisons": lambda x: (x >= 0.1).float() + (x != 0).float() + (x < x * 2).float(),
    "fmod_remainder": lambda x: R.fmod(x, 0.3) + x % 0.3,
    "norms": lambda x: R.linalg.vector_norm(x, dim=1) + x.norm(p=1, dim=1),
    "cat_stack": lambda x: R.cat([x, -x], 2) + R.stack([x, x], 3).sum(3).repeat(1, 1, 2),
    "shapes": lambda x: x.permute(2, 0, 1).transpose(0, 1).flip(1).roll(1, 2),
    "expand": lambda x: x[:, :1].expand(-1, 4, -1) * x,
    "slices": lambda x: x[:, ::-1, 1:4:2] + x[1:, -1:, None, 0].sum(0),
    "matmul_einsum": lambda x: x @ x.transpose(1, 2) + R.einsum("bij,bkj->bik", x, x),
    "cumsum_gather": lambda x: x.cumsum(1) + x.gather(2, R.zeros(1, 4, 5, dtype=R.int64)
                                                      .expand(x.shape[0], -1, -1)),
    "reshapes": lambda x: x.view(x.size(0), -1).reshape(-1, 5).flatten().view(-1, 4, 5),
    "index_select_chunk": lambda x: x.index_select(1, R.tensor([0, 2])) + x.chunk(2, 1)[1],
    "tril_normalize": lambda x: x.tril() + F.normalize(x, dim=1) + R.zeros_like(x),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_custom_forward_of_functions(name, tmp_path):
    roundtrip(Lambda(FUNCTIONS[name]), reseau.randn(3, 4, 5), tmp_path)


def test_layers_written_as_one_node_in_a_row_keep_the_batch_dynamic(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), _bn(nn.BatchNorm2d, 2), nn.ELU(), nn.AvgPool2d(2),
                          nn.Flatten(), nn.Linear(2 * 3 * 3, 3), nn.LayerNorm(3), nn.GELU())
    proto = roundtrip(model, reseau.randn(2, 1, 8, 8), tmp_path)
    assert {"BatchNormalization", "Elu", "LayerNormalization"} <= op_types(proto)


def test_a_trained_cnn_with_batch_norm_runs_in_batch_one_and_many(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 3 * 3, 3))
    model.train()
    for _ in range(3):  # running statistics away from their start
        model(reseau.randn(8, 1, 8, 8) * 2 + 1)
    roundtrip(model, reseau.randn(1, 1, 8, 8), tmp_path, run_batch=7)


# ------------------------------------------------------------------ the file
def test_names_follow_the_state_dict_and_the_batch_is_dynamic(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    proto = roundtrip(model, reseau.randn(2, 4), tmp_path)
    inits = {i.name for i in proto.graph.initializer}
    expected = {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                "1.running_var", "3.weight", "3.bias"}
    assert expected <= inits
    assert "1.num_batches_tracked" not in inits  # a buffer the graph does not read
    for value in (proto.graph.input[0], proto.graph.output[0]):
        dims = value.type.tensor_type.shape.dim
        assert dims[0].dim_param == "batch"
    weight = next(i for i in proto.graph.initializer if i.name == "0.weight")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(weight),
                                  model[0].weight.detach().numpy())


def test_input_output_names_and_fixed_batch(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "fixed.onnx"
    export(model, reseau.randn(4, 3), path, input_names=["x"], output_names=["logits"],
           dynamic_batch=False)
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 4
    x = reseau.randn(4, 3)
    (got,) = _session(path).run(["logits"], {"x": x.numpy()})
    assert np.abs(got - model(x).detach().numpy()).max() <= TOL


def test_dynamic_axes_as_torch_takes_them(tmp_path):
    path = tmp_path / "axes.onnx"
    export(nn.Linear(3, 2), reseau.randn(2, 3), path,
           dynamic_axes={"input": {0: "n"}, "output": [0]})
    proto = onnx.load(str(path))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "n"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "output_dim0"
    with pytest.raises(ValueError, match="dynamic_axes names 'y'"):
        export(nn.Linear(3, 2), reseau.randn(2, 3), path, dynamic_axes={"y": [0]})


def test_torch_onnx_export_call_works_as_written(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    path = tmp_path / "course.onnx"
    export(model, reseau.randn(1, 3), path, export_params=True, opset_version=11,
           do_constant_folding=True, input_names=["input"], output_names=["output"],
           dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}})
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == OPSET
    x = reseau.randn(4, 3)
    (got,) = _session(path).run(None, {"input": x.numpy()})
    assert np.abs(got - model(x).detach().numpy()).max() <= TOL
    with pytest.raises(TypeError, match="unexpected keyword 'opset'"):
        export(model, reseau.randn(1, 3), path, opset=11)
    with pytest.raises(ValueError, match="export_params=False"):
        export(model, reseau.randn(1, 3), path, export_params=False)


def test_the_model_is_exported_in_eval_mode_and_its_modes_restored(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9), nn.BatchNorm1d(4))
    model.train()
    model[2].eval()  # a mixed state comes back as it was
    export(model, reseau.randn(3, 4), tmp_path / "model.onnx")
    assert [m.training for m in model.modules()] == [True, True, True, False]
    proto = roundtrip(model, reseau.randn(3, 4), tmp_path)
    assert "Dropout" not in op_types(proto)
    model.train()
    before = model[2].running_mean.numpy().copy()
    export(model, reseau.randn(3, 4) + 5, tmp_path / "again.onnx")
    np.testing.assert_array_equal(model[2].running_mean.numpy(), before)  # no update


def test_float64_models_give_float64_files(tmp_path):
    model = nn.Sequential(nn.Linear(4, 6, dtype=reseau.float64), nn.Tanh(),
                          nn.Linear(6, 2, dtype=reseau.float64))
    proto = roundtrip(model, reseau.randn(2, 4, dtype=reseau.float64), tmp_path)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_several_inputs_and_outputs(tmp_path):
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 2), nn.Linear(5, 2)

        def forward(self, x, y):
            s = self.a(x) + self.b(y)
            return s, s.sigmoid()

    model = Two()
    x, y = reseau.randn(2, 3), reseau.randn(2, 5)
    path = tmp_path / "two.onnx"
    export(model, (x, y), path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    x, y = reseau.randn(6, 3), reseau.randn(6, 5)
    got = _session(path).run(None, {"input_0": x.numpy(), "input_1": y.numpy()})
    for g, w in zip(got, model(x, y)):
        assert np.abs(g - w.detach().numpy()).max() <= TOL


def test_the_file_is_written_atomically(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"the old file")

    class Cumprod(nn.Module):
        def forward(self, x):
            return x.cumprod(1)

    model = nn.Sequential(nn.Linear(3, 3), Cumprod())
    with pytest.raises(OnnxExportError, match=r"op 'cumprod' in layer '1' \(Cumprod\) has no "
                                              r"ONNX mapping"):
        export(model, reseau.randn(2, 3), path)
    assert path.read_bytes() == b"the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # no temporary left
    export(nn.Linear(3, 3), reseau.randn(2, 3), path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


class Patches(nn.Module):
    def forward(self, x):
        return F.unfold(x, 2)


def test_a_file_object_takes_the_bytes():
    import io

    buffer = io.BytesIO()
    assert export(nn.Linear(3, 2), reseau.randn(2, 3), buffer) is buffer
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)


def test_an_unmapped_op_is_named_in_one_line():
    with pytest.raises(OnnxExportError) as info:
        export(nn.Sequential(Patches()), reseau.randn(1, 2, 4, 4), "never.onnx")
    message = str(info.value)
    assert "\n" not in message and "op 'unfold' in layer '0' (Patches)" in message


def test_indices_of_a_max_pooling_are_refused():
    class WithIndices(nn.Module):
        def forward(self, x):
            return F.max_pool2d(x, 2, return_indices=True)[1]

    with pytest.raises(OnnxExportError, match="indices of a max pooling"):
        export(WithIndices(), reseau.randn(1, 1, 4, 4), "never.onnx")


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(TypeError, match="example_input must be a Tensor"):
        export(nn.Linear(2, 2), np.zeros((1, 2)), "never.onnx")
    with pytest.raises(TypeError, match="expected a reseau nn.Module"):
        export(lambda x: x, reseau.zeros(1, 2), "never.onnx")


def test_without_onnx_one_line_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "reseau\[onnx\]"'):
        export(nn.Linear(2, 2), reseau.zeros(1, 2), "never.onnx")


def test_the_op_table_is_left_as_it_was(tmp_path):
    from reseau.ops.registry import OPS

    before = {name: op.forward for name, op in OPS.items()}
    with pytest.raises(OnnxExportError):
        export(Patches(), reseau.randn(1, 2, 4, 4), tmp_path / "x.onnx")
    export(nn.Linear(2, 2), reseau.zeros(1, 2), tmp_path / "y.onnx")
    assert {name: op.forward for name, op in OPS.items()} == before


# ------------------------------------------------------------------ against PyTorch
def test_same_outputs_as_torch_onnx_export(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    model = models.lenet5()
    model.eval()
    twin = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(),
        torch.nn.Linear(84, 10)).eval()
    twin.load_state_dict({k: torch.from_numpy(np.array(v))
                          for k, v in model.state_dict().items()})
    x = reseau.randn(2, 1, 28, 28)
    ours, theirs = tmp_path / "reseau.onnx", tmp_path / "torch.onnx"
    export(model, x, ours)
    torch.onnx.export(twin, (torch.from_numpy(x.numpy()),), str(theirs), opset_version=OPSET,
                      input_names=["input"], output_names=["output"],
                      dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True)
    batch = np.random.default_rng(0).standard_normal((5, 1, 28, 28)).astype(np.float32)
    (a,) = _session(ours).run(None, {"input": batch})
    (b,) = _session(theirs).run(None, {"input": batch})
    assert np.abs(a - b).max() <= TOL
