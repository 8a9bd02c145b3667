"""Reading a CSV file with a header row into feature and target arrays."""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
from pathlib import Path

import numpy as np

from ..backend import get_default_dtype
from ..creation import from_numpy
from ..tensor import as_dtype
from .errors import CSVError

__all__ = ["load_csv", "csv_header"]

#: cell values read as "missing" (compared in lower case, after stripping spaces)
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})

#: other separators a file may use, and how a message names them
_SEPARATORS = {";": "';'", "\t": "tab", "|": "'|'", ",": "','"}

#: the largest magnitude a float32 feature holds
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _column_error(path: Path, names: list[str], wanted: str, role: str) -> CSVError:
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return CSVError(
        f"load_csv: {path} has no column {wanted!r} (asked for as the {role}); its columns "
        f"are {names}.{hint}"
    )


def _delimiter_hint(delimiter: str) -> str:
    shown = "'\\t'" if delimiter == "\t" else repr(delimiter)
    option = "tab" if delimiter == "\t" else repr(delimiter)
    return f"delimiter={shown} (reseau train --delimiter {option})"


def _text(path: Path, encoding: str) -> str:
    """The whole file as text; a file in another encoding (or not text at all) is one
    line that says where and how to fix it."""
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise CSVError(
            f"load_csv: {path} is not {encoding.removesuffix('-sig').upper()} text (byte "
            f"0x{data[err.start]:02x} on line {line}); save it as UTF-8 (\"CSV UTF-8\" in a "
            "spreadsheet's Save As), or pass its encoding to load_csv "
            "(encoding='latin-1')"
        ) from None
    except LookupError:
        raise CSVError(f"load_csv: unknown encoding {encoding!r}; e.g. 'utf-8' or "
                       "'latin-1'") from None


def _header(path: Path, reader, delimiter: str) -> list[str]:
    """The column names of the first row, checked: present, unique, and split by the
    delimiter (a header of one column holding another separator means the file uses
    that one)."""
    header = next(reader, None)
    if header is None:
        raise CSVError(f"load_csv: {path} is empty; expected a header row of column names")
    names = [name.strip() for name in header]
    if len(names) == 1:
        for other, shown in _SEPARATORS.items():
            if other != delimiter and names[0].count(other) >= 1:
                raise CSVError(
                    f"load_csv: {path} looks {shown}-separated (its header is "
                    f"{header[0]!r}), not {_SEPARATORS.get(delimiter, repr(delimiter))}-"
                    f"separated; pass {_delimiter_hint(other)}"
                )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CSVError(f"load_csv: {path} has duplicate column names {duplicates}; rename "
                       "them so that each column has its own name")
    return names


def _open(path, delimiter: str, encoding: str):
    """``(path, reader)`` for the CSV file at ``path``, its text decoded up front."""
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"load_csv: no file at {path}")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\"\r\n":
        raise CSVError(f"load_csv: delimiter must be one character such as ',' ';' or "
                       f"'\\t', got {delimiter!r}")
    text = _text(path, encoding)
    return path, csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                            skipinitialspace=True)


