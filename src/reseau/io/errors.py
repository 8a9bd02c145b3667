"""The error of every model-file reader and writer of ``reseau.io``."""

from __future__ import annotations

__all__ = ["ModelFileError"]


class ModelFileError(ValueError):
    """A file that ``load`` refuses: missing, truncated, corrupted, foreign, or not
    matching the model it is loaded into."""
