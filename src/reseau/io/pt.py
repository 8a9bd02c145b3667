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

:func:`save_pt` (``io/pt_writer.py``) writes the same layout; ``torch.load(path,
weights_only=True)`` reads it back equal.
"""

from __future__ import annotations

import math
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..devices import check_device, device
from ..dtypes import public_dtype
from ..nn import Parameter
from ..size import Size
from ..tensor import Tensor
from .errors import ModelFileError
from .pt_writer import STORAGE_DTYPES, TORCH_DTYPES, save_pt
from .unpickler import BASIC_GLOBALS, Allowed, Refused, short, unpickle

__all__ = ["load_pt", "save_pt", "is_pt_archive"]

#: the largest data.pkl read (a state dict's pickle is a few kilobytes)
MAX_PICKLE_BYTES = 256 << 20
#: the largest decompressed / compressed ratio of a compressed entry (deflate's limit)
_MAX_RATIO = 1032
_CHUNK = 1 << 22

_SAVE_INSTEAD = "torch.save(model.state_dict(), path)"
#: modules whose names in a pickle mean code to run, whatever the name after them
_CODE_MODULES = {"os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys",
                 "shutil", "socket", "importlib", "runpy", "pty", "code", "codecs", "_codecs",
                 "functools", "operator", "pickle", "_pickle", "marshal", "ctypes", "types",
                 "webbrowser", "platform", "commands", "io", "pathlib", "tempfile", "urllib",
                 "requests", "threading", "multiprocessing", "asyncio", "signal", "glob"}


class _Storage:
    """A storage read from the archive: one 1-D array (tensors are views of it)."""

    __slots__ = ("array", "key", "type")

    def __init__(self, array: np.ndarray, key: str, type: str) -> None:
        self.array, self.key, self.type = array, key, type


# ------------------------------------------------------------------ reading
def _int(value, what: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Refused(f"a tensor's {what} is {short(value)}, not an integer >= {minimum}")
    return value


def _ints(value, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) > 64:
        raise Refused(f"a tensor's {what} is {short(value)}, not a "
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
    if not isinstance(t, Tensor):
        raise Refused("_rebuild_from_type_v2 with a function that builds no tensor")
    name = getattr(new_type, "name", None)
    if name == "torch.Tensor":
        return t
    if name == "torch.nn.parameter.Parameter":
        return _parameter(t, t.requires_grad)
    raise Refused("_rebuild_from_type_v2 to a type other than Tensor or Parameter")


def _size(dims=()):
    return Size(_ints(dims, "torch.Size"))


def _device(kind, index=None):
    if not isinstance(kind, str) or not (index is None or isinstance(index, int)):
        raise Refused(f"torch.device called with {short(kind)}, {short(index)}")
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
    # names that only the constructors above receive as arguments
    "torch.Tensor": Allowed("torch.Tensor"),
    "torch.Size": Allowed("torch.Size", _size),
    "torch.device": Allowed("torch.device", _device),
    **{f"torch.{name}": Allowed(f"torch.{name}") for name in STORAGE_DTYPES},
    **{f"torch.{name}": Allowed(f"torch.{name}", value=public_dtype(np.dtype(name)))
       for name in TORCH_DTYPES},
}

#: torch's names for tensors reseau does not hold, and what to save instead
_UNSUPPORTED_TENSORS = {
    "_rebuild_sparse": "a sparse tensor: save t.to_dense()",
    "_get_layout": "a layout (torch.strided, torch.sparse_coo): store its name, str(x), "
                   "and save sparse tensors as t.to_dense()",
    "_rebuild_qtensor": "a quantized tensor: save t.dequantize()",
    "_rebuild_tensor_v3": "a tensor of a dtype reseau does not hold (uint16/32/64, "
                          "float8...): save t.to(torch.int64) or t.float()",
    "UntypedStorage": "a tensor of a dtype reseau does not hold (uint16/32/64, float8...): "
                      "save t.to(torch.int64) or t.float()",
    "_rebuild_nested": "a nested tensor: save its tensors as a list, t.unbind()",
    "_rebuild_wrapper_subclass": "a tensor subclass: save t.as_subclass(torch.Tensor)",
    "_rebuild_meta": "a meta tensor, which has no values: save a real one",
    "_rebuild_device": "a tensor of a device-specific kind: save t.cpu()",
}


def _refusal(name: str) -> str:
    """The one-line reason and fix for a global that is not allowed."""
    said = (f"data.pkl names {name}, which reseau never imports or calls (a .pt file may "
            "hold tensors, numbers, strings, None, and lists, tuples and dicts of them)")
    for part, advice in _UNSUPPORTED_TENSORS.items():
        if part in name:
            return f"{said}; it stands for {advice} instead"
    if name.startswith("torch.optim."):
        return f"{said}; this is a whole optimizer: save optimizer.state_dict() instead"
    if name.startswith("numpy."):
        return (f"{said}; this is a NumPy array or scalar: save torch.from_numpy(a) or "
                "a Python number (a.item(), a.tolist()) instead")
    is_code = name.partition(".")[0] in _CODE_MODULES
    last = name.rpartition(".")[2]
    if name.startswith("torch.") and last[:1].islower():
        return (f"{said}; it is a PyTorch value reseau has no equivalent for (a dtype such as "
                "torch.bfloat16, a layout, a function): store its name instead, str(x)")
    if not is_code and (name.startswith(("torch.", "__main__."))
                        or last[:1].isupper()):
        return (f"{said}; this looks like a whole pickled model (torch.save(model)): save "
                f"its weights instead, {_SAVE_INSTEAD}, and load them with "
                "model.load_state_dict(reseau.load(path))")
    if is_code:
        return (f"{said}; the file would run code if unpickled (do not torch.load it with "
                f"weights_only=False either); save data instead, e.g. {_SAVE_INSTEAD}")
    return (f"{said}; unpickling it would import and call that name (torch.load refuses it "
            f"too with weights_only=True); save data instead, e.g. {_SAVE_INSTEAD}")


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, size_on_disk: int,
                where: str) -> bytearray:
    """An entry's bytes, read in chunks after checking that its declared size can be
    true (a stored entry lies inside the file; a compressed one is at most deflate's
    ratio of what it occupies)."""
    if info.header_offset < 0 or info.compress_size < 0:
        raise ModelFileError(f"{where}: entry {info.filename!r} has a negative offset or "
                             "size in the zip directory (corrupted)")
    if info.flag_bits & 0x1:
        raise ModelFileError(f"{where}: entry {info.filename!r} is encrypted; PyTorch never "
                             "encrypts its files")
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
    if info.compress_type == zipfile.ZIP_STORED:
        return _read_stored(zf, info, size_on_disk, where)
    out = bytearray()
    try:
        with zf.open(info) as f:
            while len(out) < info.file_size:
                chunk = f.read(min(_CHUNK, info.file_size - len(out)))
                if not chunk:
                    break
                out += chunk
            f.read(1)  # reach the end, so that zipfile checks the CRC
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as e:
        raise ModelFileError(f"{where}: entry {info.filename!r} cannot be read ({e}); the "
                             "file is truncated or corrupted") from None
    if len(out) != info.file_size:
        raise ModelFileError(f"{where}: entry {info.filename!r} holds {len(out)} bytes, "
                             f"not the {info.file_size} declared (truncated)")
    return out


def _read_stored(zf: zipfile.ZipFile, info: zipfile.ZipInfo, size_on_disk: int,
                 where: str) -> bytearray:
    """A stored entry's bytes read straight into one buffer (its size is known to fit in
    the file), then checked against the entry's CRC: four times faster than zipfile's
    reads for the storages of a large model."""
    fp = zf.fp
    try:
        fp.seek(info.header_offset)
        header = fp.read(30)
    except OSError as e:
        raise ModelFileError(f"{where}: entry {info.filename!r} cannot be read ({e})") from None
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ModelFileError(f"{where}: entry {info.filename!r} has no local header at "
                             f"offset {info.header_offset} (corrupted)")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.file_size > size_on_disk:
        raise ModelFileError(f"{where}: entry {info.filename!r} runs past the end of the "
                             "file (truncated)")
    out = bytearray(info.file_size)
    view = memoryview(out)
    done = 0
    try:
        fp.seek(start)
        while done < len(out):
            n = fp.readinto(view[done:done + _CHUNK])
            if not n:
                break
            done += n
    except OSError as e:
        raise ModelFileError(f"{where}: entry {info.filename!r} cannot be read ({e})") from None
    if done < len(out):
        raise ModelFileError(f"{where}: entry {info.filename!r} ends after {done} of its "
                             f"{len(out)} bytes (truncated)")
    if zlib.crc32(out) != info.CRC:
        raise ModelFileError(f"{where}: entry {info.filename!r} fails its CRC check; the "
                             "file is corrupted")
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
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
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
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
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
        if not isinstance(pid, tuple) or len(pid) != 5 or \
                not isinstance(pid[0], (str, bytes)) or pid[0] not in ("storage", b"storage"):
            raise Refused(f"a persistent id that is not a storage ({short(pid)})")
        _, kind, key, _location, numel = pid
        kind = kind.name.partition(".")[2] if isinstance(kind, Allowed) else None
        if kind not in STORAGE_DTYPES:
            raise Refused(f"a storage of type {getattr(pid[1], 'name', short(pid[1]))}, not "
                          "one of torch's storages")
        dtype = np.dtype(STORAGE_DTYPES[kind])
        if not isinstance(key, str) or not re.fullmatch(r"[0-9A-Za-z_]{1,64}", key):
            raise Refused(f"a storage key {short(key)} (expected digits)")
        numel = _int(numel, "storage size")
        known = storages.get(key)
        if known is not None:
            if known.type != kind or known.array.size != numel:
                raise Refused(f"storage {key!r} is read both as {known.type} and as {kind}")
            return known
        info = infos.get(f"{prefix}/data/{key}")
        if info is None:
            raise Refused(f"storage {key!r} has no entry {prefix}/data/{key}")
        nbytes = numel * dtype.itemsize
        if info.file_size != nbytes:
            raise Refused(f"storage {key!r} declares {numel} elements of {kind} "
                          f"({nbytes} bytes) but its entry holds {info.file_size} bytes")
        raw = _read_entry(zf, info, size_on_disk, where)
        array = np.frombuffer(raw, dtype.newbyteorder(order))
        if kind == "BFloat16Storage":  # the top half of a float32's bits
            array = (array.astype(np.uint32) << 16).view(np.float32)
        elif not array.dtype.isnative:
            array = array.astype(dtype)
        storages[key] = _Storage(array, key, kind)
        return storages[key]

    return unpickle(bytes(data), _GLOBALS, persistent_load=persistent_load,
                    refuse_global=_refusal, source=where)
