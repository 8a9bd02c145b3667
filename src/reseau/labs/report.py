"""Writing a lab's report: a Markdown page with tables and embedded figures, and the
numbers it states as ``results.json`` (what the tests read back).

Everything is written atomically (``reseau.files``: a temporary file in the same folder,
flushed to disk, then ``os.replace``), so that an interrupted run never leaves half a
report behind.
matplotlib is imported only when a figure is made.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .. import files

__all__ = ["Report", "new_figure", "fmt", "pct", "sci", "atomic_write_text"]


# ----------------------------------------------------------------- formatting
def fmt(x, digits: int = 4) -> str:
    """A number for a table: ints as they are, floats with ``digits`` significant
    digits (``%g``: scientific notation below 1e-4 or from 10**digits), NaN and inf spelled
    out, anything else through ``str``."""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return f"{x:.{digits}g}"
    return str(x)


def pct(x, digits: int = 1) -> str:
    """A fraction as a percentage: ``pct(0.9512) == '95.1%'``."""
    return "NaN" if x is None or not math.isfinite(x) else f"{100 * x:.{digits}f}%"


def sci(x, digits: int = 1) -> str:
    """Scientific notation, for errors: ``sci(1.23e-10) == '1.2e-10'``; exactly 0 is
    ``'0'``."""
    if not math.isfinite(x):
        return "NaN"
    return "0" if x == 0 else f"{x:.{digits}e}"


# ------------------------------------------------------------------- writing
def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its folder if needed;
    returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return files.atomic_write_text(path, text)


def _save_png(fig, path: Path) -> None:
    """``fig`` as a PNG at ``path``, atomically, its folder created if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with files.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=fig.dpi)


def _jsonable(value):
    """Plain Python for ``json``: NumPy scalars and arrays become numbers and lists;
    NaN and inf become strings (JSON has no such numbers)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def new_figure(nrows: int = 1, ncols: int = 1, *, size=(5.0, 3.6), dpi: int = 100):
    """A matplotlib Figure (no pyplot: no global state) with a grid of axes; ``size``
    is the size of one panel in inches. Returns ``(fig, axes)`` with ``axes`` a 2-D
    array."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


class Report:
    """A lab's report, built piece by piece and written by :meth:`write`.

    Parameters
    ----------
    directory : path
        The lab's folder; ``report.md``, ``results.json`` and the PNGs go there.
    title : str
        The page's title.

    Attributes
    ----------
    results : dict
        The numbers the report states, saved as ``results.json``.
    headline : str
        One sentence summing up the outcome, shown on the index page of ``lab all``.
    """

    def __init__(self, directory, title: str) -> None:
        self.directory = Path(directory)
        self.title = title
        self.results: dict = {}
        self.headline = ""
        self._parts: list[str] = [f"# {title}\n"]
        self.figures: list[str] = []

    # -- content
    def heading(self, text: str, level: int = 2) -> None:
        self._parts.append(f"{'#' * level} {text}\n")

    def text(self, *paragraphs: str) -> None:
        """Paragraphs of Markdown, each given as one string (dedented and stripped)."""
        import textwrap

        for p in paragraphs:
            self._parts.append(textwrap.dedent(p).strip() + "\n")

    def bullets(self, items) -> None:
        self._parts.append("".join(f"- {item}\n" for item in items))

    def table(self, headers, rows, align=None) -> None:
        """A Markdown table; cells that are numbers go through :func:`fmt`, and
        numeric columns are right-aligned unless ``align`` (a string of ``l``, ``r``
        and ``c``, one per column) says otherwise."""
        headers = [str(h) for h in headers]
        rows = [list(r) for r in rows]
        for r in rows:
            if len(r) != len(headers):
                raise ValueError(f"Report.table: a row has {len(r)} cells but there are "
                                 f"{len(headers)} headers: {r!r}")
        if align is None:  # labels on the left, numbers on the right
            align = "l" + "r" * (len(headers) - 1)
        marks = {"l": ":--", "r": "--:", "c": ":-:"}
        lines = ["| " + " | ".join(headers) + " |",
                 "|" + "|".join(marks[a] for a in align) + "|"]
        for r in rows:
            cells = [c if isinstance(c, str) else fmt(c) for c in r]
            lines.append("| " + " | ".join(cells) + " |")
        self._parts.append("\n".join(lines) + "\n")

    def code(self, text: str, lang: str = "") -> None:
        self._parts.append(f"```{lang}\n{text.rstrip()}\n```\n")

    def figure(self, fig, name: str, caption: str) -> Path:
        """Save ``fig`` as ``name``.png in the lab's folder (atomically) and embed it
        with ``caption`` under it."""
        if not name.endswith(".png"):
            name += ".png"
        path = self.directory / name
        _save_png(fig, path)
        self.figures.append(name)
        self._parts.append(f"![{caption}]({name})\n\n*{caption}*\n")
        return path

    def images(self, cells, columns: int) -> None:
        """A grid of already saved images as a Markdown table: ``cells`` is a list of
        ``(label, file name)``."""
        rows = [list(cells[i:i + columns]) for i in range(0, len(cells), columns)]
        rows[-1] += [("", "")] * (columns - len(rows[-1]))  # a full last row
        lines = ["| " + " | ".join(label for label, _ in rows[0]) + " |",
                 "|" + "|".join(":-:" for _ in rows[0]) + "|"]
        for k, row in enumerate(rows):
            if k:  # later rows: their labels in bold in a row of their own
                lines.append("| " + " | ".join(f"**{label}**" if label else ""
                                               for label, _ in row) + " |")
            lines.append("| " + " | ".join(f"![{label}]({file})" if file else ""
                                           for label, file in row) + " |")
        self._parts.append("\n".join(lines) + "\n")

    def save_figure_file(self, fig, name: str) -> str:
        """Save ``fig`` as ``name``.png without embedding it (see :meth:`images`)."""
        if not name.endswith(".png"):
            name += ".png"
        _save_png(fig, self.directory / name)
        self.figures.append(name)
        return name

    # -- output
    def markdown(self) -> str:
        return "\n".join(self._parts)

    def write(self) -> Path:
        """Write ``report.md`` and ``results.json``; returns the report's path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        results = dict(self.results)
        results.setdefault("headline", self.headline)
        atomic_write_text(self.directory / "results.json",
                          json.dumps(_jsonable(results), indent=2, sort_keys=True) + "\n")
        return atomic_write_text(self.directory / "report.md", self.markdown())
