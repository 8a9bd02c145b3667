"""safetensors files (Hugging Face's format), read and written through the ``safetensors``
package's NumPy API (``pip install "reseau[safetensors]"``).

A safetensors file is an 8-byte little-endian header size, a JSON header, then the raw
bytes of each tensor::

    {"__metadata__": {"epoch": "3"},
     "fc.weight": {"dtype": "F32", "shape": [4, 2], "data_offsets": [0, 32]}, ...}

No code is ever run: the format holds only data. Before the package reads a file, its
header is checked here against the file's size (the declared header length, the JSON's
nesting, each tensor's shape times its dtype's size against its offsets, the offsets
inside the data), so that a forged file is refused with a :class:`ModelFileError` instead
of a large allocation or the package's own error. (Inside this module, ``import
safetensors`` is the package: imports are absolute.)

Values are NumPy arrays, as for reseau's own files of plain weights
(``reseau.load`` of a state dict saved as ``.npz``); ``model.load_state_dict`` takes them.
Tensors of dtype BF16 become float32 (exact: bfloat16 is float32's upper half).
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path

import numpy as np

from ..files import atomic_path
from .errors import ModelFileError
from .limits import MAX_HEADER_BYTES, parse_json
from .npz import host_array

__all__ = ["load_safetensors", "save_safetensors", "read_safetensors_metadata"]

# safetensors' dtype names and their sizes in bytes; those NumPy reads directly
_ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
             "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
_NUMPY = {"BOOL", "U8", "I8", "I16", "U16", "F16", "I32", "U32", "F32", "F64", "I64", "U64"}
_INSTALL = 'pip install "reseau[safetensors]"'


def _package(operation: str):
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f"{operation}: safetensors files need the safetensors package: "
                          f"{_INSTALL}") from None
    return safetensors.numpy


def _header(path: Path) -> tuple[dict, int]:
    """The checked JSON header of ``path`` and the offset where the data starts."""
    where = f"load: {path} is not a valid safetensors file"
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ModelFileError(f"{where}: it holds {len(head)} bytes, fewer than the 8 of "
                                 "the header size")
        length = struct.unpack("<Q", head)[0]
        if length > min(size - 8, MAX_HEADER_BYTES):
            raise ModelFileError(f"{where}: its header declares {length:,} bytes, but the "
                                 f"file holds {size - 8:,} after the size; it is truncated "
                                 "or forged")
        header = parse_json(f.read(length), f"{where}: its header (JSON)")
    if not isinstance(header, dict):
        raise ModelFileError(f"{where}: its header is not a JSON object")
    data = size - 8 - length
    spans = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not (isinstance(entry, dict) and all(
                    isinstance(v, str) for v in entry.values())):
                raise ModelFileError(f"{where}: its __metadata__ is not a map of strings")
            continue
        spans.append(_check_entry(name, entry, data, where))
    spans.sort()
    end = 0
    for begin, stop, name in spans:
        if begin != end:
            raise ModelFileError(f"{where}: tensor {name!r} starts at byte {begin:,}, not "
                                 f"{end:,}: its tensors overlap or leave holes (forged?)")
        end = stop
    if end != data:
        raise ModelFileError(f"{where}: its tensors cover {end:,} bytes of its {data:,} bytes "
                             "of data; it is truncated or damaged")
    return header, 8 + length


def _check_entry(name: str, entry, data: int, where: str) -> tuple[int, int, str]:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ModelFileError(f"{where}: tensor {name!r} is not described by dtype, shape and "
                             "data_offsets")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in _ITEMSIZE:
        raise ModelFileError(f"{where}: tensor {name!r} has the unknown dtype {dtype!r}")
    ints = isinstance(shape, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    pair = isinstance(offsets, list) and len(offsets) == 2 and all(
        isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    if not (ints and pair and 0 <= offsets[0] <= offsets[1] <= data):
        raise ModelFileError(f"{where}: tensor {name!r} has the shape {shape!r} and the "
                             f"offsets {offsets!r} in {data:,} bytes of data; damaged or forged")
    nbytes = math.prod(shape) * _ITEMSIZE[dtype]
    if nbytes != offsets[1] - offsets[0]:
        raise ModelFileError(f"{where}: tensor {name!r} of shape {tuple(shape)} and dtype "
                             f"{dtype} needs {nbytes:,} bytes but is given "
                             f"{offsets[1] - offsets[0]:,}; damaged or forged")
    return offsets[0], offsets[1], name


def _bfloat16(path: Path, start: int, entry: dict) -> np.ndarray:
    begin, end = entry["data_offsets"]
    with open(path, "rb") as f:
        f.seek(start + begin)
        halves = np.frombuffer(f.read(end - begin), dtype="<u2")
    return (halves.astype(np.uint32) << 16).view(np.float32).reshape(entry["shape"])


def load_safetensors(path) -> dict[str, np.ndarray]:
    """The tensors of the safetensors file ``path`` as a dict of NumPy arrays (in the
    file's order), after checking its header against its size; ready for
    ``model.load_state_dict``. The NumPy-level reader (``safetensors.numpy.load_file``);
    ``reseau.load`` gives the same weights as reseau Tensors, like
    ``safetensors.torch.load_file``.

    Raises ``ModelFileError`` for a damaged or forged file, or a dtype NumPy has no
    equivalent for (the 8-bit floats); ``ImportError`` without the safetensors package.
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"load: no file at {path}")
    header, start = _header(path)
    _package("load")
    from safetensors import safe_open
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    for name, entry in entries.items():
        if entry["dtype"] not in _NUMPY | {"BF16"}:
            raise ModelFileError(f"load: {path}: tensor {name!r} has dtype {entry['dtype']}, "
                                 "which NumPy cannot hold; convert it to float32 before "
                                 "saving (tensor.float())")
    plain = {k for k, v in entries.items() if v["dtype"] != "BF16"}
    try:
        # the package reads the dtypes NumPy has; bfloat16 is widened here
        with safe_open(path, framework="np") as reader:
            arrays = {name: reader.get_tensor(name) for name in plain}
    except Exception as err:  # the package's SafetensorError and others
        raise ModelFileError(f"load: {path} is not a valid safetensors file: "
                             f"{str(err).splitlines()[0] if str(err) else err!r}") from None
    state = {}
    for name, entry in sorted(entries.items(), key=lambda item: item[1]["data_offsets"]):
        state[name] = arrays[name] if name in plain else _bfloat16(path, start, entry)
    return state


