"""ONNX import: ``load(path)`` reads an ONNX file, safely, and returns an ``OnnxGraph``, a
``reseau.nn.Module`` that runs the graph with reseau's ops.

The file is data, never code: its size is checked before it is read, every tensor's declared
shape and type are checked against the bytes it carries before an array is made, external
data (what torch.onnx.export writes beside a large model, ``model.onnx.data``) is read only
from a file in the model's own folder, and every operator is checked against the tables of
``load_ops.py`` and ``load_layers.py`` before anything runs (all the unknown ones are named
at once).

The graph's float initializers become the module's parameters (so an imported model can be
fine-tuned), the running statistics of BatchNormalization its buffers; their state-dict keys
are the initializer names (``fc1.weight``, ``0.bias``; ``onnx::Conv_12`` becomes
``onnx_Conv_12``), and ``OnnxGraph.onnx_names`` maps each key back to the ONNX name.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import nn
from ..dtypes import as_dtype, is_floating
from ..io.errors import ModelFileError
from ..tensor import Tensor
from . import load_layers, load_ops
from .load_ops import Ctx, const

__all__ = ["load", "OnnxGraph", "SUPPORTED_OPS", "MAX_FILE_BYTES"]

# protobuf itself cannot hold a message over 2 GiB, so a larger .onnx file is not one
MAX_FILE_BYTES = 2**31 - 1
OPS = {**load_ops.OPS, **load_layers.OPS}
SUPPORTED_OPS = tuple(sorted(OPS))
_OLDEST_OPSET = 7  # older files broadcast by attribute (`broadcast=1`): not read
_INSTALL = 'reseau.onnx.load needs the onnx package: pip install "reseau[onnx]"'

# ONNX element types reseau holds (TensorProto.DataType -> NumPy), and the typed field a
# tensor without raw_data keeps its values in
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
           7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32,
           13: np.uint64}
_FIELDS = {1: "float_data", 7: "int64_data", 11: "double_data", 12: "uint64_data",
           13: "uint64_data"}  # the others: int32_data


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(_INSTALL) from None
    return onnx


def _name(value) -> str:
    """A name read from the file (protobuf hands over the bytes of a string that is not
    UTF-8)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _short(value) -> str:
    """A name for a message: printable, at most 80 characters."""
    text = "".join(c if c.isprintable() else "?" for c in _name(value))
    return text if len(text) <= 80 else text[:77] + "..."


def _refuse(path, what: str) -> ModelFileError:
    return ModelFileError(f"reseau.onnx.load: {path}: {what}")


def tensor_array(t, path, where: str) -> np.ndarray:
    """The values of a TensorProto as a new array, after checking that the shape and type it
    declares match the bytes it carries (so nothing is allocated on a file's word alone)."""
    from onnx import numpy_helper

    label = f"{where} {_short(t.name)!r}" if t.name else where
    if t.HasField("segment"):
        raise _refuse(path, f"{label} is a segment of a tensor, which reseau does not read")
    if t.data_type not in _DTYPES:
        raise _refuse(path, f"{label} has element type {t.data_type} (ONNX TensorProto code); "
                            "reseau reads bool, integer, float16, float32 and float64 tensors")
    if any(d < 0 for d in t.dims):
        raise _refuse(path, f"{label} declares a negative size, shape {tuple(t.dims)}")
    dtype = np.dtype(_DTYPES[t.data_type])
    count = math.prod(t.dims)
    if t.data_location == 1:  # TensorProto.EXTERNAL: bytes in a file beside the model
        return _external(t, path, label, dtype, count)
    if t.raw_data:
        carried, expected = len(t.raw_data), count * dtype.itemsize
        unit = "bytes"
    else:
        carried, expected = len(getattr(t, _FIELDS.get(t.data_type, "int32_data"))), count
        unit = "values"
    if carried != expected:
        raise _refuse(path, f"{label} declares shape {tuple(t.dims)} of {dtype.name} "
                            f"({expected} {unit}) but carries {carried} {unit}: the file is "
                            "truncated or corrupted")
    try:
        array = numpy_helper.to_array(t)
    except Exception as e:  # noqa: BLE001 (onnx raises several types for bad tensors)
        raise _refuse(path, f"{label} cannot be read ({e})") from None
    return np.array(array, dtype=dtype, copy=True).reshape(tuple(t.dims))


