"""ONNX export: the primitives one forward pass runs, written as an ONNX graph.

Every primitive goes through the op table (``reseau.ops.OPS``), so a forward pass of the
model on the example input, with each op's forward wrapped for its duration, records the
whole computation, whatever Python the model's ``forward`` runs (``F.relu``,
``x.view(x.size(0), -1)``, residual sums, loops over layers). Arrays are told apart by
identity: the inputs', the parameters' and buffers' (named after their ``state_dict``
keys), and each op's output; any other array an op reads is a constant of the graph.
``converters.py`` writes each primitive as ONNX nodes; the layers of ``layers.py``
(batch and layer normalisation, several activations) are written as ONNX's own node
instead of the arithmetic they run.

A first pass on a batch one larger (the probe) tells which sizes follow the batch, so
that reshape targets, constants made with ``x.size(0)`` and the outputs' axes follow the
input's batch in the file. The trace wraps the op table while it runs: do not run other
forward passes in other threads during an export.
"""
from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np

from ..files import atomic_write_bytes
from ..grad_mode import enable_grad
from ..nn import Module
from ..ops.registry import OPS
from ..tensor import Tensor
from ..version import __version__
from .converters import CONVERTERS, MaxPoolIndices
from .layers import LAYERS, writes_as_one_node

__all__ = ["OPSET", "OnnxExportError", "export"]

# The opset every exported file declares: 18 is read by onnx 1.13+ and onnxruntime 1.14+,
# and torch.onnx.export writes it too, so files from both libraries use the same operators.
OPSET = 18

_INSTALL = 'pip install "reseau[onnx]"'


class OnnxExportError(ValueError):
    """A model that cannot be written as ONNX: the message names the layer or op."""


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(f"reseau.onnx needs the onnx package: {_INSTALL}") from None
    return onnx


