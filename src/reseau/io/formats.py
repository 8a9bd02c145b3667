"""``reseau.load`` and ``reseau.save``: one entry point for every model-file format.

``load`` tells the formats apart by content (``io.detect``), never by the file's name,
and hands the file to its reader:

===============  =================================  ==========================================
format           recognised by                      ``load`` returns
===============  =================================  ==========================================
reseau ``.npz``  a zip of ``.npy`` arrays           the model (``io.npz.load``), or the state
                                                    dict (OrderedDict of Tensors) for plain
                                                    weights
PyTorch          a zip with ``<name>/data.pkl``     what ``torch.save`` stored, tensors as
                                                    reseau Tensors (``io.pt.load_pt``)
safetensors      header size + JSON header          the state dict, an OrderedDict of Tensors
                                                    (``io.load_safetensors`` gives arrays)
ONNX             a protobuf ``ModelProto``          a module running the graph
                                                    (``reseau.onnx.load``)
===============  =================================  ==========================================

With ``model=...``, the weights read are loaded into that module instead
(``load_state_dict``) and the module is returned. Anything else is refused with one line
saying what the file looks like (``io.detect.refusal``): CSV data, an image, text, an
HDF5 (Keras) file, a legacy PyTorch file, a pickled object, a folder (with the
``model.npz`` inside it, if any)...

``save`` chooses the format by the name's extension: ``.pt``/``.pth`` PyTorch's zip
format, ``.safetensors``, anything else reseau's ``.npz``. An ``.onnx`` file records a
computation, so it needs an example input: ``reseau.onnx.export(model, x, path)``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..devices import check_device, device
from . import npz
from .detect import detect, refusal
from .errors import ModelFileError
from .pt import load_pt, save_pt
from .safetensors import load_safetensors, save_safetensors

__all__ = ["load", "save"]


def _fill(model, state, path):
    """``model`` with the weights ``state`` read from ``path``."""
    if not isinstance(state, dict):
        raise ModelFileError(f"load: {path} holds a {type(state).__name__}, not a state dict "
                             "to load into the model given")
    inner = [k for k, v in state.items() if isinstance(v, dict)]
    if inner:  # a checkpoint: {"model": state_dict, "optimizer": ..., "epoch": 3}
        keys = ", ".join(repr(k) for k in list(state)[:5])
        raise ModelFileError(
            f"load: {path} holds a checkpoint (keys {keys}), not a state dict: load it "
            f"without model= and pass its entry, model.load_state_dict(reseau.load(path)"
            f"[{inner[0]!r}])")
    npz.fill_module(model, state, path)
    return model


def _moved(obj, target):
    """``obj`` with its tensors on ``target`` (a device that is not the cpu): a module in
    place, the tensors of dicts, lists and tuples one by one, anything else as it is."""
    from ..tensor import Tensor

    if isinstance(obj, Tensor):
        return obj.to(target)
    if callable(getattr(obj, "to", None)) and hasattr(obj, "parameters"):  # a Module
        return obj.to(target)
    if isinstance(obj, dict):
        moved = obj.copy()  # the same kind of dict (OrderedDict, defaultdict)
        for key, value in obj.items():
            moved[key] = _moved(value, target)
        return moved
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_moved(v, target) for v in obj)
    return obj


def _load_pt(path, model, map_location, weights_only):
    obj = load_pt(path, map_location=map_location, weights_only=weights_only)
    return obj if model is None else _fill(model, obj, path)


def _load_onnx(path, model):
    try:
        from ..onnx import load as load_onnx
    except ImportError as err:
        if err.name and err.name.startswith("reseau"):
            raise ModelFileError(f"load: {path} is an ONNX model, which this version of "
                                 "reseau does not read yet") from None
        raise
    graph = load_onnx(path)
    if model is None:
        return graph
    return _fill(model, dict(graph.state_dict()), path)


def load(path, model=None, *, map_location=None, weights_only=None, mmap=None):
    """Load a model file of any format reseau reads, told apart by its content.

    Parameters
    ----------
    path : str or Path
    model : Module, optional
        Load the file's weights into this module (same architecture) and return it:
        needed for custom Module classes, and for a state dict read from a ``.pt`` or
        safetensors file.
    map_location, weights_only, mmap
        ``torch.load``'s arguments, accepted so that course code runs unchanged. Every
        file holds host arrays and is read onto the CPU; a ``map_location`` naming a
        device (``"cuda"``, ``reseau.device("cuda", 1)``) then moves what was read there
        (a model in place, the tensors of a state dict or a checkpoint), and asking for
        a device this machine lacks is refused before the file is read; a dict or a
        function is read as PyTorch reads it for the CPU. reseau never unpickles
        objects, so every file loads as weights only whatever ``weights_only`` says;
        ``mmap`` is ignored (files are read into memory).

    Returns
    -------
    Module, dict or object
        See the module's table: the model of a reseau ``.npz``; a state dict (an
        OrderedDict of reseau Tensors, as ``torch.load`` and
        ``safetensors.torch.load_file`` give) for plain weights in ``.npz`` or
        safetensors; what ``torch.save`` stored for a ``.pt`` file (reseau Tensors); a
        module for an ONNX file; ``model`` when given. ``io.load_state_dict`` and
        ``io.load_safetensors`` are the NumPy-level readers: they give arrays.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFileError
        A file that is none of the formats (the message says what it looks like), or a
        truncated, corrupted, forged one, or weights that do not fit ``model``.
    """
    target = None
    if isinstance(map_location, (str, device)):
        target = check_device(map_location, "load")
    path = Path(os.fspath(path))
    kind = detect(path)
    if kind == "npz":
        loaded = npz.load(path, model, map_location=map_location, weights_only=weights_only)
    elif kind == "pt":
        loaded = _load_pt(path, model, map_location, weights_only)
    elif kind == "safetensors":
        state = load_safetensors(path)
        loaded = npz.state_tensors(state) if model is None else _fill(model, state, path)
    elif kind == "onnx":
        loaded = _load_onnx(path, model)
    else:
        raise refusal(path, kind)
    if target is not None and target.type != "cpu":
        loaded = _moved(loaded, target)
    return loaded


def save(obj, path, config: dict | None = None, metadata: dict | None = None,
         state_dict: dict | None = None) -> Path:
    """Save ``obj`` (a Module or a state dict) to ``path``, atomically, in the format its
    extension names: ``.pt``/``.pth`` PyTorch's (``torch.load(path, weights_only=True)``
    reads it; a Module is saved as its state dict), ``.safetensors`` (``metadata``,
    strings to strings, kept), anything else reseau's ``.npz`` (:func:`io.npz.save`,
    which keeps the architecture, ``config`` and ``metadata``). Returns ``path`` as a
    Path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from reseau import io, nn
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> net = nn.Linear(2, 1)
    >>> sorted(io.load(io.save(net, folder / "net.safetensors")))
    ['bias', 'weight']
    """
    path = Path(os.fspath(path))
    suffix = path.suffix.lower()
    if suffix in (".pt", ".pth", ".safetensors", ".onnx") and (config or state_dict):
        raise TypeError(f"save: config and state_dict are stored in reseau's .npz files "
                        f"only, not in a {suffix} file")
    if suffix in (".pt", ".pth"):
        if metadata:
            raise TypeError("save: a .pt file holds no metadata; put it in the saved dict")
        return save_pt(obj, path)
    if suffix == ".safetensors":
        return save_safetensors(obj, path, metadata)
    if suffix == ".onnx":
        raise ValueError(f"save: {path}: an ONNX file records the computation of one "
                         "forward pass, which needs an example input: use "
                         "reseau.onnx.export(model, example_input, path)")
    return npz.save(obj, path, config=config, metadata=metadata, state_dict=state_dict)