def _external(t, path: Path, label: str, dtype: np.dtype, count: int) -> np.ndarray:
    """A tensor whose bytes sit in another file (what torch.onnx.export writes for large
    models: ``model.onnx.data``), read only from a file in the model's own folder."""
    info = {e.key: e.value for e in t.external_data}
    location = info.get("location", "")
    folder = path.resolve().parent
    target = (folder / location).resolve()
    if (not location or Path(location).is_absolute() or ".." in Path(location).parts
            or target.parent != folder):
        raise _refuse(path, f"{label} keeps its values in {location!r}, outside the model's "
                            "folder; reseau reads external data only from a file beside the "
                            "model")
    if not target.is_file():
        raise _refuse(path, f"{label} keeps its values in {location!r}, which is missing: "
                            "copy it beside the model")
    try:
        offset = int(info.get("offset", 0))
        length = int(info.get("length", count * dtype.itemsize))
    except ValueError:
        raise _refuse(path, f"{label} has an unreadable external offset or length") from None
    size = target.stat().st_size
    if length != count * dtype.itemsize or offset < 0 or offset + length > size:
        raise _refuse(path, f"{label} declares shape {tuple(t.dims)} of {dtype.name} "
                            f"({count * dtype.itemsize} bytes) at offset {offset} of "
                            f"{location!r}, which holds {length} bytes there and is {size} "
                            "bytes long: the files are truncated, corrupted or mismatched")
    with open(target, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    return np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(
        tuple(t.dims))


def _attributes(onnx, node, path) -> dict:
    """A node's attributes as Python values; tensors as checked arrays, the several forms of
    Constant's value as one array under ``"value"``."""
    out = {}
    for a in node.attribute:
        if a.type == onnx.AttributeProto.TENSOR:
            out[_name(a.name)] = tensor_array(a.t, path, f"attribute {_short(a.name)!r} of "
                                                         f"{node.op_type}")
        elif a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS,
                        onnx.AttributeProto.SPARSE_TENSOR, onnx.AttributeProto.TENSORS):
            raise _refuse(path, f"{node.op_type} node {_short(node.name)!r} has a "
                                f"{_short(a.name)!r} attribute "
                                "of a kind reseau does not read (graph or sparse tensor)")
        else:
            value = onnx.helper.get_attribute_value(a)
            if isinstance(value, list):
                value = [_name(v) for v in value]
            out[_name(a.name)] = _name(value)
    if node.op_type == "Constant":
        forms = {"value_float": np.float32, "value_floats": np.float32, "value_int": np.int64,
                 "value_ints": np.int64}
        for key, dtype in forms.items():
            if key in out:
                out = {"value": np.array(out[key], dtype=dtype)}
        if "value" not in out:
            raise _refuse(path, f"Constant node {_short(node.name)!r} has no value reseau reads "
                                f"(attributes {sorted(out)})")
    return out


@dataclass
class _Node:
    op_type: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict


def _check_operators(model, path) -> int:
    """The default domain's opset; refuses every operator reseau cannot run, all at once."""
    import onnx

    opset = {o.domain: o.version for o in model.opset_import}
    version = opset.get("", opset.get("ai.onnx"))
    if version is None:
        raise _refuse(path, "imports no version of the ONNX operators (no opset_import for "
                            "the default domain): not an ONNX model, or a truncated one")
    newest = onnx.defs.onnx_opset_version()
    if not _OLDEST_OPSET <= version <= newest:
        raise _refuse(path, f"uses opset {version}; reseau reads opsets {_OLDEST_OPSET} to "
                            f"{newest}: convert it with onnx.version_converter")
    unknown = Counter()
    for n in model.graph.node:
        domain, op_type = _short(n.domain), _short(n.op_type)
        if domain not in ("", "ai.onnx"):
            unknown[f"{domain}::{op_type}"] += 1
        elif op_type not in OPS:
            unknown[op_type] += 1
    if unknown:
        names = ", ".join(f"{k} (x{v})" if v > 1 else k for k, v in sorted(unknown.items()))
        raise _refuse(path, f"uses operators reseau cannot run: {names}; reseau runs "
                            f"{', '.join(SUPPORTED_OPS)}")
    return version


