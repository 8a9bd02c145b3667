"""Saving and loading models, safely (no pickle, atomic writes).

- ``save`` / ``load`` / ``read_info`` / ``save_state_dict`` / ``load_state_dict``:
  reseau's own format, an ``.npz`` archive of the weights with a JSON description
  (``io/npz.py``);
- ``architecture``: the JSON description of a model that ``load`` rebuilds
  (``io/architecture.py``), read from what each layer declares (``Module.init_args``);
- ``ModelFileError``: every file refused, with the reason.

Readers of other formats belong beside ``npz.py``, one module each.
"""

from __future__ import annotations

from ..files import atomic_write_text  # noqa: F401 (kept for callers of io.atomic_write_text)
from .architecture import architecture
from .errors import ModelFileError
from .npz import load, load_state_dict, read_info, save, save_state_dict

__all__ = [
    "save", "load", "save_state_dict", "load_state_dict", "read_info", "architecture",
    "ModelFileError", "atomic_write_text",
]
