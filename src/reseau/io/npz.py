"""reseau's own model file: one ``.npz`` archive with the weights and a JSON description.

A model file is one ``.npz`` archive (NumPy's zip of ``.npy`` arrays): one array per
entry of the state dict, plus one entry, ``__reseau__``, holding JSON text: the
architecture (``io.architecture``: an ``nn.MLP`` or a ``Sequential`` of known layers is
rebuilt without the script that made it), the training configuration and free metadata.

Loading never executes code: arrays are read with ``allow_pickle=False``, the rest is
JSON, and the architecture can only name layers of ``reseau.nn`` that declare their
constructor arguments. A truncated, corrupted or foreign file (one holding a pickled
object included) raises :class:`ModelFileError`, which says what is wrong with which file.

What a file declares is checked before it is believed (``io.limits``): each entry's
``.npy`` header (shape, dtype) against the entry's size in the archive, before the array
is read; the JSON's nesting depth before it is parsed; the architecture against the
number of values stored, before and while it is built, and without running the layers'
random initialisation (``io.architecture.build(init=False)``). Refused at load, with one
line: entries that are not numeric arrays (objects, strings, complex numbers), weights
holding NaN or infinite values (a diverged training: they would only predict NaN later),
a description whose fields have the wrong types, and ``classes`` (in the saved
preprocessing of ``reseau train``) that are not a list of at least two distinct labels.

Writes are atomic (``reseau.files``): the file is written under a temporary name in the
same folder, then renamed over the target, so a crash or Ctrl-C mid-write leaves the
previous file intact.
"""

from __future__ import annotations

import collections
import datetime
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from ..devices import check_device, device
from ..files import atomic_open
from ..nn import StateDictError
from ..tensor import Tensor
from ..version import __version__
from .architecture import architecture, build
from .detect import detect, refusal
from .errors import ModelFileError
from .limits import MAX_DEFLATE_RATIO, parse_json

__all__ = ["save", "load", "save_state_dict", "load_state_dict", "read_info"]

FORMAT_VERSION = 1
_META_KEY = "__reseau__"
_MODEL, _STATE = "reseau.model", "reseau.state_dict"

# ----------------------------------------------------------------- writing
def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(
        f"save: a {type(value).__name__} cannot be stored as JSON; config and metadata may "
        "hold numbers, strings, booleans, None, lists and dicts"
    )


def host_array(value) -> np.ndarray:
    """``value`` (a Tensor on any device, an array, a number) as a host NumPy array: a
    cuda tensor is copied back first, so that every file holds host arrays and a model
    trained on a GPU loads on the CPU."""
    if isinstance(value, Tensor):
        return value.detach().cpu()._array
    return np.asarray(getattr(value, "data", value))


def _state_arrays(obj) -> dict[str, np.ndarray]:
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not hasattr(state, "items"):
        raise TypeError(f"expected a Module or a dict of arrays, got {type(obj).__name__}")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key or key == _META_KEY:
            raise ValueError(f"state dict keys must be non-empty strings, got {key!r}")
        arr = host_array(value)
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise TypeError(f"state dict entry {key!r} is not numeric (dtype {arr.dtype})")
        arrays[key] = arr
    return arrays