def _sorted_nodes(nodes: list[_Node], known: set[str], path) -> list[_Node]:
    """The nodes in an order where each runs after the nodes whose outputs it reads
    (Kahn's algorithm, iterative); a value nothing produces, or a loop, is refused."""
    producer = {}
    for i, n in enumerate(nodes):
        for out in n.outputs:
            if out and (out in producer or out in known):
                raise _refuse(path, f"value {out!r} is produced twice")
            if out:
                producer[out] = i
    waiting, readers = [0] * len(nodes), [[] for _ in nodes]
    for i, n in enumerate(nodes):
        for name in n.inputs:
            if not name or name in known:
                continue
            if name not in producer:
                raise _refuse(path, f"{n.op_type} node {n.name!r} reads {name!r}, which no "
                                    "input, initializer or node provides")
            waiting[i] += 1
            readers[producer[name]].append(i)
    ready = [i for i in reversed(range(len(nodes))) if waiting[i] == 0]
    order = []
    while ready:
        i = ready.pop()
        order.append(nodes[i])
        for j in readers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if len(order) != len(nodes):
        raise _refuse(path, "the graph has a loop (a node reads its own output)")
    return order


def _key(name: str) -> str:
    """A state-dict key for an ONNX name: dots kept (``fc1.weight``), every other character
    that is not a letter, digit or underscore (a run of them) turned into one ``_``."""
    parts = [re.sub(r"\W+", "_", p, flags=re.ASCII) or "_" for p in name.split(".")]
    return ".".join(parts)


def _taken(module: nn.Module, name: str) -> bool:
    return (name in module._parameters or name in module._buffers or name in module._modules
            or name in module.__dict__ or hasattr(type(module), name))


class OnnxParameters(nn.Module):
    """A holder of imported tensors (the parent part of their dotted state-dict keys)."""

    def extra_repr(self) -> str:
        items = list(self._parameters.items()) + list(self._buffers.items())
        return ", ".join(f"{k}: {tuple(v.shape)}" for k, v in items)


