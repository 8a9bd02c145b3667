"""Each ONNX operator reseau.onnx.load runs, on a small hand-written graph, against
onnxruntime (the reference implementation of ONNX), in the opsets where its attributes or
inputs changed; and the gradient of a graph of several operators against central
differences."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import reseau  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from reseau import onnx as ronnx  # noqa: E402
from reseau.onnx.load import SUPPORTED_OPS  # noqa: E402

RNG = np.random.default_rng(0)


def _f(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _i(values):
    return np.array(values, dtype=np.int64)


def _model(nodes, inputs: dict, inits: dict, opset: int, n_out: int = 1):
    def info(name, a):
        elem = helper.np_dtype_to_tensor_dtype(a.dtype)
        return helper.make_tensor_value_info(name, elem, a.shape)

    outs = [helper.make_value_info(f"y{k}" if k else "y", onnx.TypeProto())
            for k in range(n_out)]
    graph = helper.make_graph(
        nodes, "g", [info(k, v) for k, v in inputs.items()], outs,
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return onnx.shape_inference.infer_shapes(model)  # the outputs' types, for onnxruntime


def _node(op, inputs, **attrs):
    return helper.make_node(op, inputs, ["y"], name=op.lower(), **attrs)


X = _f(2, 3, 4, 5)
M = _f(3, 4)
# (id, node, graph inputs, initializers, opsets)
CASES = [
    ("add_broadcast", _node("Add", ["x", "b"]), {"x": X}, {"b": _f(5)}, [13]),
    ("sub", _node("Sub", ["x", "b"]), {"x": X}, {"b": _f(1, 4, 1)}, [13]),
    ("mul", _node("Mul", ["x", "b"]), {"x": X}, {"b": _f(3, 1, 1)}, [13]),
    ("div", _node("Div", ["x", "b"]), {"x": X}, {"b": _f(5) + 3}, [13]),
    ("div_int", _node("Div", ["a", "b"]), {"a": _i([7, -7, 6])}, {"b": _i([2, 2, -4])}, [13]),
    ("pow", _node("Pow", ["x", "b"]), {"x": np.abs(X) + 0.1}, {"b": np.float32(1.5)}, [13]),
    ("sum", _node("Sum", ["x", "x", "b"]), {"x": M}, {"b": _f(4)}, [13]),
    ("mod_fmod", _node("Mod", ["x", "b"], fmod=1), {"x": M * 5}, {"b": _f(4) + 3}, [13]),
    ("mod_int", _node("Mod", ["a", "b"]), {"a": _i([7, -7, 6, -5])},
     {"b": _i([2, 3, -4, -3])}, [13]),
    ("max", _node("Max", ["x", "b"]), {"x": M}, {"b": _f(4)}, [13]),
    ("min", _node("Min", ["x", "b"]), {"x": M}, {"b": _f(4)}, [13]),
    ("gemm_linear", _node("Gemm", ["x", "w", "c"], transB=1), {"x": M},
     {"w": _f(6, 4), "c": _f(6)}, [13]),
    ("gemm_general", _node("Gemm", ["x", "w", "c"], alpha=0.5, beta=2.0, transA=1),
     {"x": _f(4, 3)}, {"w": _f(4, 6), "c": _f(1, 6)}, [13]),
    ("matmul_batched", _node("MatMul", ["x", "w"]), {"x": X}, {"w": _f(5, 2)}, [13]),
    ("einsum", _node("Einsum", ["x", "w"], equation="ij,kj->ik"), {"x": M},
     {"w": _f(2, 4)}, [13]),
    ("flatten", _node("Flatten", ["x"], axis=2), {"x": X}, {}, [13]),
    ("flatten_neg", _node("Flatten", ["x"], axis=-1), {"x": X}, {}, [13]),
    ("reshape_zero", _node("Reshape", ["x", "s"]), {"x": X}, {"s": _i([0, -1, 5])}, [13]),
    ("transpose", _node("Transpose", ["x"], perm=[0, 2, 3, 1]), {"x": X}, {}, [13]),
    ("transpose_default", _node("Transpose", ["x"]), {"x": X}, {}, [13]),
    ("squeeze_attr", _node("Squeeze", ["x"], axes=[1]), {"x": _f(2, 1, 3)}, {}, [11]),
    ("squeeze_input", _node("Squeeze", ["x", "a"]), {"x": _f(2, 1, 3)}, {"a": _i([-2])},
     [13]),
    ("squeeze_all", _node("Squeeze", ["x"]), {"x": _f(1, 2, 1, 3)}, {}, [11, 13]),
    ("unsqueeze_attr", _node("Unsqueeze", ["x"], axes=[0, 3]), {"x": M}, {}, [11]),
    ("unsqueeze_input", _node("Unsqueeze", ["x", "a"]), {"x": M}, {"a": _i([-1, 0])}, [13]),
    ("concat", _node("Concat", ["x", "b"], axis=1), {"x": M}, {"b": _f(3, 2)}, [13]),
    ("gather_float", _node("Gather", ["x", "i"], axis=1), {"x": X},
     {"i": _i([[0, -1], [2, 1]])}, [13]),
    ("gather_elements", _node("GatherElements", ["x", "i"], axis=1), {"x": M},
     {"i": _i([[0, 3], [1, -1], [2, 2]])}, [13]),
    ("slice", _node("Slice", ["x", "s", "e", "a", "t"]), {"x": X},
     {"s": _i([1, -1]), "e": _i([3, -6]), "a": _i([2, 3]), "t": _i([1, -2])}, [13]),
    ("slice_v9", _node("Slice", ["x"], starts=[0, 1], ends=[1, 100], axes=[0, 3]),
     {"x": X}, {}, [9]),
    ("expand", _node("Expand", ["x", "s"]), {"x": _f(3, 1)}, {"s": _i([2, 3, 4])}, [13]),
    ("relu", _node("Relu", ["x"]), {"x": X}, {}, [13]),
    ("tanh", _node("Tanh", ["x"]), {"x": X}, {}, [13]),
    ("sigmoid", _node("Sigmoid", ["x"]), {"x": X}, {}, [13]),
    ("leaky_relu", _node("LeakyRelu", ["x"], alpha=0.2), {"x": X}, {}, [13]),
    ("elu", _node("Elu", ["x"], alpha=0.7), {"x": X}, {}, [13]),
    ("celu", _node("Celu", ["x"], alpha=0.7), {"x": X}, {}, [13]),
    ("selu", _node("Selu", ["x"]), {"x": X}, {}, [13]),
    ("gelu", _node("Gelu", ["x"]), {"x": X}, {}, [20]),
    ("gelu_tanh", _node("Gelu", ["x"], approximate="tanh"), {"x": X}, {}, [20]),
    ("softplus", _node("Softplus", ["x"]), {"x": X * 10}, {}, [13]),
    ("softsign", _node("Softsign", ["x"]), {"x": X}, {}, [13]),
    ("hard_sigmoid", _node("HardSigmoid", ["x"], alpha=0.3), {"x": X * 3}, {}, [13]),
    ("hard_swish", _node("HardSwish", ["x"]), {"x": X * 3}, {}, [14]),
    ("mish", _node("Mish", ["x"]), {"x": X}, {}, [18]),
    ("shrink", _node("Shrink", ["x"], bias=0.2, lambd=0.4), {"x": X}, {}, [13]),
    ("erf", _node("Erf", ["x"]), {"x": X}, {}, [13]),
    ("clip_attr", _node("Clip", ["x"], min=-0.5, max=0.5), {"x": X}, {}, [9]),
    ("clip_inputs", _node("Clip", ["x", "lo", "hi"]), {"x": X},
     {"lo": np.float32(-0.3), "hi": np.float32(0.6)}, [13]),
    ("softmax_v11", _node("Softmax", ["x"]), {"x": X}, {}, [11]),
    ("softmax_v13", _node("Softmax", ["x"], axis=1), {"x": X}, {}, [13]),
    ("log_softmax_v11", _node("LogSoftmax", ["x"], axis=2), {"x": X}, {}, [11]),
    ("log_softmax_v13", _node("LogSoftmax", ["x"]), {"x": X}, {}, [13]),
    ("cast", _node("Cast", ["x"], to=TensorProto.DOUBLE), {"x": X}, {}, [13]),
    ("cast_int", _node("Cast", ["x"], to=TensorProto.INT64), {"x": X * 4}, {}, [13]),
    ("where", _node("Where", ["c", "x", "b"]), {"x": M}, {"c": M > 0, "b": _f(4)}, [13]),
    ("greater", _node("Greater", ["x", "b"]), {"x": M}, {"b": _f(4)}, [13]),
    ("less_equal", _node("LessOrEqual", ["x", "b"]), {"x": M}, {"b": _f(4)}, [16]),
    ("not", _node("Not", ["c"]), {"c": M > 0}, {}, [13]),
    ("reduce_mean_attr", _node("ReduceMean", ["x"], axes=[1, 3]), {"x": X}, {}, [13]),
    ("reduce_mean_input", _node("ReduceMean", ["x", "a"], keepdims=0), {"x": X},
     {"a": _i([-1])}, [18]),
    ("reduce_sum", _node("ReduceSum", ["x", "a"]), {"x": X}, {"a": _i([0, 2])}, [13]),
    ("reduce_max", _node("ReduceMax", ["x"], axes=[2], keepdims=0), {"x": X}, {}, [13]),
    ("reduce_prod", _node("ReduceProd", ["x", "a"], keepdims=0), {"x": X},
     {"a": _i([1, 3])}, [18]),
    ("reduce_prod_int", _node("ReduceProd", ["a"], keepdims=0), {"a": _i([2, 3, 4])}, {},
     [13]),
    ("reduce_lse", _node("ReduceLogSumExp", ["x", "a"]), {"x": X}, {"a": _i([1])}, [18]),
    ("argmax", _node("ArgMax", ["x"], axis=1, keepdims=0), {"x": M}, {}, [13]),
    ("cumsum", _node("CumSum", ["x", "a"], exclusive=1, reverse=1), {"x": M},
     {"a": _i(1)}, [14]),
    ("global_average_pool", _node("GlobalAveragePool", ["x"]), {"x": X}, {}, [13]),
    ("global_max_pool", _node("GlobalMaxPool", ["x"]), {"x": X}, {}, [13]),
    ("conv", _node("Conv", ["x", "w", "b"], pads=[1, 0, 1, 0], strides=[2, 1]), {"x": X},
     {"w": _f(4, 3, 3, 2), "b": _f(4)}, [13]),
    ("conv_grouped_dilated", _node("Conv", ["x", "w"], group=3, dilations=[2, 1]),
     {"x": _f(2, 6, 7, 5)}, {"w": _f(6, 2, 2, 2)}, [13]),
    ("conv_asymmetric", _node("Conv", ["x", "w"], pads=[0, 1, 2, 0]), {"x": X},
     {"w": _f(2, 3, 2, 2)}, [13]),
    ("conv_same_upper", _node("Conv", ["x", "w"], auto_pad="SAME_UPPER", strides=[2, 2]),
     {"x": X}, {"w": _f(2, 3, 2, 2)}, [13]),
    ("conv1d", _node("Conv", ["x", "w", "b"], pads=[1, 1]), {"x": _f(2, 3, 6)},
     {"w": _f(4, 3, 3), "b": _f(4)}, [13]),
    ("conv_transpose", _node("ConvTranspose", ["x", "w", "b"], strides=[2, 2],
                             pads=[1, 1, 1, 1], output_padding=[1, 1]),
     {"x": X}, {"w": _f(3, 2, 3, 3), "b": _f(2)}, [13]),
    ("max_pool", _node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2]), {"x": X},
     {}, [13]),
    ("max_pool_ceil_pad", _node("MaxPool", ["x"], kernel_shape=[3, 2], pads=[1, 0, 1, 0],
                                ceil_mode=1, strides=[2, 2]), {"x": X}, {}, [13]),
    ("max_pool_asymmetric", _node("MaxPool", ["x"], kernel_shape=[2, 2], pads=[0, 0, 1, 1]),
     {"x": X}, {}, [13]),
    ("max_pool1d", _node("MaxPool", ["x"], kernel_shape=[2]), {"x": _f(2, 3, 6)}, {}, [13]),
    ("average_pool", _node("AveragePool", ["x"], kernel_shape=[2, 2], strides=[2, 2]),
     {"x": X}, {}, [13]),
    ("average_pool_pad_excluded", _node("AveragePool", ["x"], kernel_shape=[3, 3],
                                        pads=[1, 1, 1, 1]), {"x": X}, {}, [13]),
    ("average_pool_pad_included", _node("AveragePool", ["x"], kernel_shape=[3, 3],
                                        pads=[1, 1, 1, 1], count_include_pad=1),
     {"x": X}, {}, [13]),
    ("batch_norm", _node("BatchNormalization", ["x", "s", "b", "m", "v"], epsilon=1e-3),
     {"x": X}, {"s": _f(3), "b": _f(3), "m": _f(3), "v": np.abs(_f(3)) + 0.5}, [9, 15]),
    ("layer_norm", _node("LayerNormalization", ["x", "s", "b"], axis=-2), {"x": X},
     {"s": _f(4, 5), "b": _f(4, 5)}, [17]),
    ("pad_constant", _node("Pad", ["x", "p", "v"]), {"x": X},
     {"p": _i([0, 0, 1, 2, 0, 0, 0, 1]), "v": np.float32(1.5)}, [13]),
    ("pad_attr", _node("Pad", ["x"], pads=[0, 1, 0, 0, 0, 2, 0, 0], value=2.0), {"x": X},
     {}, [10]),
    ("pad_reflect", _node("Pad", ["x", "p"], mode="reflect"), {"x": X},
     {"p": _i([0, 0, 1, 2, 0, 0, 1, 2])}, [13]),
    ("pad_edge_axes", _node("Pad", ["x", "p", "", "a"], mode="edge"), {"x": X},
     {"p": _i([2, 1, 0, 3]), "a": _i([-2, -1])}, [18]),
    ("identity", _node("Identity", ["x"]), {"x": X}, {}, [13]),
    ("dropout", _node("Dropout", ["x"], ratio=0.3), {"x": X}, {}, [11]),
]


def _cases():
    for case_id, node, inputs, inits, opsets in CASES:
        for opset in opsets:
            yield pytest.param(node, inputs, inits, opset, id=f"{case_id}-opset{opset}")


@pytest.mark.parametrize("node, inputs, inits, opset", list(_cases()))
def test_operator_equals_onnxruntime(tmp_path, node, inputs, inits, opset):
    model = _model([node], inputs, inits, opset)
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    want = ort.InferenceSession(str(path)).run(None, inputs)[0]
    loaded = ronnx.load(path)
    got = loaded(*[reseau.tensor(v) for v in inputs.values()]).detach().numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


def test_every_supported_operator_has_a_case():
    tested = {node.op_type for _, node, _, _, _ in CASES}
    tested |= {"Constant", "ConstantOfShape", "Shape", "Neg", "Abs", "Sqrt", "Exp", "Log",
               "Reciprocal"}  # in test_shape_subgraph / test_elementwise_chain below
    untested = set(SUPPORTED_OPS) - tested
    trig = {"Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
            "Sinh", "Cosh", "Equal", "Less", "GreaterOrEqual", "ArgMin", "ReduceMin"}
    assert untested <= trig  # the one-line methods, checked by test_elementwise_methods


@pytest.mark.parametrize("op", ["Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Asin",
                                "Acos", "Atan", "Sinh", "Cosh"])
def test_elementwise_methods(tmp_path, op):
    x = np.tanh(X)  # inside asin's domain
    model = _model([_node(op, ["x"])], {"x": x}, {}, 13)
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    want = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    np.testing.assert_allclose(ronnx.load(path)(reseau.tensor(x)).detach().numpy(), want, atol=1e-6)


@pytest.mark.parametrize("op", ["Equal", "Less", "GreaterOrEqual", "ArgMin", "ReduceMin"])
def test_comparisons_and_minima(tmp_path, op):
    x, b = np.round(M), np.round(_f(4))
    node = _node(op, ["x"] if op.startswith(("Arg", "Reduce")) else ["x", "b"])
    model = _model([node], {"x": x}, {"b": b} if len(node.input) > 1 else {}, 16)
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    want = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    np.testing.assert_array_equal(ronnx.load(path)(reseau.tensor(x)).detach().numpy(), want)


def test_shape_subgraph(tmp_path):
    """What the TorchScript exporter writes for x.view(x.size(0), -1): Shape, Gather,
    Unsqueeze, Concat, Reshape; with ConstantOfShape and Constant's several forms."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Constant", [], ["zero"], value=numpy_helper.from_array(_i(0))),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Constant", [], ["axes"], value_ints=[0]),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Constant", [], ["minus1"], value_ints=[-1]),
        helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
        helper.make_node("Reshape", ["x", "shape"], ["flat"]),
        helper.make_node("Shape", ["flat"], ["fs"], start=-1),
        helper.make_node("ConstantOfShape", ["fs"], ["ones"],
                         value=numpy_helper.from_array(np.array([2.0], np.float32))),
        helper.make_node("Constant", [], ["half"], value_float=0.5),
        helper.make_node("Mul", ["ones", "half"], ["w"]),
        helper.make_node("Add", ["flat", "w"], ["y"]),
    ]
    model = _model(nodes, {"x": X}, {}, 15)
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    want = ort.InferenceSession(str(path)).run(None, {"x": X})[0]
    np.testing.assert_allclose(ronnx.load(path)(reseau.tensor(X)).detach().numpy(), want, atol=1e-6)