class _Graph:
    """The ONNX graph being built: nodes, initializers, and the names of the arrays the
    trace has seen (by identity; the arrays are kept alive so no identity is reused)."""

    def __init__(self, onnx, batch: int | None):
        self.onnx, self.batch = onnx, batch
        self.nodes, self.initializers = [], []
        self._names: dict[int, tuple[str, object]] = {}  # id(array) -> (name, array)
        self._markers: dict[str, object] = {}
        self._count = 0
        self.layer = ""  # the module whose forward is running, for messages
        self.layer_type = ""
        self.input_name = ""  # the first input, whose axis 0 is the batch
        self.error: OnnxExportError | None = None  # the first op without a mapping
        self.pause = 0  # > 0 inside an op's forward or a layer written as one node
        # the batch probe: the same forward pass on a batch one larger, recorded as
        # (op name, input shapes, output shape) per op; a size that differs between the
        # two passes follows the batch (see _probe)
        self.probing = False
        self.probe: list | None = None
        self.step = 0
        self.current = None  # the probe's record of the op being written
        self.misaligned = False  # the two passes ran different ops (a loop over axis 0)
        self._batch_value = None

    # -- values
    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def bind(self, array, name: str) -> None:
        self._names[id(array)] = (name, array)

    def known(self, array) -> str | None:
        entry = self._names.get(id(array))
        return entry[0] if entry is not None and entry[1] is array else None

    def const(self, array, name: str | None = None) -> str:
        """A new initializer holding ``array``."""
        array = np.ascontiguousarray(array)
        if array.dtype == np.float16 or array.dtype.kind not in "fiub":
            raise self.unsupported("constant", f"an array of dtype {array.dtype}")
        name = name or self.fresh("const")
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def value_of(self, array, other_shape=None) -> str:
        """The graph value of an array an op reads: a traced one, or a new constant
        (``other_shape``: its shape in the probe's pass, when known)."""
        name = self.known(array)
        if name is None:
            name = self._batch_constant(array, other_shape) or self.const(array)
            self.bind(array, name)
        marker = self._markers.get(name)
        if marker is not None:
            raise self.unsupported(
                "max_pool2d", "the indices of a max pooling (return_indices=True) used "
                "further: ONNX's MaxPool indices count over the whole tensor, PyTorch's per "
                "plane")
        return name

    def _batch_constant(self, array, other_shape) -> str | None:
        """A constant the forward made with the batch size (``zeros(x.size(0), ...)``,
        the blocks ``F.pad`` joins, an RNN's first state): the same values along the
        axes that follow the batch, so the graph repeats them to the input's batch.
        Without a probe, axis 0 of the batch's size counts, and with a batch of one only
        for a constant of one value (a (1, n) matrix is usually no batch)."""
        if self.batch is None or array.ndim == 0 or array.size == 0:
            return None
        if other_shape is None and self.probe is None and array.shape[0] == self.batch and (
                self.batch > 1 or np.all(array == array.flat[0])):
            other_shape = (self.batch + 1,) + array.shape[1:]
        if other_shape is None or tuple(other_shape) == array.shape:
            return None
        axes = [i for i, (a, b) in enumerate(zip(array.shape, other_shape)) if a != b]
        row = array[tuple(slice(0, 1) if i in axes else slice(None) for i in range(array.ndim))]
        if len(other_shape) != array.ndim or not np.array_equal(
                array, np.broadcast_to(row, array.shape)):
            raise self.unsupported("constant", f"an array of shape {array.shape} made with "
                                   "the batch size and different values per example; "
                                   "export with dynamic_batch=False")
        return self.node("Expand", [self.const(row), self.shape_of(array.shape, other_shape)])

    def batch_value(self) -> str:
        """The input's batch size, as a graph value (int64, shape (1,))."""
        if self._batch_value is None:
            self._batch_value = self.node("Shape", [self.input_name], start=0, end=1)
        return self._batch_value

    def shape_of(self, dims, other) -> str:
        """A shape as a graph value: ``dims`` as traced, where each size that differs in
        the probe's pass (``other``) is ``a B + c`` of the input's batch B."""
        if other is None or tuple(dims) == tuple(other):
            return self.ints(dims)
        parts, fixed = [], []
        for d, o in zip(dims, other):
            if d == o:
                fixed.append(d)
                continue
            if fixed:
                parts.append(self.ints(fixed))
                fixed = []
            slope = o - d  # the probe's batch is one larger
            value = self.batch_value()
            if slope != 1:
                value = self.node("Mul", [value, self.ints([slope])])
            if d - slope * self.batch:
                value = self.node("Add", [value, self.ints([d - slope * self.batch])])
            parts.append(value)
        if fixed:
            parts.append(self.ints(fixed))
        return self.node("Concat", parts, axis=0) if len(parts) > 1 else parts[0]

    def other_out(self):
        """The probe's output shape of the op being written, or None."""
        return None if self.current is None else self.current[2]

    def other_in(self, k: int):
        return None if self.current is None else self.current[1][k]

    def scalar(self, value, dtype) -> str:
        return self.const(np.asarray(value, dtype=dtype))

    def ints(self, values, scalar: bool = False) -> str:
        return self.const(np.asarray(values if scalar else list(values), dtype=np.int64))

    def marker(self, name: str):
        return self._markers.get(name)

    def set_marker(self, array, marker) -> None:
        name = self.fresh("indices")
        self._markers[name] = marker
        self.bind(array, name)

    def elem_type(self, dtype) -> int:
        return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    # -- nodes
    def node(self, op_type: str, inputs, **attrs) -> str:
        out = self.fresh(op_type.lower())
        where = f"{self.layer}/" if self.layer else ""
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), [out], name=f"{where}{op_type}_{self._count}", **attrs))
        return out

    def unsupported(self, op: str, what: str = "") -> OnnxExportError:
        layer = (f" in layer {self.layer!r} ({self.layer_type})" if self.layer
                 else f" in the model's forward ({self.layer_type or 'no layer'})")
        detail = f": {what}" if what else ""
        return OnnxExportError(
            f"reseau.onnx.export: op {op!r}{layer} has no ONNX mapping{detail}; "
            f"write that step with the supported layers (docs: Exchanging models)")