class OnnxGraph(nn.Module):
    """An ONNX graph run with reseau's ops: ``forward(*inputs)`` takes the graph's inputs in
    order and returns its output (a tuple when it has several).

    Attributes: ``input_names`` and ``output_names`` (the graph's), ``input_shapes`` (each a
    tuple with ``None`` on a free axis, such as the batch), ``opset``, ``op_types`` (the
    operator types the graph uses) and ``onnx_names`` (state-dict key -> ONNX name).
    """

    def __init__(self, nodes: list[_Node], inputs: list[tuple[str, tuple, np.dtype | None]],
                 outputs: list[str], tensors: dict[str, tuple[np.ndarray, str]], opset: int):
        super().__init__()
        self.input_names = [n for n, _, _ in inputs]
        self.input_shapes = [s for _, s, _ in inputs]
        self._input_dtypes = [d for _, _, d in inputs]
        self.output_names = list(outputs)
        self.opset = opset
        self._nodes = nodes
        self.op_types = sorted({n.op_type for n in nodes})
        self.onnx_names: dict[str, str] = {}
        self._constants: dict[str, Tensor] = {}
        self._keys: dict[str, str] = {}  # ONNX name -> state-dict key
        for name, (array, kind) in tensors.items():
            if kind == "constant":
                self._constants[name] = const(array)
                continue
            key = self._place(_key(name), array, kind)
            self.onnx_names[key] = name
            self._keys[name] = key

    def _place(self, key: str, array: np.ndarray, kind: str) -> str:
        """Register ``array`` under ``key``, creating the holders of its dotted parts; a part
        already taken by something else gets a suffix (``fc1_1``). Returns the key used."""
        *path, leaf = key.split(".")
        owner, used = self, []
        for part in path:
            name, n = part, 1
            while _taken(owner, name) and not isinstance(owner._modules.get(name),
                                                         OnnxParameters):
                name, n = f"{part}_{n}", n + 1
            if name not in owner._modules:
                owner.add_module(name, OnnxParameters())
            owner = owner._modules[name]
            used.append(name)
        name, n = leaf, 1
        while _taken(owner, name):
            name, n = f"{leaf}_{n}", n + 1
        if kind == "parameter":
            owner.register_parameter(name, nn.Parameter(Tensor._make(array)))
        else:
            owner.register_buffer(name, Tensor._make(array))
        return ".".join(used + [name])

    def extra_repr(self) -> str:
        counts = Counter(n.op_type for n in self._nodes)
        ops = ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(counts.items()))
        shapes = ", ".join(f"{n}: {tuple('N' if s is None else s for s in shape)}"
                           for n, shape in zip(self.input_names, self.input_shapes))
        text = f"inputs=[{shapes}], outputs={self.output_names}, opset={self.opset}, " \
               f"nodes={len(self._nodes)} ({ops})"
        own = OnnxParameters.extra_repr(self)  # tensors whose names have no dotted parent
        return f"{text}\n{own}" if own else text

    def _input(self, i: int, x) -> Tensor:
        name, shape, dtype = self.input_names[i], self.input_shapes[i], self._input_dtypes[i]
        if not isinstance(x, Tensor):
            x = Tensor._make(np.asarray(x, dtype=dtype))
        elif dtype is not None and as_dtype(x.dtype) != np.dtype(dtype):
            raise TypeError(f"OnnxGraph: input {name!r} must be {np.dtype(dtype).name} as the "
                            f"graph declares, got {np.dtype(x.dtype).name}; convert it with "
                            f".to({np.dtype(dtype).name!r})")
        if shape is not None and (x.ndim != len(shape) or any(
                s is not None and s != d for s, d in zip(shape, x.shape))):
            want = tuple("N" if s is None else s for s in shape)
            raise ValueError(f"OnnxGraph: input {name!r} must have shape {want} (N: any "
                             f"size), got {tuple(x.shape)}")
        return x

    def forward(self, *inputs):
        if len(inputs) != len(self.input_names):
            raise TypeError(f"OnnxGraph.forward: the graph takes {len(self.input_names)} "
                            f"input(s) {self.input_names}, got {len(inputs)}")
        tensors = dict(self.named_parameters())
        tensors.update(self.named_buffers())
        env = dict(self._constants)
        env.update((name, tensors[key]) for name, key in self._keys.items())
        env.update((n, self._input(i, x)) for i, (n, x) in enumerate(zip(self.input_names,
                                                                          inputs)))
        for node in self._nodes:
            xs = [env[name] if name else None for name in node.inputs]
            try:
                out = OPS[node.op_type](Ctx(self.opset, self.training, node.op_type), xs,
                                        node.attrs)
            except (ValueError, IndexError, TypeError, KeyError, AttributeError) as e:
                # (a node of a hostile or broken file lacking an input or an attribute too)
                shapes = [None if x is None else tuple(x.shape) for x in xs]
                raise ValueError(f"OnnxGraph: {node.op_type} node {node.name!r} failed on "
                                 f"inputs of shapes {shapes}: {e}") from e
            outs = out if isinstance(out, tuple) else (out,)
            for name, value in zip(node.outputs, outs):
                if name:
                    env[name] = value
        results = tuple(env[name] for name in self.output_names)
        return results[0] if len(results) == 1 else results


def _read(path: Path, max_bytes: int):
    onnx = _require_onnx()
    from google.protobuf.message import DecodeError

    if not path.is_file():
        raise _refuse(path, "no such file" if not path.exists() else "not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise _refuse(path, f"is {size} bytes, over the limit of {max_bytes} bytes; pass "
                            "a larger max_bytes= to read it")
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)  # the file may have grown since stat
    if len(data) > max_bytes:
        raise _refuse(path, f"is over the limit of {max_bytes} bytes; pass a larger "
                            "max_bytes= to read it")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RecursionError, ValueError, RuntimeError) as e:
        raise _refuse(path, f"is not a readable ONNX model ({type(e).__name__}: "
                            f"{str(e)[:120]}); the file is corrupted, truncated or of "
                            "another format") from None
    if not model.HasField("graph") or not model.graph.output:
        raise _refuse(path, "holds no graph with outputs: not an ONNX model, or a truncated "
                            "one")
    return onnx, model


