"""PyTorch's ``.pt`` files, read and written without PyTorch and without ``pickle``.

``torch.save`` writes a zip archive (its entries stored, not compressed)::

    <archive>/data.pkl        the object, pickled (protocol 2); each tensor a call of
                              torch._utils._rebuild_tensor_v2(storage, offset, size,
                              stride, requires_grad, hooks), each storage a persistent id
                              ("storage", torch.FloatStorage, key, location, numel)
    <archive>/data/<key>      the bytes of storage <key> (numel * itemsize)
    <archive>/byteorder       "little" (absent in old files: little)
    <archive>/version         the format version ("3")

:func:`load_pt` reads the pickle with :mod:`reseau.io.unpickler`, which interprets it
opcode by opcode and resolves the names it holds only against the globals PyTorch's own
``weights_only=True`` loader accepts (``_GLOBALS``), mapped to reseau's constructors:
nothing in the file is imported or called. A storage's declared size is checked against
its entry in the archive before anything is read. Tensors that share a storage in the
file share memory after loading (NumPy views of one array), as in PyTorch.

:func:`save_pt` writes the same layout (the pickle written opcode by opcode, with only the
opcodes PyTorch's ``weights_only`` loader reads); ``torch.load(path, weights_only=True)``
reads it back equal.
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

from ..devices import check_device, device
from ..dtypes import DType, public_dtype
from ..files import atomic_open
from ..nn import Parameter
from ..size import Size
from ..tensor import Tensor
from .errors import ModelFileError
from .unpickler import BASIC_GLOBALS, MAX_DEPTH, Allowed, Refused, unpickle

__all__ = ["load_pt", "save_pt", "is_pt_archive"]

#: PyTorch's storage classes and the NumPy dtype of their elements
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16,  # read as raw bits, widened to float32
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
    "ComplexFloatStorage": np.complex64, "ComplexDoubleStorage": np.complex128,
}
_STORAGE_OF_DTYPE = {np.dtype(t): name for name, t in _STORAGE_DTYPES.items()
                     if name != "BFloat16Storage"}
#: torch.<name> dtype objects that have a NumPy dtype
_TORCH_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                 "uint8", "bool", "complex64", "complex128")
#: the largest data.pkl read (a state dict's pickle is a few kilobytes)
MAX_PICKLE_BYTES = 1 << 30
#: the largest decompressed / compressed ratio of a compressed entry (deflate's limit)
_MAX_RATIO = 1032
_CHUNK = 1 << 22

_SAVE_INSTEAD = "torch.save(model.state_dict(), path)"


class _StorageType:
    """What ``GLOBAL torch FloatStorage`` stands for: the dtype of a storage."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype) -> None:
        self.name, self.dtype = name, np.dtype(dtype)

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class _Storage:
    """A storage read from the archive: one 1-D array (tensors are views of it)."""

    __slots__ = ("array", "key", "type")

    def __init__(self, array: np.ndarray, key: str, type: _StorageType) -> None:
        self.array, self.key, self.type = array, key, type


_TENSOR_TYPE = object()  # what GLOBAL torch Tensor stands for (only as _rebuild_from_type_v2's type)


