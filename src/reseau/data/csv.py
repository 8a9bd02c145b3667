"""Reading a CSV file with a header row into feature and target arrays."""

from __future__ import annotations

import csv
import difflib
import math
import os
from pathlib import Path

import numpy as np

from ..backend import get_default_dtype
from ..creation import from_numpy
from ..tensor import as_dtype

__all__ = ["load_csv"]

#: cell values read as "missing" (compared in lower case, after stripping spaces)
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


def _column_error(path: Path, names: list[str], wanted: str, role: str) -> ValueError:
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(
        f"load_csv: {path} has no column {wanted!r} (asked for as the {role}); its columns "
        f"are {names}.{hint}"
    )


def load_csv(path, target: str | None, *, features=None, delimiter: str = ",",
             target_dtype=None, as_tensor: bool = True):
    """Read a CSV file whose first row names the columns into ``X, y``.

    Every used cell must be a finite number; an empty cell, ``NA``, ``NaN``, ``null``,
    ``?`` or a word is an error that names the column and the row, so that the file can
    be fixed (fill or drop the row, encode categories as numbers).

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    target : str or None
        Name of the column to predict. ``None`` reads features only (``y`` is ``None``),
        e.g. new inputs to predict on.
    features : sequence of str, optional
        The feature columns, in this order. Default: every column but the target, in
        file order.
    delimiter : str
        The field separator (``";"`` for many European spreadsheets).
    target_dtype : dtype, optional
        Type of ``y``. Default: int64 class labels when every target value is a whole
        number, float32 values otherwise.
    as_tensor : bool
        Tensors (default) or NumPy arrays.

    Returns
    -------
    X : float32, shape (n_rows, n_features)
    y : int64 of shape (n_rows,) for class labels, float32 of shape (n_rows, 1) for
        real values (the shape of a one-output regression model), or ``None``

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from reseau.data import load_csv
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = path.write_text("x1,x2,label\\n0.5,1.0,1\\n-2,0,0\\n")
    >>> X, y = load_csv(path, target="label")
    >>> X.tolist(), y.tolist()
    ([[0.5, 1.0], [-2.0, 0.0]], [1, 0])
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"load_csv: no file at {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter, skipinitialspace=True)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"load_csv: {path} is empty; expected a header row of column names")
        names = [name.strip() for name in header]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"load_csv: {path} has duplicate column names {duplicates}")
        if target is not None and target not in names:
            raise _column_error(path, names, target, "target")
        if features is None:
            features = [n for n in names if n != target]
        else:
            features = list(features)
            for name in features:
                if name not in names:
                    raise _column_error(path, names, name, "feature")
            if target in features:
                raise ValueError(
                    f"load_csv: column {target!r} is both the target and a feature; leave it "
                    "out of features"
                )
        if not features:
            raise ValueError(f"load_csv: {path} has no feature column besides {target!r}")
        wanted = [names.index(n) for n in features]
        wanted += [names.index(target)] if target is not None else []
        used = features + ([target] if target is not None else [])

        rows = []
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue  # blank line
            n_row = len(rows) + 1
            where = f"row {n_row} (line {reader.line_num})"
            if len(row) != len(names):
                raise ValueError(
                    f"load_csv: {path}, {where} has {len(row)} fields but the header names "
                    f"{len(names)} columns; check the delimiter (now {delimiter!r}) and quotes"
                )
            values = []
            for column, k in zip(used, wanted):
                cell = row[k].strip()
                if cell.lower() in MISSING:
                    raise ValueError(
                        f"load_csv: {path}, column {column!r}, {where}: missing value "
                        f"{row[k]!r}; fill it in or drop the row"
                    )
                try:
                    value = float(cell)
                except ValueError:
                    raise ValueError(
                        f"load_csv: {path}, column {column!r}, {where}: {cell!r} is not a "
                        "number; encode categories as numbers or leave the column out "
                        "with features=[...]"
                    ) from None
                if not math.isfinite(value):
                    raise ValueError(
                        f"load_csv: {path}, column {column!r}, {where}: {cell!r} is not a "
                        "finite number"
                    )
                values.append(value)
            rows.append(values)
    if not rows:
        raise ValueError(f"load_csv: {path} has a header but no data rows")

    table = np.array(rows, dtype=np.float64)
    X = table[:, : len(features)].astype(get_default_dtype())
    y = None
    if target is not None:
        column = table[:, -1]
        if target_dtype is None:
            whole = bool(np.all(column == np.round(column)))
            target_dtype = np.int64 if whole else get_default_dtype()
        target_dtype = as_dtype(target_dtype)
        y = column.astype(target_dtype)
        if target_dtype.kind == "f":
            y = y.reshape(-1, 1)
    if as_tensor:
        return from_numpy(X), (from_numpy(y) if y is not None else None)
    return X, y
