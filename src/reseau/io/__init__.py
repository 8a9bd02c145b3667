"""Saving and loading models, safely (no pickle executed, atomic writes).

- ``load`` / ``save``: every format, told apart by content when loading and by extension
  when saving (``io/formats.py``): reseau's ``.npz``, PyTorch's ``.pt``, safetensors,
  ONNX (loading; ``reseau.onnx.export`` writes it);
- ``detect`` / ``describe``: what a file is, or looks like (``io/detect.py``);
- ``read_info`` / ``save_state_dict`` / ``load_state_dict``: reseau's own format, an
  ``.npz`` archive of the weights with a JSON description (``io/npz.py``);
- ``load_pt`` / ``save_pt`` (``io/pt.py``), ``load_safetensors`` / ``save_safetensors``
  (``io/safetensors.py``): one format each;
- ``architecture``: the JSON description of a model that ``load`` rebuilds
  (``io/architecture.py``), read from what each layer declares (``Module.init_args``);
- ``ModelFileError``: every file refused, with the reason (a ``ValueError``).

Readers of other formats belong beside ``npz.py``, one module each.
"""

from __future__ import annotations

from ..files import atomic_write_text  # noqa: F401 (kept for callers of io.atomic_write_text)
from .architecture import architecture
from .detect import describe, detect
from .errors import ModelFileError
from .formats import load, save
from .npz import load_state_dict, read_info, save_state_dict
from .pt import load_pt, save_pt
from .safetensors import load_safetensors, read_safetensors_metadata, save_safetensors

__all__ = [
    "save", "load", "save_state_dict", "load_state_dict", "read_info", "architecture",
    "detect", "describe", "load_pt", "save_pt", "load_safetensors", "save_safetensors",
    "read_safetensors_metadata",
    "ModelFileError", "atomic_write_text",
]
