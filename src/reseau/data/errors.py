"""The errors of :mod:`reseau.data`: data that cannot be used as asked, said in one line
that names the file (or the data set) and the fix."""

from __future__ import annotations

__all__ = ["DataError", "CSVError"]


class DataError(ValueError):
    """Data that cannot be used as asked: too few rows to split, a target with a single
    class... A ``ValueError``, so ``except ValueError`` still catches it."""


class CSVError(DataError):
    """A CSV file that cannot be read as a table of numbers: its encoding, delimiter,
    header, or a cell; the message names the file, the row and the fix."""