# ------------------------------------------------------------------ the trace
@contextlib.contextmanager
def _recording(graph: _Graph):
    """Wrap every op's forward so that each call at the outermost level adds its nodes.
    ``graph.pause`` > 0 (a layer written as one node) keeps the calls inside out of it."""
    originals = {name: op.forward for name, op in OPS.items()}

    def wrap(op, forward):
        convert = CONVERTERS.get(op.name)

        def traced(ctx, *arrays, **attrs):
            if graph.pause:
                return forward(ctx, *arrays, **attrs)
            graph.pause += 1  # an op's forward calling another op's runs inside it
            try:
                out = forward(ctx, *arrays, **attrs)
            finally:
                graph.pause -= 1
            if type(out) is not np.ndarray:  # keep the very array the Tensor will hold
                out = np.asarray(out)
            if graph.probing:
                graph.probe.append((op.name, [a.shape for a in arrays], out.shape))
                graph.bind(out, "probed")
                return out
            if graph.error is not None:
                return out
            graph.current = None
            if graph.probe is not None:  # the probe's record of this op, if in step
                record = graph.probe[graph.step] if graph.step < len(graph.probe) else None
                if record is None or record[0] != op.name or len(record[1]) != len(arrays):
                    graph.probe, graph.misaligned = None, True  # the passes differ
                else:
                    graph.current = record
                graph.step += 1
            try:  # raised after the forward pass: apply would reword a ValueError
                if convert is None:
                    raise graph.unsupported(op.name)
                ins = [graph.value_of(a, graph.other_in(k)) for k, a in enumerate(arrays)]\
                    if op.name != "max_pool2d" or len(arrays) == 1 else \
                    [graph.value_of(arrays[0]), graph.known(arrays[1]) or ""]
                name = convert(graph, op.name, ins, attrs, arrays, out)
            except OnnxExportError as e:
                graph.error = e
                return out
            if isinstance(name, MaxPoolIndices):
                graph.set_marker(out, name)
            else:
                graph.bind(out, name)
            return out

        return traced

    try:
        for op in OPS.values():
            object.__setattr__(op, "forward", wrap(op, op.forward))  # OpDef is frozen
        yield
    finally:
        for name, op in OPS.items():
            object.__setattr__(op, "forward", originals[name])


@contextlib.contextmanager
def _layers(graph: _Graph, model: Module):
    """Wrap each sub-module's forward (in its instance dict, for the trace only): the
    error messages name the layer, and the layers of ``LAYERS`` become one node each."""
    wrapped = []

    def wrap(name, module, forward):
        convert = LAYERS.get(type(module)) if writes_as_one_node(module) else None

        def traced(*args, **kwargs):
            outer = graph.layer, graph.layer_type
            graph.layer, graph.layer_type = name, type(module).__name__
            try:
                if convert is None or len(args) != 1 or kwargs or not isinstance(
                        args[0], Tensor) or graph.known(args[0]._array) is None:
                    return forward(*args, **kwargs)
                x = args[0]
                graph.pause += 1  # the layer's own primitives stay out of the graph
                try:
                    out = forward(x)
                finally:
                    graph.pause -= 1
                graph.bind(out._array, "probed" if graph.probing else convert(
                    graph, module, graph.value_of(x._array), x._array.dtype))
                return out
            finally:
                graph.layer, graph.layer_type = outer
        return traced

    try:
        for name, module in model.named_modules():
            if "forward" not in module.__dict__:
                module.__dict__["forward"] = wrap(name, module, module.forward)
                wrapped.append(module)
        yield
    finally:
        for module in wrapped:
            del module.__dict__["forward"]


# ------------------------------------------------------------------ export
def _flatten(result) -> list:
    """The tensors a forward returned, nested tuples flattened (an LSTM's (out, (h, c)))."""
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)) and result:
        return [t for r in result for t in _flatten(r)]
    raise OnnxExportError(f"reseau.onnx.export: the model returned {type(result).__name__}; "
                          f"expected a Tensor or a tuple of Tensors")


def _run(graph: _Graph, model: Module, inputs, names) -> list:
    """One traced forward pass; returns the output tensors."""
    # the trace's own tensors: the example's values, graph-recording on (so in-place
    # steps of the forward go through the ops), floating inputs requiring a gradient
    traced = []
    for t, name in zip(inputs, names):
        copy = Tensor._make(np.array(t))
        if copy._array.dtype.kind == "f":
            copy.requires_grad_(True)
        graph.bind(copy._array, name)
        traced.append(copy)
    graph.input_name = names[0]
    for key, t in list(model.named_parameters()) + list(model.named_buffers()):
        if t is not None and graph.known(t._array) is None:
            graph.bind(t._array, key if graph.probing else graph.const(t._array, key))
    with enable_grad(), _recording(graph), _layers(graph, model):
        try:
            result = model(*traced)
        except Exception:
            if graph.error is None:
                raise
            result = None  # the op without a mapping came first: say that
        if graph.error is not None:
            raise graph.error
    if graph.probe is not None and graph.step != len(graph.probe):
        graph.misaligned = True
    return _flatten(result)


