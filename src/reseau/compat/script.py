"""Running a program as ``python`` would, with ``import torch`` served by reseau: a script
(``reseau run script.py args``), a module (``reseau run -m package.module``) or the code cells
of a Jupyter notebook (``reseau run lesson.ipynb``).

The program runs as ``__main__`` with ``sys.argv`` set to ``[program, *args]`` and its folder
first on ``sys.path``. Its exit status comes back (``sys.exit(3)`` gives 3, an uncaught
exception 1, Ctrl-C 130) and an uncaught exception prints Python's traceback, starting at
the program's own frames. One exception: an import of a part of PyTorch that reseau does not
provide prints one line, ``file:line: ModuleNotFoundError: reseau does not provide ...``
(``RESEAU_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import json
import linecache
import os
import runpy
import sys
import traceback
import types
from pathlib import Path

from .hook import NotProvidedError

__all__ = ["run_path", "run_module", "notebook_cells"]

_HERE = os.path.abspath(__file__)
# cell magics whose body is Python that runs as is once the magic line is dropped
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")


def _trimmed(tb, skip: set[str]):
    """The traceback without its leading frames from the files in ``skip`` (this runner,
    runpy): what Python shows for ``python script.py``."""
    while tb is not None and (tb.tb_frame.f_code.co_filename in skip or
                              os.path.abspath(tb.tb_frame.f_code.co_filename) in skip):
        tb = tb.tb_next
    return tb


def _report(err: BaseException, skip: set[str]) -> int:
    """Print an uncaught exception as Python does; return the exit status."""
    tb = _trimmed(err.__traceback__, skip)
    if isinstance(err, NotProvidedError) and not os.environ.get("RESEAU_DEBUG"):
        where = [f for f in traceback.extract_tb(tb)
                 if not f.filename.startswith("<frozen") and
                 os.path.dirname(os.path.abspath(f.filename)) != os.path.dirname(_HERE)]
        place = f"{where[-1].filename}:{where[-1].lineno}: " if where else ""
        print(f"{place}ModuleNotFoundError: {err}", file=sys.stderr)
        return 1
    err.with_traceback(tb)
    if sys.excepthook is sys.__excepthook__:  # traceback reads a notebook cell's linecache
        traceback.print_exception(err)
    else:  # the program's own hook
        sys.excepthook(type(err), err, tb)
    return 130 if isinstance(err, KeyboardInterrupt) else 1


def _run(body, argv0: str, args, path_entry: str, skip: set[str]) -> int:
    """Call ``body()`` with ``sys.argv`` and ``sys.path`` set as for ``python argv0 args``;
    restore them afterwards. ``SystemExit`` goes through (its code is the status)."""
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [argv0, *args]
    sys.path.insert(0, path_entry)
    try:
        body()
    except SystemExit:
        raise
    except BaseException as err:  # noqa: BLE001  (the program's error, shown as Python does)
        return _report(err, skip | {_HERE})
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def _main_module(path: str) -> types.ModuleType:
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    main.__spec__ = None
    main.__loader__ = None
    return main


def _display(*objects) -> None:
    """IPython's ``display`` for a notebook run outside Jupyter: each object's repr."""
    for obj in objects:
        print(repr(obj))


def _exec_as_main(path: str) -> None:
    """Compile the program at ``path`` and execute it in a fresh ``__main__`` module (a
    notebook: its cells in order)."""
    source = Path(path).read_text(encoding="utf-8")
    main = _main_module(path)
    if path.endswith(".ipynb"):
        codes = _notebook_codes(source, path)  # one cell at a time: cells run until one fails
        main.display = _display
    else:
        codes = [compile(source, path, "exec", dont_inherit=True)]
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = main  # dataclasses and others look the module up by name
    try:
        for code in codes:
            exec(code, main.__dict__)
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def run_path(path: str, args=()) -> int:
    """Run the script or notebook at ``path`` as ``__main__`` with arguments ``args``;
    returns the exit status (``SystemExit`` raised by the program goes through). A file
    that cannot be read raises ``OSError`` before anything runs."""
    full = os.path.abspath(path)
    if not os.path.isfile(full):
        raise FileNotFoundError(f"can't open file {full!r}: no such file")
    return _run(lambda: _exec_as_main(full), path, args, os.path.dirname(full),
                {os.path.abspath(ast.__file__)})  # a notebook cell's SyntaxError: ast.parse


def _run_module_as_main(name: str) -> None:
    """``python -m name``: a module that cannot be found is one line and status 1."""
    try:
        found = importlib.util.find_spec(name)
    except ImportError as err:  # a parent package is missing, or reseau lacks that torch part
        found, reason = None, str(err)
    else:
        reason = f"No module named {name}"
    if found is None:
        print(f"reseau run: error: {reason}", file=sys.stderr)
        raise SystemExit(1)
    runpy.run_module(name, run_name="__main__", alter_sys=True)


def run_module(name: str, args=()) -> int:
    """Run module ``name`` as ``python -m name args`` does; returns the exit status."""
    return _run(lambda: _run_module_as_main(name), name, args, os.getcwd(),
                {os.path.abspath(runpy.__file__), "<frozen runpy>"})


# --- notebooks ---------------------------------------------------------------------------


def notebook_cells(source: str) -> list[str]:
    """The code of a notebook's code cells, in order, as Python: IPython's line magics and
    shell lines (``%matplotlib inline``, ``!pip install ...``) become blank lines, and a cell
    that starts with a cell magic keeps its body only if it is Python (``%%time``; else the
    cell is empty, so that cells keep their numbers)."""
    cells = []
    for cell in json.loads(source).get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        lines = ("".join(text) if isinstance(text, list) else text).splitlines()
        if lines and lines[0].startswith("%%"):
            keep = lines[0][2:].split(" ", 1)[0] in _PYTHON_CELL_MAGICS
            lines = [""] + lines[1:] if keep else []
        cells.append("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in lines) + "\n")
    return cells


def _notebook_codes(source: str, path: str):
    """Each cell compiled as Jupyter runs it: the value of a last bare expression is shown
    (through ``sys.displayhook``), unless the line ends with ``;``."""
    for number, cell in enumerate(notebook_cells(source), start=1):
        filename = f"{path}#cell{number}"
        # so that a traceback shows the cell's lines
        linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
        tree = ast.parse(cell, filename)
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr) and not cell.rstrip().endswith(";"):
            yield compile(ast.Module(tree.body[:-1], []), filename, "exec", dont_inherit=True)
            yield compile(ast.Interactive([last]), filename, "single", dont_inherit=True)
        else:
            yield compile(tree, filename, "exec", dont_inherit=True)