def read_safetensors_metadata(path) -> dict[str, str]:
    """The free metadata (``__metadata__``, strings to strings) of a safetensors file;
    empty when it has none."""
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"load: no file at {path}")
    return dict(_header(path)[0].get("__metadata__") or {})


def save_safetensors(obj, path, metadata: dict | None = None) -> Path:
    """Write ``obj`` (a Module, whose state dict is saved, or a dict of Tensors or
    arrays) to the safetensors file ``path``, atomically; ``metadata`` (strings to
    strings) is kept in the header. ``safetensors.torch.load_file`` reads it back as
    PyTorch tensors, of the same dtypes and shapes. Returns ``path`` as a Path."""
    package = _package("save")
    state = obj.state_dict() if callable(getattr(obj, "state_dict", None)) else obj
    if not hasattr(state, "items"):
        raise TypeError(f"save: expected a Module or a dict of tensors, got "
                        f"{type(obj).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("save: safetensors metadata maps strings to strings, e.g. "
                        "{'epoch': str(epoch)}")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key or key == "__metadata__":
            raise ValueError(f"save: safetensors keys are non-empty strings (not "
                             f"'__metadata__'), got {key!r}")
        arr = host_array(value)  # a cuda tensor is stored from its host copy
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) \
                or np.issubdtype(arr.dtype, np.complexfloating):
            raise TypeError(f"save: entry {key!r} is not an array of real numbers "
                            f"(dtype {arr.dtype})")
        # one copy each: safetensors stores no shared memory, and wants contiguous data
        arrays[key] = np.array(arr, order="C", copy=True)
    path = Path(os.fspath(path))
    with atomic_path(path) as tmp:
        package.save_file(arrays, tmp, metadata=metadata)
    return path