# operators whose one-number operand is part of a formula (GELU's 1/sqrt(2), Softplus's
# threshold), not a weight
_FORMULA_OPS = {"Add", "Sub", "Mul", "Div", "Pow", "Greater", "Less", "Equal", "GreaterOrEqual",
                "LessOrEqual", "Where", "Max", "Min", "Clip", "Sum", "Pad"}


def _is_formula_constant(name: str, array: np.ndarray, readers: dict[str, set[str]]) -> bool:
    """A one-number float initializer read only by arithmetic, whose name is not a layer's
    (``fc.bias`` of a one-output layer stays a parameter)."""
    return array.size == 1 and not name.endswith((".weight", ".bias")) and (
        array.ndim == 0 or readers.get(name, set()) <= _FORMULA_OPS)


def _value_shape(vi) -> tuple[tuple | None, np.dtype | None]:
    t = vi.type.tensor_type
    dtype = _DTYPES.get(t.elem_type)
    if not t.HasField("shape"):
        return None, dtype
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim), dtype


def load(path: str | os.PathLike, *, max_bytes: int = MAX_FILE_BYTES) -> OnnxGraph:
    """Build a reseau module from the ONNX file at ``path``.

    The module runs the graph's nodes, in order, with reseau's ops; its parameters are the
    graph's float initializers (trainable), its buffers BatchNormalization's running
    statistics. It is returned in eval mode, as the graph was exported: ``.train()`` makes
    Dropout drop and BatchNormalization use the batch's statistics.

    Refused with ``reseau.io.ModelFileError`` (one line): a file over ``max_bytes``, one that
    does not parse as ONNX, a tensor whose declared shape does not match its bytes, external
    data outside the model's folder, an opset outside 7 to the onnx package's newest, and
    operators not in ``SUPPORTED_OPS`` (all of them named).

    Examples
    --------
    >>> import reseau.onnx                                          # doctest: +SKIP
    >>> model = reseau.onnx.load("mnist.onnx")                      # doctest: +SKIP
    >>> model(reseau.randn(8, 1, 28, 28)).shape                     # doctest: +SKIP
    reseau.Size([8, 10])
    """
    path = Path(os.fspath(path))
    onnx, model = _read(path, max_bytes)
    opset = _check_operators(model, path)
    g = model.graph
    initializers = {}
    for t in g.initializer:
        if _name(t.name) in initializers:
            raise _refuse(path, f"initializer {_short(t.name)!r} appears twice")
        initializers[_name(t.name)] = tensor_array(t, path, "initializer")
    if g.sparse_initializer:
        raise _refuse(path, "has sparse initializers, which reseau does not read")
    nodes = [_Node(n.op_type, _short(n.name), [_name(i) for i in n.input],
                   [_name(o) for o in n.output], _attributes(onnx, n, path)) for n in g.node]
    # files of IR version < 4 list the initializers among the inputs too
    inputs = [(_name(vi.name), *_value_shape(vi)) for vi in g.input
              if _name(vi.name) not in initializers]
    known = set(initializers) | {name for name, _, _ in inputs}
    nodes = _sorted_nodes(nodes, known, path)
    produced = known | {o for n in nodes for o in n.outputs if o}
    outputs = [_name(o.name) for o in g.output]
    missing = [_short(o) for o in outputs if o not in produced]
    if missing:
        raise _refuse(path, f"graph output(s) {missing} are produced by no node")
    for n in nodes:
        if n.op_type == "MaxPool" and len(n.outputs) > 1 and n.outputs[1]:
            raise _refuse(path, f"MaxPool node {n.name!r} returns its indices, which reseau "
                                "does not compute")
    statistics = {n.inputs[i] for n in nodes if n.op_type == "BatchNormalization"
                  for i in (3, 4) if len(n.inputs) > i}
    readers: dict[str, set[str]] = {}
    for n in nodes:
        for name in n.inputs:
            readers.setdefault(name, set()).add(n.op_type)
    tensors = {}
    for name, array in initializers.items():
        if not is_floating(array.dtype) or _is_formula_constant(name, array, readers):
            kind = "constant"  # shapes, axes, the numbers of a formula: not trained
        elif name in statistics:
            kind = "buffer"
        else:
            kind = "parameter"
        tensors[name] = (array, kind)
    module = OnnxGraph(nodes, inputs, outputs, tensors, opset)
    return module.eval()