def csv_header(path, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[str]:
    """The column names of a CSV file (its first row), checked as :func:`load_csv`
    checks them.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = path.write_text("x1, x2,label\\n0.5,1.0,1\\n")
    >>> csv_header(path)
    ['x1', 'x2', 'label']
    """
    path, reader = _open(path, delimiter, encoding)
    try:
        return _header(path, reader, delimiter)
    except csv.Error as err:
        raise CSVError(f"load_csv: {path}, line {reader.line_num}: {err}") from None


def load_csv(path, target: str | None, *, features=None, delimiter: str = ",",
             target_dtype=None, as_tensor: bool = True, encoding: str = "utf-8-sig"):
    """Read a CSV file whose first row names the columns into ``X, y``.

    Every used cell must be a finite number; an empty cell, ``NA``, ``NaN``, ``null``,
    ``?`` or a word is an error that names the column and the row, so that the file can
    be fixed (fill or drop the row, encode categories as numbers). Every problem with
    the file (its encoding, a delimiter that does not split the header, a row of the
    wrong length, a cell) raises :class:`~reseau.data.CSVError`, a ``ValueError``, in one
    line naming the file and the fix.

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
        The field separator (``";"`` for many European spreadsheets, ``"\\t"`` for tabs).
    target_dtype : dtype, optional
        Type of ``y``. Default: int64 class labels when every target value is a whole
        number, float32 values otherwise.
    as_tensor : bool
        Tensors (default) or NumPy arrays.
    encoding : str
        The file's text encoding (default UTF-8, with or without a byte-order mark).

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
    path, reader = _open(path, delimiter, encoding)
    try:
        names, features, rows = _read(path, reader, target, features, delimiter)
    except csv.Error as err:  # a NUL byte, a field over the csv module's size limit
        raise CSVError(f"load_csv: {path}, line {reader.line_num}: {err}; is it a CSV "
                       "file?") from None
    table = np.array(rows, dtype=np.float64)
    big = np.abs(table[:, : len(features)]) > _FLOAT32_MAX
    if big.any():
        r, c = np.argwhere(big)[0]
        raise CSVError(f"load_csv: {path}, column {features[c]!r}, row {r + 1}: "
                       f"{table[r, c]:g} is too large for a float32 feature (largest "
                       f"{_FLOAT32_MAX:.4g}); rescale the column")
    X = table[:, : len(features)].astype(get_default_dtype())
    y = None
    if target is not None:
        column = table[:, -1]
        if target_dtype is None:
            # class labels: whole numbers that int64 holds exactly
            whole = bool(np.all(column == np.round(column)) and np.all(np.abs(column) < 2**53))
            target_dtype = np.int64 if whole else get_default_dtype()
        target_dtype = as_dtype(target_dtype)
        if target_dtype.kind == "f" and np.any(np.abs(column) > np.finfo(target_dtype).max):
            raise CSVError(f"load_csv: {path}, column {target!r}: values up to "
                           f"{np.abs(column).max():g} are too large for {target_dtype}; "
                           "rescale the target")
        y = column.astype(target_dtype)
        if target_dtype.kind == "f":
            y = y.reshape(-1, 1)
    if as_tensor:
        return from_numpy(X), (from_numpy(y) if y is not None else None)
    return X, y


def _read(path: Path, reader, target, features, delimiter: str):
    """``(names, features, rows)``: the header and the used cells of every data row, as
    floats (the target last)."""
    names = _header(path, reader, delimiter)
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
            raise CSVError(
                f"load_csv: {path}: column {target!r} is both the target and a feature; leave it "
                "out of features"
            )
    if not features:
        raise CSVError(f"load_csv: {path} has no feature column besides {target!r}")
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
            raise CSVError(
                f"load_csv: {path}, {where} has {len(row)} fields but the header names "
                f"{len(names)} columns; check the quotes, or the delimiter (now {delimiter!r})"
            )
        values = []
        for column, k in zip(used, wanted):
            cell = row[k].strip()
            if cell.lower() in MISSING:
                raise CSVError(
                    f"load_csv: {path}, column {column!r}, {where}: missing value "
                    f"{row[k]!r}; fill it in or drop the row"
                )
            try:
                value = float(cell)
            except ValueError:
                raise CSVError(
                    f"load_csv: {path}, column {column!r}, {where}: {cell!r} is not a "
                    "number; encode categories as numbers or leave the column out "
                    "with features=[...]"
                ) from None
            if not math.isfinite(value):
                raise CSVError(
                    f"load_csv: {path}, column {column!r}, {where}: {cell!r} is not a "
                    "finite number"
                )
            values.append(value)
        rows.append(values)
    if not rows:
        raise CSVError(f"load_csv: {path} has a header but no data rows")
    return names, features, rows
