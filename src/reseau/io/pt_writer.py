"""Writing PyTorch's ``.pt`` files: ``save_pt``, a protocol-2 pickle written opcode by opcode.

The object is written as ``torch.save`` writes it (``io/pt.py`` describes the archive):
each tensor a ``torch._utils._rebuild_tensor_v2`` call on a storage given by persistent
id, each ``Parameter`` a ``_rebuild_parameter`` call, an ``OrderedDict`` a call of
``collections.OrderedDict``. Only the opcodes that PyTorch's ``weights_only=True`` loader
reads are used (no ``FRAME``, no ``SHORT_BINUNICODE``...), and only the globals it
accepts are named, so ``torch.load(path, weights_only=True)`` reads the file back equal.

Tensors that are views of one NumPy array are written as views of one storage (offset
and strides in elements), as PyTorch writes views of one storage; a view PyTorch cannot
describe (a negative stride, another dtype than its base) is written as its own copy.
"""

from __future__ import annotations

import collections
import math
import os
import re
import struct
import zipfile
from pathlib import Path

import numpy as np

from ..devices import device
from ..dtypes import DType
from ..files import atomic_open
from ..nn import Parameter
from ..size import Size
from ..tensor import Tensor
from .unpickler import MAX_DEPTH

__all__ = ["save_pt", "STORAGE_DTYPES", "TORCH_DTYPES"]

#: PyTorch's storage classes and the NumPy dtype of their elements
STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16,  # read as raw bits, widened to float32
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
    "ComplexFloatStorage": np.complex64, "ComplexDoubleStorage": np.complex128,
}
_STORAGE_OF_DTYPE = {np.dtype(t): name for name, t in STORAGE_DTYPES.items()
                     if name != "BFloat16Storage"}
#: torch.<name> dtype objects that have a NumPy dtype
TORCH_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                "uint8", "bool", "complex64", "complex128")