def _probe(onnx, model, arrays, names, batch) -> tuple | None:
    """The forward pass on a batch one larger (the example's rows repeated): its op
    records and output shapes, or None where it fails (the batch then stays on axis 0)."""
    probe = _Graph(onnx, batch)
    probe.probing, probe.probe = True, []
    bigger = [np.resize(a, (batch + 1,) + a.shape[1:]) if a.ndim and a.shape[0] == batch
              else a for a in arrays]
    try:
        outs = _run(probe, model, bigger, names)
    except Exception:  # noqa: BLE001 (a model that only takes the example's batch)
        return None
    return probe.probe, [t.shape for t in outs]


def _dynamic(in_names, in_shapes, out_names, out_shapes, other_outs, batch,
             dynamic_axes) -> dict:
    """name -> {axis: symbolic name}: ``dynamic_axes`` as torch.onnx takes it (a dict of
    axis -> name, or a list of axes), or else axis 0 of the inputs of the example's batch
    ("batch") and the output axes whose size follows it."""
    if dynamic_axes is not None:
        names = in_names + out_names
        found = {}
        for n, spec in dynamic_axes.items():
            if n not in names:
                raise ValueError(f"reseau.onnx.export: dynamic_axes names {n!r}, which is no "
                                 f"input or output; the names are {names}")
            found[n] = (dict(spec) if isinstance(spec, dict)
                        else {int(a): f"{n}_dim{int(a)}" for a in spec})
        return found
    if batch is None:
        return {}
    found = {n: {0: "batch"} for n, s in zip(in_names, in_shapes) if len(s) and s[0] == batch}
    for n, s, o in zip(out_names, out_shapes, other_outs or [None] * len(out_names)):
        if o is None:  # no probe: axis 0 of the batch's size
            axes = {0: "batch"} if len(s) and s[0] == batch else {}
        else:
            axes = {i: "batch" if (d, e) == (batch, batch + 1) else f"{n}_dim{i}"
                    for i, (d, e) in enumerate(zip(s, o)) if d != e}
        if axes:
            found[n] = axes
    return found


# torch.onnx.export's keywords that change nothing here (the opset is always OPSET, the
# weights always stored, the graph always the evaluation one, constants already folded)
_TORCH_KEYWORDS = {"opset_version", "export_params", "verbose", "do_constant_folding",
                   "dynamo", "keep_initializers_as_inputs", "training", "optimize", "report",
                   "verify", "external_data", "operator_export_type"}


def _check_torch_keywords(options: dict) -> None:
    unknown = sorted(set(options) - _TORCH_KEYWORDS)
    if unknown:
        raise TypeError(f"reseau.onnx.export: unexpected keyword {unknown[0]!r}; it takes "
                        f"input_names, output_names, dynamic_batch, dynamic_axes (and "
                        f"torch.onnx.export's {', '.join(sorted(_TORCH_KEYWORDS))}, ignored)")
    if options.get("export_params", True) is False:
        raise ValueError("reseau.onnx.export: export_params=False is not supported: the file "
                         "always holds the weights")