# ------------------------------------------------------------------ reading
def _int(value, what: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Refused(f"a tensor's {what} is {value!r}, not an integer >= {minimum}")
    return value


def _ints(value, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) > 64:
        raise Refused(f"a tensor's {what} is {type(value).__name__} {value!r:.60}, not a "
                      "tuple of at most 64 integers")
    return tuple(_int(v, what) for v in value)


def _view(storage, offset, size, stride) -> np.ndarray:
    """The array a tensor of ``size``/``stride`` at ``offset`` sees in ``storage``,
    after checking that every element it reaches lies inside the storage."""
    if not isinstance(storage, _Storage):
        raise Refused(f"a tensor is rebuilt from a {type(storage).__name__}, not a storage")
    offset, size, stride = _int(offset, "storage offset"), _ints(size, "size"), \
        _ints(stride, "stride")
    if len(size) != len(stride):
        raise Refused(f"a tensor has size {size} but stride {stride} (lengths differ)")
    base = storage.array
    if math.prod(size) == 0:
        return np.zeros(size, base.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= base.size:
        raise Refused(f"a tensor of size {size}, stride {stride} at offset {offset} reaches "
                      f"element {last} of storage {storage.key!r}, which has {base.size}")
    item = base.itemsize
    return np.lib.stride_tricks.as_strided(base[offset:], shape=size,
                                           strides=tuple(s * item for s in stride))


def _tensor(array: np.ndarray, requires_grad) -> Tensor:
    t = Tensor._make(array)
    if requires_grad is True and np.issubdtype(array.dtype, np.floating):
        t.requires_grad = True
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _tensor(_view(storage, storage_offset, size, stride), requires_grad)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor(_view(storage, storage_offset, size, stride), False)


def _parameter(data=None, requires_grad=True, *_hooks_and_state):
    if data is None:
        return Parameter(None, bool(requires_grad))
    if not isinstance(data, Tensor):
        raise Refused(f"a Parameter is rebuilt from a {type(data).__name__}, not a tensor")
    grad = requires_grad is True and np.issubdtype(data._array.dtype, np.floating)
    return Parameter(data._array, requires_grad=grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    # a tensor with Python attributes: rebuilt by func(*args), the attributes dropped
    if not isinstance(func, Allowed) or not isinstance(args, tuple):
        raise Refused("_rebuild_from_type_v2 without an allowed rebuild function")
    t = func.call(*args)
    if new_type is _TENSOR_TYPE:
        return t
    if isinstance(new_type, Allowed) and new_type.name == "torch.nn.parameter.Parameter":
        return _parameter(t, t.requires_grad)
    raise Refused("_rebuild_from_type_v2 to a type other than Tensor or Parameter")


def _size(dims=()):
    return Size(_ints(dims, "torch.Size"))


def _device(kind, index=None):
    if not isinstance(kind, str) or not (index is None or isinstance(index, int)):
        raise Refused(f"torch.device called with {kind!r}, {index!r}")
    try:
        return device(kind, index)
    except (RuntimeError, TypeError) as e:
        raise Refused(f"torch.device: {e}") from None


_GLOBALS: dict[str, Allowed] = {
    **BASIC_GLOBALS,
    "torch._utils._rebuild_tensor_v2": Allowed("torch._utils._rebuild_tensor_v2",
                                               _rebuild_tensor_v2),
    "torch._utils._rebuild_tensor": Allowed("torch._utils._rebuild_tensor", _rebuild_tensor),
    "torch._utils._rebuild_parameter": Allowed("torch._utils._rebuild_parameter", _parameter),
    "torch._utils._rebuild_parameter_with_state": Allowed(
        "torch._utils._rebuild_parameter_with_state", _parameter),
    "torch.nn.parameter.Parameter": Allowed("torch.nn.parameter.Parameter", _parameter),
    "torch._tensor._rebuild_from_type_v2": Allowed("torch._tensor._rebuild_from_type_v2",
                                                   _rebuild_from_type_v2),
    "torch.Tensor": Allowed("torch.Tensor", value=_TENSOR_TYPE),
    "torch.Size": Allowed("torch.Size", _size),
    "torch.device": Allowed("torch.device", _device),
    **{f"torch.{name}": Allowed(f"torch.{name}", value=_StorageType(name, dtype))
       for name, dtype in _STORAGE_DTYPES.items()},
    **{f"torch.{name}": Allowed(f"torch.{name}", value=public_dtype(np.dtype(name)))
       for name in _TORCH_DTYPES},
}

_UNSUPPORTED_TENSORS = ("_rebuild_sparse", "_rebuild_qtensor", "_rebuild_nested",
                        "_rebuild_wrapper_subclass", "_rebuild_meta", "_rebuild_device",
                        "_rebuild_tensor_v3", "UntypedStorage", "_get_layout")


def _refusal(name: str) -> str:
    """The one-line reason and fix for a global that is not allowed."""
    said = (f"data.pkl names {name}, which reseau never imports or calls (a .pt file may "
            "hold tensors, numbers, strings, None, and lists, tuples and dicts of them)")
    if any(part in name for part in _UNSUPPORTED_TENSORS):
        return (f"{said}; it is a sparse, quantized, nested or device-specific tensor, or "
                "one of a dtype without a legacy storage (bfloat16 aside): save "
                "t.to_dense().cpu() (or t.dequantize(), t.float()) instead")
    if name.startswith("torch.optim."):
        return f"{said}; this is a whole optimizer: save optimizer.state_dict() instead"
    if name.startswith("numpy."):
        return (f"{said}; this is a NumPy array or scalar: save torch.from_numpy(a) or "
                "a Python number (a.item(), a.tolist()) instead")
    if name.startswith(("torch.", "__main__.")) or name.rpartition(".")[2][:1].isupper():
        return (f"{said}; this looks like a whole pickled model (torch.save(model)): save "
                f"its weights instead, {_SAVE_INSTEAD}, and load them with "
                "model.load_state_dict(reseau.load(path))")
    return (f"{said}; the file would run code if unpickled (do not torch.load it with "
            f"weights_only=False either); save data instead, e.g. {_SAVE_INSTEAD}")


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, size_on_disk: int,
                where: str) -> bytearray:
    """An entry's bytes, read in chunks after checking that its declared size can be
    true (a stored entry lies inside the file; a compressed one is at most deflate's
    ratio of what it occupies)."""
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size or \
                info.header_offset + info.compress_size > size_on_disk:
            raise ModelFileError(f"{where}: entry {info.filename!r} declares "
                                 f"{info.file_size} bytes that the file does not hold "
                                 "(truncated or corrupted)")
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        if info.file_size > _MAX_RATIO * max(info.compress_size, 1) or \
                info.header_offset + info.compress_size > size_on_disk:
            raise ModelFileError(f"{where}: entry {info.filename!r} declares "
                                 f"{info.file_size} bytes from {info.compress_size} "
                                 "compressed ones, which deflate cannot (corrupted)")
    else:
        raise ModelFileError(f"{where}: entry {info.filename!r} is compressed with method "
                             f"{info.compress_type}; PyTorch stores entries uncompressed; "
                             "re-save the file with torch.save")
    out = bytearray()
    try:
        with zf.open(info) as f:
            while len(out) < info.file_size:
                chunk = f.read(min(_CHUNK, info.file_size - len(out)))
                if not chunk:
                    break
                out += chunk
            f.read(1)  # reach the end, so that zipfile checks the CRC
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise ModelFileError(f"{where}: entry {info.filename!r} cannot be read ({e}); the "
                             "file is truncated or corrupted") from None
    if len(out) != info.file_size:
        raise ModelFileError(f"{where}: entry {info.filename!r} holds {len(out)} bytes, "
                             f"not the {info.file_size} declared (truncated)")
    return out


def _archive_prefix(names: list[str], where: str) -> str:
    pickles = [n[:-len("/data.pkl")] for n in names
               if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) == 1:
        return pickles[0]
    if any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
        raise ModelFileError(f"{where}: this is a TorchScript archive (torch.jit.save), not "
                             f"a torch.save file; in PyTorch, save {_SAVE_INSTEAD} instead")
    found = "no entry <archive>/data.pkl" if not pickles else \
        f"{len(pickles)} entries */data.pkl"
    raise ModelFileError(f"{where}: a zip file but not one written by torch.save ({found}); "
                         "expected <archive>/data.pkl beside <archive>/data/<storages>")


def is_pt_archive(path) -> bool:
    """Whether ``path`` is a zip archive with one ``<archive>/data.pkl`` (the format of
    ``torch.save``); reads only the zip's directory."""
    try:
        with zipfile.ZipFile(os.fspath(path)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return sum(n.endswith("/data.pkl") and n.count("/") == 1 for n in names) == 1


def _legacy_message(head: bytes) -> str | None:
    if head.startswith(b"\x80") and len(head) > 1 and head[1] <= 5:
        return ("a raw pickle, PyTorch's legacy format (before 1.6) or a pickle.dump; "
                "reseau reads the zip format only: re-save it with a recent PyTorch, "
                f"torch.save(torch.load(path), new_path), or better {_SAVE_INSTEAD}")
    if len(head) >= 262 and head[257:262] == b"ustar":
        return ("a tar archive, PyTorch's oldest format; re-save it with a recent PyTorch "
                f"({_SAVE_INSTEAD})")
    return None


def _check_map_location(map_location) -> None:
    """reseau's tensors live in NumPy memory on the CPU: a location is accepted when it
    names the CPU (or a device this backend has); a function is refused."""
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if target is None:
            continue
        if callable(target) and not isinstance(target, (str, device)):
            raise TypeError("load_pt: map_location as a function is not supported (it would "
                            "receive PyTorch storages); reseau loads every tensor into NumPy "
                            "memory on the CPU: pass None or 'cpu'")
        if hasattr(target, "type") and hasattr(target, "index"):  # a torch.device
            target = str(target)
        if not isinstance(target, (str, int, device)):
            raise TypeError(f"load_pt: map_location must be None, 'cpu', a device, a dict "
                            f"or a function, got {type(target).__name__}")
        check_device(target, "load_pt(map_location=...)")


def load_pt(path, *, map_location=None, weights_only=None):
    """The object ``torch.save`` wrote in ``path``, its tensors as reseau Tensors.

    State dicts, optimizer state dicts, checkpoint dicts, nested lists, tuples, dicts and
    sets of tensors, numbers, strings, bytes, ``None`` and booleans are read; a
    ``Parameter`` comes back as an ``nn.Parameter``, ``torch.Size`` as ``reseau.Size``, a
    dtype as ``reseau.float32``..., a device as ``reseau.device``. Tensors of dtype
    float16/32/64, int8/16/32/64, uint8, bool keep it; bfloat16 becomes float32 (exact).
    Tensors saved from a GPU come back on the CPU. Tensors that shared a storage share
    memory, 0-d tensors keep their shape ``()``.

    Parameters
    ----------
    path : str or PathLike
    map_location : None, "cpu", a device, or a dict of locations to those
        As in ``torch.load``, but every tensor lives on the CPU here: a location other
        than one this backend has is refused, and so is a function.
    weights_only : None, True or False
        Accepted for ``torch.load``'s signature; every value loads weights only. With
        ``False`` reseau still never imports or runs anything a file names.

    Raises
    ------
    ModelFileError
        A file that is not a ``torch.save`` zip archive (the legacy format included,
        with how to re-save it), is truncated or corrupted, or whose pickle names
        anything else than data: a whole model (``torch.save(model)``), an optimizer
        object, a custom class, a function. The one-line message names what was found
        and says what to save instead (``model.state_dict()``).
    """
    if weights_only not in (None, True, False):
        raise TypeError(f"load_pt: weights_only must be True, False or None, got "
                        f"{weights_only!r}")
    _check_map_location(map_location)
    path = Path(os.fspath(path))
    where = f"load_pt: {path}"
    try:
        size_on_disk = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(512)
    except FileNotFoundError:
        raise ModelFileError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{where}: a folder, not a file") from None
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        legacy = _legacy_message(head)
        raise ModelFileError(f"{where}: " + (legacy or f"not a zip archive ({e}); a .pt file "
                             "written by torch.save is a zip archive with a data.pkl")) from None
    with zf:
        return _load_archive(zf, size_on_disk, where)


def _load_archive(zf: zipfile.ZipFile, size_on_disk: int, where: str):
    infos = {info.filename: info for info in zf.infolist()}
    prefix = _archive_prefix(list(infos), where)
    byteorder = "little"
    if f"{prefix}/byteorder" in infos:
        info = infos[f"{prefix}/byteorder"]
        if info.file_size > 16:
            raise ModelFileError(f"{where}: the byteorder record holds {info.file_size} bytes")
        byteorder = bytes(_read_entry(zf, info, size_on_disk, where)).decode("ascii", "replace")
        if byteorder not in ("little", "big"):
            raise ModelFileError(f"{where}: the byteorder record says {byteorder!r}; "
                                 "expected 'little' or 'big'")
    pickle_info = infos[f"{prefix}/data.pkl"]
    if pickle_info.file_size > MAX_PICKLE_BYTES:
        raise ModelFileError(f"{where}: data.pkl declares {pickle_info.file_size} bytes, more "
                             f"than the {MAX_PICKLE_BYTES} reseau reads")
    data = _read_entry(zf, pickle_info, size_on_disk, where)
    storages: dict[str, _Storage] = {}
    order = ">" if byteorder == "big" else "<"

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or pid[0] not in ("storage", b"storage"):
            raise Refused(f"a persistent id {pid!r:.80} that is not a storage")
        _, kind, key, _location, numel = pid
        if not isinstance(kind, _StorageType):
            raise Refused(f"a storage of type {kind!r:.60}, not one of torch's storages")
        if not isinstance(key, str) or not re.fullmatch(r"[0-9A-Za-z_]{1,64}", key):
            raise Refused(f"a storage key {key!r:.60} (expected digits)")
        numel = _int(numel, "storage size")
        known = storages.get(key)
        if known is not None:
            if known.type.name != kind.name or known.array.size != numel:
                raise Refused(f"storage {key!r} is read both as {known.type} and as {kind}")
            return known
        info = infos.get(f"{prefix}/data/{key}")
        if info is None:
            raise Refused(f"storage {key!r} has no entry {prefix}/data/{key}")
        nbytes = numel * kind.dtype.itemsize
        if info.file_size != nbytes:
            raise Refused(f"storage {key!r} declares {numel} elements of {kind} "
                          f"({nbytes} bytes) but its entry holds {info.file_size} bytes")
        raw = _read_entry(zf, info, size_on_disk, where)
        array = np.frombuffer(raw, kind.dtype.newbyteorder(order))
        if kind.name == "BFloat16Storage":  # the top half of a float32's bits
            array = (array.astype(np.uint32) << 16).view(np.float32)
        elif not array.dtype.isnative:
            array = array.astype(kind.dtype)
        storages[key] = _Storage(array, key, kind)
        return storages[key]

    return unpickle(bytes(data), _GLOBALS, persistent_load=persistent_load,
                    refuse_global=_refusal, source=where)


# ------------------------------------------------------------------ writing
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
            if name not in _TORCH_DTYPES:
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
        array = obj._array if isinstance(obj, Tensor) else obj
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
            data = content if isinstance(content, bytes) else \
                content.astype(content.dtype.newbyteorder("<"), copy=False).tobytes()
            info = zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.extra = _aligned_extra(f.tell(), info.filename, len(data))
            zf.writestr(info, data)
    return path
