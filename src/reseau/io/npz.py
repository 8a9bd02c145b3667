"""reseau's own model file: one ``.npz`` archive with the weights and a JSON description.

A model file is one ``.npz`` archive (NumPy's zip of ``.npy`` arrays): one array per
entry of the state dict, plus one entry, ``__reseau__``, holding JSON text: the
architecture (``io.architecture``: an ``nn.MLP`` or a ``Sequential`` of known layers is
rebuilt without the script that made it), the training configuration and free metadata.

Loading never executes code: arrays are read with ``allow_pickle=False``, the rest is
JSON, and the architecture can only name layers of ``reseau.nn`` that declare their
constructor arguments. A truncated, corrupted or foreign file (one holding a pickled
object included) raises :class:`ModelFileError`, which says what is wrong with which file.

Writes are atomic (``reseau.files``): the file is written under a temporary name in the
same folder, then renamed over the target, so a crash or Ctrl-C mid-write leaves the
previous file intact.
"""

from __future__ import annotations

import datetime
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ..devices import check_device, device
from ..files import atomic_open
from ..nn import StateDictError
from ..version import __version__
from .architecture import architecture, build
from .errors import ModelFileError

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


def _state_arrays(obj) -> dict[str, np.ndarray]:
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not hasattr(state, "items"):
        raise TypeError(f"expected a Module or a dict of arrays, got {type(obj).__name__}")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key or key == _META_KEY:
            raise ValueError(f"state dict keys must be non-empty strings, got {key!r}")
        arr = np.asarray(getattr(value, "data", value))
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
def _read(path, need_meta: bool) -> tuple[dict | None, dict[str, np.ndarray]]:
    """The metadata and the arrays of a file, or a ModelFileError saying why not."""
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"load: no file at {path}")
    bad = f"load: {path} is not a reseau model file"
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err):
            raise ModelFileError(
                f"{bad}: it holds a pickled Python object, which reseau never loads because "
                "unpickling can run arbitrary code; save models with reseau.io.save"
            ) from None
        raise ModelFileError(f"{bad}: {err}") from None
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise ModelFileError(
            f"{bad}: it is not a readable .npz archive ({err}); the file is truncated or "
            "corrupted, e.g. by an interrupted copy: save or copy it again"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFileError(
            f"{bad}: it holds a single NumPy array, not the .npz archive that reseau.io.save "
            "writes"
        )
    with archive:
        arrays = {}
        for key in archive.files:
            try:
                arrays[key] = archive[key]
            except ValueError as err:
                if "pickle" in str(err) or "Object arrays" in str(err):
                    raise ModelFileError(
                        f"{bad}: its entry {key!r} is a pickled Python object, which reseau "
                        "never loads because unpickling can run arbitrary code"
                    ) from None
                raise ModelFileError(f"{bad}: its entry {key!r} is unreadable ({err})") from None
            except Exception as err:  # zlib, CRC and truncation errors come in many types
                raise ModelFileError(
                    f"{bad}: its entry {key!r} is corrupted ({type(err).__name__}: {err}); "
                    "the file is truncated or damaged: save or copy it again"
                ) from None
    raw = arrays.pop(_META_KEY, None)
    meta = None
    if raw is not None:
        try:
            meta = json.loads(np.asarray(raw, dtype=np.uint8).tobytes().decode("utf-8"))
        except (ValueError, TypeError) as err:
            raise ModelFileError(f"{bad}: its description (JSON) is corrupted: {err}") from None
        if not isinstance(meta, dict) or meta.get("format") not in (_MODEL, _STATE):
            raise ModelFileError(f"{bad}: its description does not name a reseau format")
        if meta.get("format_version", 0) > FORMAT_VERSION:
            raise ModelFileError(
                f"load: {path} was written by a newer reseau (file format "
                f"{meta['format_version']}, this version reads {FORMAT_VERSION}); upgrade reseau"
            )
        if sorted(meta.get("tensors", [])) != sorted(arrays):
            raise ModelFileError(f"{bad}: its arrays do not match its description (damaged?)")
    elif need_meta:
        found = ", ".join(sorted(arrays)[:5]) or "none"
        raise ModelFileError(
            f"{bad}: it is an .npz archive without reseau's description (arrays found: "
            f"{found}); a file of plain weights loads with reseau.io.load_state_dict"
        )
    for key, arr in arrays.items():
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise ModelFileError(f"{bad}: its entry {key!r} is not numeric (dtype {arr.dtype})")
    return meta, arrays


def read_info(path) -> dict:
    """The description stored in a model file, without building the model: ``format``,
    ``class``, ``architecture``, ``config`` (the training configuration), ``metadata``,
    ``tensors`` (the names of the arrays), ``saved_at``, ``reseau_version``."""
    meta, _ = _read(path, need_meta=True)
    return meta


def _fill(model, arrays: dict, path) -> None:
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
        tensor lands on the CPU (a ``map_location`` naming another device is refused),
        and a reseau file holds weights only, whatever ``weights_only`` says.

    Returns
    -------
    Module or dict
        The model, in the training or evaluation mode it was saved in; or, for a file of
        plain weights (``save(model.state_dict(), path)``), the state dict as NumPy
        arrays, ready for ``model.load_state_dict``.

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
            # torch.load does, for model.load_state_dict(...)
            return arrays
        spec = meta.get("architecture")
        if spec is None:
            raise ModelFileError(
                f"load: {path} holds a custom model class ({meta.get('class')}) that reseau "
                "cannot rebuild by itself; build it in Python and pass it: "
                "load(path, model=MyNet(...))"
            )
        model = build(spec, f"load: {path}")
    _fill(model, arrays, path)
    if meta is not None and hasattr(model, "train"):
        model.train(bool(meta.get("training", True)))
    return model


def load_state_dict(path) -> dict[str, np.ndarray]:
    """The weights stored in ``path`` as a dict of NumPy arrays: a file written by
    :func:`save_state_dict` or :func:`save`, or any ``.npz`` of numeric arrays. Pass the
    result to ``model.load_state_dict``."""
    _, arrays = _read(path, need_meta=False)
    return arrays