def export(model: Module, example_input, path, *, input_names=None, output_names=None,
           dynamic_batch: bool = True, dynamic_axes: dict | None = None,
           **torch_options) -> Path:
    """Write ``model`` as an ONNX file (opset ``OPSET``) at ``path``, atomically (or into
    ``path`` when it is a binary file object); returns the path as a ``Path``.

    The model runs in evaluation mode (its train/eval flags are restored after) on
    ``example_input`` (a Tensor, or a tuple of Tensors for several inputs); the ops of
    that pass are the graph. The weights are initializers named after their
    ``state_dict`` keys (``"0.weight"``); inputs are named ``input`` (``input_0``,
    ``input_1``... for several) and outputs ``output`` (``output_0``...) unless
    ``input_names`` / ``output_names`` say otherwise; nested outputs are flattened.

    Axis 0 of the inputs is a dynamic ``batch`` dimension: a second pass on a batch one
    larger tells which sizes follow it (reshape targets, constants made with
    ``x.size(0)``, output axes), and the graph computes those from the input's batch.
    ``dynamic_batch=False`` fixes every size (one pass); ``dynamic_axes``, as in
    ``torch.onnx.export`` (``{"input": {0: "batch"}}``), names the dynamic axes of the
    inputs and outputs instead. The graph keeps the model's dtype: float32 models give
    float32 files (float64 ones are float64, which onnxruntime runs for fewer operators).

    ``torch.onnx.export``'s other keywords (``opset_version``, ``export_params``,
    ``do_constant_folding``, ``verbose``, ``dynamo``...) are accepted and change nothing:
    the file always declares ``OPSET`` and holds the weights.

    Raises ``OnnxExportError`` (a ValueError) naming the layer and the op that ONNX cannot
    express, and ImportError without the ``onnx`` package (``pip install "reseau[onnx]"``).
    """
    _check_torch_keywords(torch_options)
    onnx = _require_onnx()
    if not isinstance(model, Module):
        raise TypeError(f"reseau.onnx.export: expected a reseau nn.Module, got "
                        f"{type(model).__name__}")
    inputs = list(example_input) if isinstance(example_input, (tuple, list)) else [example_input]
    if not inputs or not all(isinstance(t, Tensor) for t in inputs):
        raise TypeError("reseau.onnx.export: example_input must be a Tensor or a tuple of "
                        "Tensors, e.g. reseau.zeros(1, 784)")
    if any(t.device.type != "cpu" for t in (*inputs, *model.parameters(), *model.buffers())):
        import copy  # a model on a GPU is traced from a host copy: the file holds host arrays

        model, inputs = copy.deepcopy(model).cpu(), [t.cpu() for t in inputs]
    in_names = list(input_names) if input_names else (
        ["input"] if len(inputs) == 1 else [f"input_{i}" for i in range(len(inputs))])
    if len(in_names) != len(inputs):
        raise ValueError(f"reseau.onnx.export: {len(in_names)} input_names for "
                         f"{len(inputs)} inputs")
    arrays = [t._array for t in inputs]
    batch = int(arrays[0].shape[0]) if dynamic_batch and arrays[0].ndim > 0 else None
    graph = _Graph(onnx, batch)

    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        probed = _probe(onnx, model, arrays, in_names, batch) if batch is not None else None
        why = None if batch is None or probed is not None else "does not run on"
        if probed is not None:
            graph.probe = probed[0]
            outs = _run(graph, model, arrays, in_names)
            why = "runs other ops for" if graph.misaligned else None  # a loop over axis 0?
        if why is not None:  # the ops depend on axis 0's size: a fixed one is all we can
            warnings.warn(f"reseau.onnx.export: {type(model).__name__} {why} another size of "
                          f"axis 0; the file fixes axis 0 to {batch} (put the batch on axis "
                          f"0, or pass dynamic_batch=False to say so)", stacklevel=2)
            batch, probed, graph = None, None, _Graph(onnx, None)
        if probed is None:
            outs = _run(graph, model, arrays, in_names)
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    out_names = list(output_names) if output_names else (
        ["output"] if len(outs) == 1 else [f"output_{i}" for i in range(len(outs))])
    if len(out_names) != len(outs):
        raise ValueError(f"reseau.onnx.export: {len(out_names)} output_names for "
                         f"{len(outs)} outputs")
    for t, name in zip(outs, out_names):  # the outputs take their public names
        graph.nodes.append(onnx.helper.make_node(
            "Identity", [graph.value_of(t._array)], [name], name=f"{name}_identity"))

    axes = _dynamic(in_names, [a.shape for a in arrays], out_names, [t.shape for t in outs],
                    None if probed is None else probed[1], batch, dynamic_axes)

    def info(name, array):
        dims = [axes.get(name, {}).get(i, d) for i, d in enumerate(array.shape)]
        return onnx.helper.make_tensor_value_info(name, graph.elem_type(array.dtype), dims)

    # the initializers a graph input or an unused buffer left behind are dropped
    used = {i for n in graph.nodes for i in n.input}
    inits = [i for i in graph.initializers if i.name in used]
    body = onnx.helper.make_graph(
        graph.nodes, type(model).__name__,
        [info(n, a) for n, a in zip(in_names, arrays)],
        [info(n, t._array) for n, t in zip(out_names, outs)], inits)
    proto = onnx.helper.make_model(
        body, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="reseau", producer_version=__version__)
    proto.ir_version = min(proto.ir_version, 8)  # opset 18's IR version: older readers open it
    if hasattr(path, "write"):  # a binary file object, as torch.onnx.export takes one
        path.write(proto.SerializeToString())
        return path
    return atomic_write_bytes(path, proto.SerializeToString())