class _Pickler:
    """Writes an object as protocol-2 opcodes, only those that PyTorch's
    ``weights_only`` loader reads, and collects the storages of its tensors."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.memo: dict[int, int] = {}
        self.keep: list = []  # the objects memoized by id stay alive while writing
        self.storages: list[np.ndarray] = []  # key = position, contiguous arrays
        self.storage_of: dict[int, int] = {}  # id(root array) -> key
        self.globals: dict[str, int] = {}  # "module\nname\n" -> memo index
        self.in_progress: set[int] = set()
        self.depth = 0

    # ---- opcodes
    def op(self, code: bytes, payload: bytes = b"") -> None:
        self.out += code + payload

    def put(self, obj=None) -> int:
        """Memoize the top of the stack (``obj``, by identity, when given)."""
        index = len(self.memo) + len(self.globals)
        if obj is not None:
            self.memo[id(obj)] = index
            self.keep.append(obj)
        self.op(b"q", bytes([index])) if index < 256 else self.op(b"r", struct.pack("<I", index))
        return index

    def get_index(self, index: int) -> None:
        self.op(b"h", bytes([index])) if index < 256 else self.op(b"j", struct.pack("<I", index))

    def get(self, obj) -> bool:
        index = self.memo.get(id(obj))
        if index is not None:
            self.get_index(index)
        return index is not None

    def global_(self, module: str, name: str) -> None:
        key = f"{module}\n{name}\n"
        if key in self.globals:
            return self.get_index(self.globals[key])
        self.op(b"c", key.encode("ascii"))
        self.globals[key] = self.put()
        return None

    def text(self, s: str) -> None:
        data = s.encode("utf-8", "surrogatepass")
        self.op(b"X", struct.pack("<I", len(data)) + data)

    def integer(self, n: int) -> None:
        if 0 <= n < 256:
            self.op(b"K", bytes([n]))
        elif 0 <= n < 65536:
            self.op(b"M", struct.pack("<H", n))
        elif -(1 << 31) <= n < (1 << 31):
            self.op(b"J", struct.pack("<i", n))
        else:
            data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            if len(data) > 255:
                raise ValueError(f"save_pt: the integer {n:.3e} is too large for a .pt file")
            self.op(b"\x8a", bytes([len(data)]) + data)

    def tuple_of(self, items, path: str) -> None:
        if len(items) <= 3:
            for i, item in enumerate(items):
                self.save(item, f"{path}[{i}]")
            self.op((b")", b"\x85", b"\x86", b"\x87")[len(items)])
        else:
            self.op(b"(")
            for i, item in enumerate(items):
                self.save(item, f"{path}[{i}]")
            self.op(b"t")

    def batched(self, items: list, closing: bytes, path: str, pairs: bool) -> None:
        for start in range(0, len(items), 1000):
            self.op(b"(")
            for item in items[start:start + 1000]:
                if pairs:
                    self.save(item[0], f"{path} key")
                    self.save(item[1], f"{path}[{item[0]!r}]")
                else:
                    self.save(item, f"{path}[]")
            self.op(closing)

    def reduce(self, module: str, name: str, args: tuple, path: str) -> None:
        self.global_(module, name)
        self.tuple_of(args, path)
        self.op(b"R")

    # ---- objects
    def save(self, obj, path: str = "obj") -> None:
        if obj is None:
            return self.op(b"N")
        if obj is True or obj is False or isinstance(obj, np.bool_):
            return self.op(b"\x88" if obj else b"\x89")
        if isinstance(obj, (int, np.integer)):
            return self.integer(int(obj))
        if isinstance(obj, (float, np.floating)):
            return self.op(b"G", struct.pack(">d", float(obj)))
        if isinstance(obj, (complex, np.complexfloating)):
            return self.reduce("builtins", "complex", (obj.real, obj.imag), path)
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, (bytes, bytearray)):
            # protocol 2's spelling of bytes, which torch's loader accepts
            encoded = ("_codecs", "encode", (bytes(obj).decode("latin1"), "latin1"))
            if isinstance(obj, bytearray):
                self.global_("builtins", "bytearray")
                self.reduce(*encoded, path)
                self.op(b"\x85R")
                return None
            return self.reduce(*encoded, path)
        if isinstance(obj, DType):
            name = str(obj).rpartition(".")[2]
            if name not in TORCH_DTYPES:
                raise TypeError(f"save_pt: {path} is the dtype {obj}, which torch lacks")
            return self.global_("torch", name)
        if isinstance(obj, device):
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return self.reduce("torch", "device", args, path)
        if isinstance(obj, Size):
            return self.reduce("torch", "Size", (tuple(int(n) for n in obj),), path)
        if self.get(obj):
            return None
        if isinstance(obj, (Tensor, np.ndarray)):
            self.tensor(obj, path)
            self.put(obj)
            return None
        if not isinstance(obj, (tuple, list, dict, set, frozenset)):
            raise TypeError(
                f"save_pt: {path} is a {type(obj).__name__}, which a .pt file read with "
                "weights_only=True cannot hold; save tensors, arrays, numbers, strings, None "
                "and lists, tuples and dicts of them (a model: model.state_dict())")
        if self.depth >= MAX_DEPTH:
            raise ValueError(f"save_pt: {path} nests deeper than {MAX_DEPTH} levels")
        self.depth += 1
        try:
            self.container(obj, path)
        finally:
            self.depth -= 1
        return None

    def container(self, obj, path: str) -> None:
        if isinstance(obj, tuple):
            if id(obj) in self.in_progress:
                raise ValueError(f"save_pt: {path} is a tuple that contains itself")
            self.in_progress.add(id(obj))
            self.tuple_of(obj, path)
            self.in_progress.discard(id(obj))
            if id(obj) not in self.memo:  # else written meanwhile through a list inside
                self.put(obj)
        elif isinstance(obj, list):
            self.op(b"]")
            self.put(obj)
            self.batched(obj, b"e", path, pairs=False)
        elif isinstance(obj, dict):
            if isinstance(obj, collections.OrderedDict):
                self.global_("collections", "OrderedDict")
                self.op(b")R")
            else:  # a defaultdict (reseau's optimizer state) is written as a dict
                self.op(b"}")
            self.put(obj)
            self.batched(list(obj.items()), b"u", path, pairs=True)
        else:
            self.reduce("builtins", "set", (list(obj),), path)
            self.put(obj)

    def tensor(self, obj, path: str) -> None:
        # a cuda tensor is written from its host copy, as a cpu tensor (torch.load needs
        # no GPU to read it)
        array = obj.detach().cpu()._array if isinstance(obj, Tensor) else obj
        storage_name = _STORAGE_OF_DTYPE.get(array.dtype.newbyteorder("="))
        if storage_name is None:
            raise TypeError(f"save_pt: {path} has dtype {array.dtype}, which PyTorch's "
                            "storages lack; convert it first (e.g. .astype(np.int64))")
        key, offset, strides = self.storage(array)
        is_param = isinstance(obj, Parameter)
        requires_grad = bool(isinstance(obj, Tensor) and obj.requires_grad)
        if is_param:
            self.global_("torch._utils", "_rebuild_parameter")
            self.op(b"(")
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(")
        self.text("storage")
        self.global_("torch", storage_name)
        self.text(str(key))
        self.text("cpu")
        self.integer(self.storages[key].size)
        self.op(b"tQ")
        self.integer(offset)
        self.tuple_of(tuple(array.shape), path)
        self.tuple_of(strides, path)
        # a Parameter carries requires_grad itself, the tensor inside it not
        self.op(b"\x88" if requires_grad and not is_param else b"\x89")
        self.global_("collections", "OrderedDict")
        self.op(b")R")
        self.op(b"tR")
        if is_param:
            self.op(b"\x88" if requires_grad else b"\x89")
            self.global_("collections", "OrderedDict")
            self.op(b")RtR")

    def storage(self, array: np.ndarray) -> tuple[int, int, tuple[int, ...]]:
        """(key, offset, strides in elements) of ``array`` in a storage: the array its
        memory belongs to when the view can be described so, else a contiguous copy."""
        root = array
        while isinstance(root.base, np.ndarray):
            root = root.base
        item = array.itemsize
        shape = array.shape
        contiguous = tuple(math.prod(shape[i + 1:]) for i in range(len(shape)))
        if array.size and root.dtype == array.dtype and root.dtype.isnative and \
                root.flags.c_contiguous:
            start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            strides = tuple(c if n == 1 else s // item
                            for n, s, c in zip(shape, array.strides, contiguous))
            if start % item == 0 and all(s % item == 0 and s >= 0 for s in array.strides):
                key = self.storage_of.get(id(root))
                if key is None:
                    key = self.storage_of[id(root)] = len(self.storages)
                    self.storages.append(root.reshape(-1))
                    self.keep.append(root)
                return key, start // item, strides
        copy = np.ascontiguousarray(array, array.dtype.newbyteorder("="))
        self.storages.append(copy.reshape(-1))
        return len(self.storages) - 1, 0, contiguous


def _aligned_extra(offset: int, name: str, size: int) -> bytes:
    """A padding extra field that makes the entry's data start at a multiple of 64 (as
    torch.save aligns storages, so that torch.load(mmap=True) can map them)."""
    header = 30 + len(name.encode("utf-8")) + 4
    if size * 1.05 > zipfile.ZIP64_LIMIT:  # zipfile adds its own zip64 field
        header += 20
    pad = (-(offset + header)) % 64
    return struct.pack("<HH", 0x4246, pad) + b"Z" * pad


def _archive_name(path: Path) -> str:
    stem = path.name.split(".")[0]
    return stem if re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", stem) else "archive"


def save_pt(obj, path) -> Path:
    """Write ``obj`` as PyTorch's ``.pt`` zip file, which
    ``torch.load(path, weights_only=True)`` reads back equal.

    ``obj`` may hold Tensors and NumPy arrays (every reseau dtype; views of one array
    share one storage, with their offsets and strides, as in PyTorch; 0-d tensors keep
    shape ``()``), ``nn.Parameter`` (read back as ``torch.nn.Parameter``), numbers,
    strings, bytes, booleans, ``None``, ``reseau.Size``, dtypes, devices, and lists,
    tuples, dicts (``OrderedDict`` kept), sets of them. An object with a
    ``state_dict()`` method (a Module, an optimizer) is saved as its state dict,
    PyTorch's advice (``model.load_state_dict(torch.load(path))`` in PyTorch).
    The write is atomic. Returns ``path`` as a Path.
    """
    if not isinstance(obj, dict) and callable(getattr(obj, "state_dict", None)):
        obj = obj.state_dict()
    path = Path(os.fspath(path))
    pickler = _Pickler()
    pickler.op(b"\x80\x02")
    pickler.save(obj)
    pickler.op(b".")
    prefix = _archive_name(path)
    records = [("data.pkl", bytes(pickler.out)), (".format_version", b"1"),
               (".storage_alignment", b"64"), ("byteorder", b"little")]
    records += [(f"data/{k}", a) for k, a in enumerate(pickler.storages)]
    records += [("version", b"3\n")]
    with atomic_open(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        for name, content in records:
            if isinstance(content, np.ndarray):  # its bytes as they are, not a copy
                little = content.astype(content.dtype.newbyteorder("<"), copy=False)
                content = np.ascontiguousarray(little).view(np.uint8).data
            info = zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.file_size = len(content)  # zipfile decides on zip64 from it
            info.extra = _aligned_extra(f.tell(), info.filename, len(content))
            with zf.open(info, "w") as entry:
                entry.write(content)
    return path