def _write(path, arrays: dict, meta: dict) -> Path:
    meta = {**meta, "tensors": list(arrays), "format_version": FORMAT_VERSION}
    meta.setdefault("reseau_version", __version__)
    text = json.dumps(meta, default=_json_default, indent=1)
    payload = {**arrays, _META_KEY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    path = Path(os.fspath(path))
    with atomic_open(path) as f:
        np.savez(f, **payload)
    return path


def save(model, path, config: dict | None = None, metadata: dict | None = None,
         state_dict: dict | None = None) -> Path:
    """Save ``model``'s weights and architecture to ``path`` (an ``.npz`` file), atomically.

    Parameters
    ----------
    model : Module
    path : str or Path
        Written exactly as given (no suffix is added).
    config : dict, optional
        The training configuration (learning rate, data, preprocessing...), stored as
        JSON; :func:`read_info` gives it back.
    metadata : dict, optional
        Anything else worth keeping (epoch, scores), also JSON.
    state_dict : dict, optional
        Weights to store instead of the model's current ones, e.g. a copy taken at the
        best epoch (same keys and shapes as ``model.state_dict()``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from reseau import io, nn
    >>> net = nn.MLP([2, 4, 2], activation="tanh")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.npz"
    >>> _ = io.save(net, path, config={"lr": 0.1})
    >>> io.load(path)
    MLP(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=2, bias=True)
    )
    """
    if isinstance(model, dict):
        # torch.save(model.state_dict(), path) ports unchanged: plain weights
        return save_state_dict(model, path, metadata)
    if not hasattr(model, "state_dict"):
        raise TypeError(f"save: expected a Module or a state dict, got "
                        f"{type(model).__name__}")
    cls = type(model)
    meta = {
        "format": _MODEL,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "architecture": architecture(model),
        "training": bool(getattr(model, "training", True)),
        "config": config or {},
        "metadata": metadata or {},
        "saved_at": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    arrays = _state_arrays(model if state_dict is None else state_dict)
    expected = {k: v.shape for k, v in _state_arrays(model).items()}
    if state_dict is not None and {k: v.shape for k, v in arrays.items()} != expected:
        raise ValueError("save: state_dict does not have the model's keys and shapes")
    return _write(path, arrays, meta)


def save_state_dict(state_dict, path, metadata: dict | None = None) -> Path:
    """Save plain weights (a dict of arrays or tensors, or a Module's state dict) to
    ``path``, atomically; :func:`load_state_dict` reads them back."""
    meta = {"format": _STATE, "metadata": metadata or {}}
    return _write(path, _state_arrays(state_dict), meta)


# ----------------------------------------------------------------- reading
def _refuse_dtype(bad: str, key: str, dtype) -> None:
    if dtype.hasobject:
        raise ModelFileError(
            f"{bad}: its entry {key!r} is a pickled Python object, which reseau never loads "
            "because unpickling can run arbitrary code; save models with reseau.io.save")
    if not (np.issubdtype(dtype, np.number) or dtype == np.bool_) \
            or np.issubdtype(dtype, np.complexfloating):
        raise ModelFileError(f"{bad}: its entry {key!r} is not an array of real numbers "
                             f"(dtype {dtype}); weights are floats, integers or booleans")


def _read_header(stream, key: str, bad: str):
    """The (shape, dtype, header length) that one ``.npy`` entry declares."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    except Exception as err:  # header errors come as ValueError, SyntaxError, zlib.error...
        raise ModelFileError(f"{bad}: its entry {key!r} has no valid .npy header "
                             f"({type(err).__name__}: {str(err)[:120]}); the file is damaged"
                             ) from None
    return shape, dtype, stream.tell()


def _check_entries(path: Path, bad: str) -> dict:
    """Each entry's declared shape and dtype, checked against the archive before any
    array is read: one ``.npy`` per name, stored or deflated within what deflate can
    expand, and exactly as many bytes as its header declares."""
    size = path.stat().st_size
    declared = {}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            repeated = [n for n, c in collections.Counter(i.filename for i in infos).items()
                        if c > 1]
            if repeated:
                raise ModelFileError(f"{bad}: its entry {repeated[0][:-4]!r} appears twice; "
                                     "the file is damaged or forged")
            for info in infos:
                key = info.filename[:-4]
                if info.compress_type == zipfile.ZIP_STORED:
                    plausible = info.file_size == info.compress_size
                elif info.compress_type == zipfile.ZIP_DEFLATED:
                    plausible = info.file_size <= MAX_DEFLATE_RATIO * info.compress_size + 64
                else:
                    raise ModelFileError(f"{bad}: its entry {key!r} is compressed with zip "
                                         f"method {info.compress_type}, which NumPy never "
                                         "writes")
                if not plausible or info.header_offset + info.compress_size > size:
                    raise ModelFileError(
                        f"{bad}: its entry {key!r} declares {info.file_size:,} bytes that the "
                        "file cannot hold; the file is truncated or forged")
                with archive.open(info) as stream:
                    shape, dtype, offset = _read_header(stream, key, bad)
                _refuse_dtype(bad, key, dtype)
                nbytes = math.prod(shape) * dtype.itemsize
                if offset + nbytes != info.file_size:
                    raise ModelFileError(
                        f"{bad}: its entry {key!r} declares an array of shape {tuple(shape)} "
                        f"({nbytes:,} bytes) but holds {info.file_size - offset:,} bytes; the "
                        "file is truncated or forged")
                declared[key] = (tuple(shape), dtype)
    except ModelFileError:
        raise
    except Exception as err:  # zipfile and zlib errors come in many types
        raise ModelFileError(
            f"{bad}: it is not a readable .npz archive ({type(err).__name__}: "
            f"{str(err)[:120]}); the file is truncated or corrupted, e.g. by an interrupted "
            "copy: save or copy it again") from None
    return declared


def _read_arrays(path: Path, bad: str) -> dict[str, np.ndarray]:
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for key in archive.files:
                arr = archive[key]
                # weights in the machine's byte order (a big-endian file stays readable)
                arrays[key] = arr.astype(arr.dtype.newbyteorder("="), copy=False)
    except MemoryError:
        raise ModelFileError(f"{bad}: its arrays do not fit in memory") from None
    except Exception as err:  # zlib, CRC and truncation errors come in many types
        raise ModelFileError(
            f"{bad}: an entry is corrupted ({type(err).__name__}: {str(err)[:120]}); the file "
            "is truncated or damaged: save or copy it again") from None
    return arrays


def _check_finite(path, arrays: dict) -> None:
    """Weights with NaN or inf come from a diverged training: refused at load, where
    the cause is clear, rather than as NaN predictions later."""
    for key, arr in arrays.items():
        if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
            nan = int(np.isnan(arr).sum())
            inf = int(np.isinf(arr).sum())
            raise ModelFileError(
                f"load: {path}: its entry {key!r} holds {nan:,} NaN and {inf:,} infinite values "
                f"(of {arr.size:,}); the training that saved it diverged (try a lower learning "
                "rate) or the file is damaged: use an earlier checkpoint")


def _check_classes(config, bad: str) -> None:
    prep = config.get("preprocessing") if isinstance(config, dict) else None
    if not isinstance(prep, dict) or prep.get("classes") is None:
        return
    classes = prep["classes"]
    scalars = isinstance(classes, list) and all(
        isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in classes)
    if not scalars or len(classes) < 2 or len(set(classes)) != len(classes):
        shown = repr(classes)
        shown = shown if len(shown) <= 60 else shown[:60] + "..."
        raise ModelFileError(f"{bad}: its preprocessing lists the classes {shown}; a "
                             "classifier needs a list of at least two distinct labels")


_META_TYPES = {"class": str, "architecture": (dict, type(None)), "training": bool,
               "config": (dict, type(None)), "metadata": (dict, type(None)),
               "saved_at": str, "reseau_version": str}


def _check_meta(meta, arrays: dict, path: Path, bad: str) -> None:
    if not isinstance(meta, dict) or meta.get("format") not in (_MODEL, _STATE):
        raise ModelFileError(f"{bad}: its description does not name a reseau format")
    version = meta.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ModelFileError(f"{bad}: its format_version is {version!r}, not an integer")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"load: {path} was written by a newer reseau (file format {version}, this "
            f"version reads {FORMAT_VERSION}); upgrade reseau")
    tensors = meta.get("tensors", [])
    if not (isinstance(tensors, list) and all(isinstance(t, str) for t in tensors)) \
            or sorted(tensors) != sorted(arrays):
        raise ModelFileError(f"{bad}: its arrays do not match its description (damaged?)")
    for field, types in _META_TYPES.items():
        if field in meta and not isinstance(meta[field], types):
            raise ModelFileError(f"{bad}: its description's {field!r} is a "
                                 f"{type(meta[field]).__name__}; the file is damaged")
    _check_classes(meta.get("config"), bad)


def _read(path, need_meta: bool) -> tuple[dict | None, dict[str, np.ndarray]]:
    """The metadata and the arrays of a file, or a ModelFileError saying why not."""
    path = Path(os.fspath(path))
    kind = detect(path)
    if kind != "npz":
        raise refusal(path, kind)
    bad = f"load: {path} is not a reseau model file"
    declared = _check_entries(path, bad)
    meta = None
    if _META_KEY in declared:
        shape, dtype = declared.pop(_META_KEY)
        if dtype != np.uint8 or len(shape) != 1:
            raise ModelFileError(f"{bad}: its description is not UTF-8 text (an array of "
                                 f"shape {shape} and dtype {dtype})")
        with np.load(path, allow_pickle=False) as archive:
            raw = archive[_META_KEY]
        meta = parse_json(raw.tobytes(), f"{bad}: its description (JSON)")
        _check_meta(meta, declared, path, bad)
    elif need_meta:
        found = ", ".join(sorted(declared)[:5]) or "none"
        raise ModelFileError(
            f"{bad}: it is an .npz archive without reseau's description (arrays found: "
            f"{found}); a file of plain weights loads with reseau.io.load_state_dict"
        )
    arrays = _read_arrays(path, bad)
    arrays.pop(_META_KEY, None)
    _check_finite(path, arrays)
    return meta, arrays


def read_info(path) -> dict:
    """The description stored in a model file, without building the model: ``format``,
    ``class``, ``architecture``, ``config`` (the training configuration), ``metadata``,
    ``tensors`` (the names of the arrays), ``saved_at``, ``reseau_version``."""
    meta, _ = _read(path, need_meta=True)
    return meta


def fill_module(model, arrays: dict, path) -> None:
    """Load ``arrays`` (a state dict of arrays or Tensors) into ``model``, keeping each
    saved array's dtype; a ModelFileError naming ``path`` when they do not fit."""
    arrays = {k: host_array(v) for k, v in arrays.items()}
    try:
        model.load_state_dict(arrays)
    except StateDictError as err:
        raise ModelFileError(f"load: the weights in {path} do not fit the model: {err}") from None
    # load_state_dict casts to the model's dtype; keep the saved one (float64 stays float64)
    named = list(model.named_parameters(remove_duplicate=False))
    named += list(model.named_buffers(remove_duplicate=False))
    for name, tensor in named:
        if name in arrays and tensor._array.dtype != arrays[name].dtype:
            tensor._array = arrays[name].copy()


def state_tensors(arrays: dict) -> "collections.OrderedDict[str, Tensor]":
    """Plain weights read from a file as ``reseau.load`` gives them back, like
    ``torch.load``: an OrderedDict of Tensors in the file's order (writable: a
    read-only array, as a file's buffer, is copied)."""
    return collections.OrderedDict(
        (k, Tensor._make(a if a.flags.writeable else a.copy())) for k, a in arrays.items())


def load(path, model=None, *, map_location=None, weights_only=None, mmap=None):
    """Load a model saved by :func:`save`.

    Parameters
    ----------
    path : str or Path
    model : Module, optional
        Load the weights into this module (it must have the same architecture) instead
        of building one from the file; needed for custom Module classes.
    map_location, weights_only, mmap
        ``torch.load``'s arguments, accepted so that course code runs unchanged: every
        tensor lands on the CPU (``reseau.load`` moves them to the device a
        ``map_location`` names; one this machine lacks is refused), and a reseau file
        holds weights only, whatever ``weights_only`` says.

    Returns
    -------
    Module or dict
        The model, in the training or evaluation mode it was saved in; or, for a file of
        plain weights (``save(model.state_dict(), path)``), the state dict as an
        OrderedDict of Tensors (as ``torch.load`` gives it), ready for
        ``model.load_state_dict``; :func:`load_state_dict` gives NumPy arrays.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFileError
        The file is truncated, corrupted, foreign (not written by reseau, or holding a
        pickled object), or its weights do not fit ``model``.
    """
    if isinstance(map_location, (str, device)):
        check_device(map_location, "load")
    meta, arrays = _read(path, need_meta=model is None)
    if model is None:
        if meta["format"] != _MODEL:
            # plain weights (save(model.state_dict(), path)): give the dict back, as
            # torch.load does (Tensors), for model.load_state_dict(...)
            return state_tensors(arrays)
        spec = meta.get("architecture")
        if spec is None:
            raise ModelFileError(
                f"load: {path} holds a custom model class ({meta.get('class')}) that reseau "
                "cannot rebuild by itself; build it in Python and pass it: "
                "load(path, model=MyNet(...))"
            )
        # the description is checked against the values stored while it is built, and
        # the layers' random initialisation is skipped: the file's weights replace it
        values = sum(arr.size for arr in arrays.values())
        model = build(spec, f"load: {path}", init=False, values=values)
    fill_module(model, arrays, path)
    if meta is not None and hasattr(model, "train"):
        model.train(bool(meta.get("training", True)))
    return model


def load_state_dict(path) -> dict[str, np.ndarray]:
    """The weights stored in ``path`` as a dict of NumPy arrays: a file written by
    :func:`save_state_dict` or :func:`save`, or any ``.npz`` of numeric arrays. Pass the
    result to ``model.load_state_dict``. This is the NumPy-level reader (like
    ``safetensors.numpy.load_file``); ``reseau.load`` gives the same weights as Tensors,
    as ``torch.load`` does."""
    _, arrays = _read(path, need_meta=False)
    return arrays