def test_elementwise_chain_gradient(tmp_path):
    """y = sum(sqrt(exp(log(|x|)) ... ): the gradient reaching the initializer ``w``
    equals central differences of the loaded module (float64)."""
    nodes = [
        helper.make_node("Abs", ["x"], ["a"]),
        helper.make_node("Add", ["a", "w"], ["b"]),
        helper.make_node("Log", ["b"], ["c"]),
        helper.make_node("Neg", ["c"], ["d"]),
        helper.make_node("Exp", ["d"], ["e"]),
        helper.make_node("Sqrt", ["e"], ["f"]),
        helper.make_node("Reciprocal", ["f"], ["y"]),
    ]
    x = RNG.standard_normal((3, 4))
    w = np.abs(RNG.standard_normal(4)) + 1.0
    model = _model(nodes, {"x": x}, {"w": w}, 13)
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    loaded = ronnx.load(path)
    want = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    np.testing.assert_allclose(loaded(reseau.tensor(x)).detach().numpy(), want, rtol=1e-12)
    loaded(reseau.tensor(x)).sum().backward()
    grad = loaded.w.grad.numpy()
    # y = sqrt(|x| + w): dy/dw summed over rows = sum 1 / (2 sqrt(|x| + w))
    np.testing.assert_allclose(grad, (0.5 / np.sqrt(np.abs(x) + w)).sum(0), rtol=1e-10)
