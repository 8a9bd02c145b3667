"""A CSV file dropped on the page: two feature columns and a label, read by reseau's CSV
reader, so that its messages are the ones ``reseau train --data file.csv`` gives.

Whole-number labels with two or three values are classes (renumbered 0, 1, 2 in
increasing order); any other label is a regression target, divided by its largest
magnitude so that the heat map's [-1, 1] scale shows it. Each feature column is scaled
to [-5, 5] so that the points fill the page's square.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..data import CSVError, csv_header, load_csv
from .config import RequestError

__all__ = ["read_upload", "MAX_ROWS"]

MAX_ROWS, MIN_ROWS = 5000, 10


def read_upload(body: bytes):
    """``X (n, 2)``, ``y``, problem (``"classification"`` or ``"regression"``) of an
    uploaded CSV; ``RequestError`` with the reader's one-line message otherwise."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(body)
        try:
            names = csv_header(path)
            if len(names) != 3:
                shown = ", ".join(repr(n) for n in names[:6]) + (", ..." if len(names) > 6 else "")
                raise RequestError(f"the CSV file has {len(names)} column"
                                   f"{'s' if len(names) > 1 else ''} ({shown}); the playground "
                                   "needs three: two features and a label")
            X, y = load_csv(path, target=names[2], as_tensor=False)
        except CSVError as err:
            raise RequestError(str(err).replace(str(path), "the dropped file")) from None
    if not MIN_ROWS <= len(X) <= MAX_ROWS:
        raise RequestError(f"the CSV file has {len(X)} rows; the playground takes "
                           f"{MIN_ROWS} to {MAX_ROWS}")
    X = X.astype(np.float64)
    span = np.abs(X - X.mean(axis=0)).max(axis=0)
    X = 5.0 * (X - X.mean(axis=0)) / np.where(span > 0, span, 1.0)
    values = np.unique(y)
    if y.dtype.kind == "i" and len(values) == 1:
        raise RequestError(f"every label of column {names[2]!r} is {values[0]}: a "
                           "classification needs two or three classes")
    if y.dtype.kind == "i" and len(values) <= 3:
        return X, np.searchsorted(values, y).astype(np.int64), "classification"
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    peak = np.abs(y).max()
    return X, y / (peak if peak > 0 else 1.0), "regression"
