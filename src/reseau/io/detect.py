"""What a file is, told from its first bytes, never from its name.

:func:`detect` gives one of the model formats reseau reads (``"npz"``, ``"pt"``,
``"safetensors"``, ``"onnx"``) or what else the file looks like; :func:`refusal` turns
the latter into the one-line :class:`ModelFileError` that ``reseau.load`` raises. The
signatures, read from the first 64 KiB:

========================  ==================================================================
kind                      content
========================  ==================================================================
``npz``                   a zip archive whose entries are all ``.npy`` arrays
``pt``                    a zip archive with a ``<name>/data.pkl`` entry (``torch.save``)
``safetensors``           an 8-byte little-endian header size, then a JSON object
``onnx``                  a protobuf ``ModelProto`` (field 1, ``ir_version``, first), or
                          a ``.onnx`` name
``pt-legacy``             the pickled magic number of ``torch.save`` before PyTorch 1.6
``pickle``                a pickle stream (protocol 2-5: ``\\x80`` and the protocol; 0-1:
                          a stream of opcodes that ends at its ``STOP``)
``npy``                   a single NumPy array (``\\x93NUMPY``)
``npz-damaged`` ...       a zip archive that cannot be read (truncated): ``npz-damaged``,
                          ``pt-damaged`` or ``zip-damaged`` from its first entry's name
``zip``                   any other zip archive
``png`` ``jpeg`` ``gif``  images; ``pdf``; ``gzip`` ``bzip2`` ``xz`` compressed data;
``hdf5``                  HDF5 (a Keras ``.h5`` model)
``json`` ``csv``          UTF-8 text: JSON, delimited lines (the same number of ``,`` ``;``
``text``                  tabs or ``|`` on each line), anything else
``empty`` ``folder``      a file of 0 bytes; a directory; ``special``: a device, a pipe
                          or a socket (not read: reading could block)
``binary``                none of these
========================  ==================================================================

A file that does not exist raises ``FileNotFoundError``. Only a real pickle stream is
ever called a pickled object. Detection reads at most 64 KiB (and, for a zip, its
central directory), runs nothing and unpickles nothing.
"""

from __future__ import annotations

import codecs
import io as _bytes_io
import os
import pickletools
import stat
import struct
import zipfile
from pathlib import Path

from .errors import ModelFileError

__all__ = ["MODEL_KINDS", "detect", "describe", "refusal"]

#: The kinds ``reseau.load`` reads.
MODEL_KINDS = ("npz", "pt", "safetensors", "onnx")

_HEAD = 1 << 16
# torch.save's legacy format starts with its magic number 0x1950a86a20f9469cfc6c pickled
# with protocol 2 (PROTO 2, LONG1 of 10 bytes)
_LEGACY_PT = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"),
    (b"GIF89a", "gif"), (b"%PDF-", "pdf"), (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"), (b"\x89HDF\r\n\x1a\n", "hdf5"), (b"\x93NUMPY", "npy"),
]
# ModelProto's fields and their wire types (0: varint, 2: length-delimited)
_ONNX_FIELDS = {1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2}
_DELIMITERS = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ValueError("varint runs past the data")


def _looks_like_onnx(head: bytes, size: int) -> bool:
    """The first fields of ``head`` parse as a ModelProto starting with ``ir_version``
    (a small varint), as every ONNX writer orders them."""
    try:
        pos, fields = 0, []
        while pos < len(head) and len(fields) < 4:
            key, pos = _varint(head, pos)
            number, wire = key >> 3, key & 7
            if _ONNX_FIELDS.get(number) != wire:
                return False
            value, pos = _varint(head, pos)
            if wire == 2:
                if pos + value > size:
                    return False
                pos += value
            fields.append((number, value))
            if number == 7:  # the graph: enough seen
                break
    except ValueError:
        return False
    return bool(fields) and fields[0][0] == 1 and 1 <= fields[0][1] <= 30 and len(fields) >= 2


def _is_pickle_stream(data: bytes) -> bool:
    """``data`` is a whole pickle stream: opcodes up to a STOP at its last byte (parsed
    by ``pickletools``, which executes nothing)."""
    try:
        end = 0
        for opcode, _, pos in pickletools.genops(_bytes_io.BytesIO(data)):
            end = pos
            if opcode.name == "STOP":
                return end == len(data) - 1
    except Exception:  # any malformed stream: not a pickle
        return False
    return False


def _zip_kind(path: Path, head: bytes) -> tuple[str, str]:
    """The kind of a zip archive and a few of its entry names."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # unreadable (truncated: no central directory): judge by the first entry's name,
        # in its local header (signature, 22 bytes, name length at 26, name at 30)
        name = b""
        if len(head) >= 30 and head.startswith(b"PK\x03\x04"):
            length = struct.unpack("<H", head[26:28])[0]
            name = head[30:30 + length]
        if name.endswith(b".npy"):
            return "npz-damaged", ""
        if name.endswith(b"data.pkl") or b"/" in name:
            return "pt-damaged", ""
        return "zip-damaged", ""
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") or "empty"
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "pt", shown
    if names and all(n.endswith(".npy") for n in names):
        return "npz", shown
    return "zip", shown


def _text_kind(head: bytes, whole: bool) -> tuple[str, str]:
    """``json``, ``csv`` or ``text`` for UTF-8 text with a detail, or ``binary``."""
    if b"\x00" in head:
        return "binary", ""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return "binary", ""
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > len(text) // 100:  # text has next to no control characters
        return "binary", ""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        return "json", ""
    lines = [line for line in stripped.splitlines() if line.strip()]
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    lines = lines[:20]
    if len(lines) >= 2:
        for delimiter, name in _DELIMITERS.items():
            count = lines[0].count(delimiter)
            if count and all(line.count(delimiter) == count for line in lines):
                return "csv", f"{count + 1} columns separated by {name}"
    first = lines[0].strip() if lines else ""
    return "text", repr(first[:40] + ("..." if len(first) > 40 else ""))


def _kind_and_detail(path) -> tuple[str, str]:
    path = Path(os.fspath(path))
    if path.is_dir():
        return "folder", ""
    if not path.exists():
        raise FileNotFoundError(f"load: no file at {path}")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device: reading it could block
        return "special", ""
    size = info.st_size
    with open(path, "rb") as f:
        head = f.read(_HEAD)
    if not head:
        return "empty", ""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path, head)
    if head.startswith(_LEGACY_PT):
        return "pt-legacy", ""
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle", f"protocol {head[1]}"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind, ""
    if size >= 520 and head[512:520] == b"\x89HDF\r\n\x1a\n":  # HDF5 after a user block
        return "hdf5", ""
    if len(head) >= 9:
        declared = struct.unpack("<Q", head[:8])[0]
        if 2 <= declared <= size - 8 and head[8:9] == b"{":
            return "safetensors", ""
    if path.suffix.lower() == ".onnx" or _looks_like_onnx(head, size):
        return "onnx", ""
    if size <= _HEAD and _is_pickle_stream(head):
        return "pickle", "protocol 0 or 1"
    return _text_kind(head, whole=size <= _HEAD)


def detect(path) -> str:
    """The kind of the file at ``path`` read from its content (see the module's table):
    one of :data:`MODEL_KINDS`, or what else it looks like. Raises ``FileNotFoundError``
    when there is nothing at ``path``."""
    return _kind_and_detail(path)[0]


_LOOKS = {
    "special": ("a device, pipe or socket, not a regular file",
                "give the path of a model file"),
    "empty": ("an empty file (0 bytes)",
              "the save or the copy that made it was interrupted: save or copy it again"),
    "csv": ("CSV data ({detail})",
            "it is a data set, not a model: give it where data is expected and the model "
            "file (e.g. runs/NAME/model.npz) where a model is"),
    "json": ("JSON text", "a model file is binary: reseau.io.save writes .npz, torch.save "
             "writes .pt"),
    "text": ("plain text (first line {detail})", "a model file is binary: reseau.io.save "
             "writes .npz, torch.save writes .pt"),
    "png": ("a PNG image", "an image is not a model"),
    "jpeg": ("a JPEG image", "an image is not a model"),
    "gif": ("a GIF image", "an image is not a model"),
    "pdf": ("a PDF document", "a document is not a model"),
    "gzip": ("gzip-compressed data", "decompress it first (gunzip) and load what it holds"),
    "bzip2": ("bzip2-compressed data", "decompress it first (bunzip2) and load what it holds"),
    "xz": ("xz-compressed data", "decompress it first (unxz) and load what it holds"),
    "hdf5": ("an HDF5 file, such as a Keras .h5 model",
             "reseau does not read HDF5: export the model to ONNX (tf2onnx) and load that"),
    "npy": ("a single NumPy array (.npy)",
            "it holds a single NumPy array, not the .npz archive that reseau.io.save writes; "
            "read it with numpy.load"),
    "zip": ("a zip archive ({detail})",
            "it is neither reseau's .npz (only .npy entries) nor a PyTorch file (a "
            "data.pkl entry)"),
    "npz-damaged": ("a truncated or corrupted .npz archive",
                    "it is not a readable .npz archive; the file is truncated or corrupted, "
                    "e.g. by an interrupted copy: save or copy it again"),
    "pt-damaged": ("a truncated or corrupted PyTorch file",
                   "the file is truncated or corrupted, e.g. by an interrupted copy: save or "
                   "copy it again"),
    "zip-damaged": ("a truncated or corrupted zip archive",
                    "the file is truncated or corrupted, e.g. by an interrupted copy: save or "
                    "copy it again"),
    "pt-legacy": ("a PyTorch file in the legacy format (torch.save before PyTorch 1.6)",
                  "reseau reads the zip format only: in PyTorch, torch.save(torch.load(path, "
                  "weights_only=True), 'new.pt') writes it"),
    "pickle": ("a pickled Python object ({detail})",
               "which reseau never loads because unpickling can run arbitrary code; save "
               "weights with reseau.io.save, or a state dict with torch.save"),
    "binary": ("binary data of no format reseau knows (first bytes {detail})",
               "reseau reads .npz (reseau.io.save), .pt/.pth (torch.save), .safetensors and "
               ".onnx files"),
}


def describe(path) -> str:
    """What the file at ``path`` looks like, in words (``"CSV data (3 columns separated
    by ',')"``, ``"a PNG image"``...)."""
    kind, detail = _kind_and_detail(path)
    return _phrase(path, kind, detail)


def _phrase(path, kind: str, detail: str) -> str:
    if kind in MODEL_KINDS:
        return {"npz": "a reseau .npz model file", "pt": "a PyTorch file",
                "safetensors": "a safetensors file", "onnx": "an ONNX model"}[kind]
    if kind == "folder":
        return "a folder"
    if kind == "binary":
        with open(path, "rb") as f:
            detail = f.read(8).hex(" ")
    return _LOOKS[kind][0].format(detail=detail)


def _folder_hint(folder: Path) -> str:
    inside = folder / "model.npz"
    if inside.is_file():
        return f"the model of a run folder is {inside}: load that"
    found = sorted(p.name for p in folder.iterdir()
                   if p.suffix.lower() in (".npz", ".pt", ".pth", ".safetensors", ".onnx"))
    if found:
        return f"it holds {', '.join(found[:3])}: give the path of one of them"
    return "give the path of a model file (a run folder of reseau train holds model.npz)"


def refusal(path, kind: str | None = None, operation: str = "load") -> ModelFileError:
    """The error for a file at ``path`` that is none of the model formats: one line
    saying what it looks like and what to do. ``kind`` is :func:`detect`'s answer (read
    again when None)."""
    path = Path(os.fspath(path))
    detail = ""
    if kind is None:
        kind, detail = _kind_and_detail(path)
    elif kind in ("csv", "text", "pickle", "zip"):
        detail = _kind_and_detail(path)[1]
    if kind == "folder":
        return ModelFileError(f"{operation}: {path} is a folder, not a model file; "
                              f"{_folder_hint(path)}")
    looks = _phrase(path, kind, detail)
    if kind in MODEL_KINDS:
        return ModelFileError(f"{operation}: {path} is {looks}; this function reads "
                              "reseau's .npz files: load it with reseau.load(path)")
    hint = _LOOKS[kind][1]
    if kind == "pickle":
        tail = f"it holds {looks}, {hint}"
    elif kind in ("npy", "npz-damaged"):  # the hint says it all
        tail = hint
    else:
        tail = f"it looks like {looks}; {hint}"
    return ModelFileError(f"{operation}: {path} is not a reseau model file: {tail}")
