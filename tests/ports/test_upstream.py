"""The verbatim corpus: public PyTorch teaching scripts and notebooks, as their authors wrote
them, run under ``reseau run`` and under real PyTorch (issue 13, section 5).

``upstream.json`` names each file by repository, path and commit. The files themselves are
not copied into this repository (the store they come from asks that their code stay out of
our commits): the tests read them from local mirrors, bare git directories at
``$RESEAU_UPSTREAM_MIRRORS/<owner>+<repo>/repo`` (default ``/work/.mirror``), with
``git show <commit>:<path>``, and skip when a mirror is absent. Before a run only the
manifest's ``trims`` are applied: exact ``[old, new]`` replacements (step counts, data paths,
plot calls), each of which must occur in the file. A notebook becomes a script mechanically:
its code cells in order, each after a ``# %% cell N`` line, IPython's ``%``/``!`` lines
commented out, and the cell's last bare expression printed as Jupyter displays it.

Each entry runs twice: ``python -m reseau run <copy>`` and real PyTorch (one process for the
whole corpus, ``_torch_batch.py``). Mode ``exact`` (the script seeds its generator): the
numbers printed match PyTorch's line for line, within ``rtol`` plus one unit of the last
printed digit. Mode ``bounds`` (unseeded draws): both runs print as many lines and meet the
manifest's bounds. A failure known today carries ``xfail`` (``{"run"|"match": reason}``);
/work/notes/verbatim_failures.md lists them.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MANIFEST = json.loads((HERE / "upstream.json").read_text())
ENTRIES = {entry["name"]: entry for entry in MANIFEST["entries"]}
MIRRORS = Path(os.environ.get("RESEAU_UPSTREAM_MIRRORS", "/work/.mirror"))
TIMEOUT_S = 120

# a number not glued to a name ("float32", "Backward0", "0x7f..." are text)
NUMBER = re.compile(r"(?<![\w.^])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")

# A notebook runs as ``jupyter nbconvert --execute --allow-errors`` runs it: every cell, in
# order, in one namespace; a cell that raises prints its error's type and the next one runs
# (lecture notebooks are often saved with cells run out of order). After a cell, its last bare
# expression is shown as Jupyter shows it, unless it ends with ";" or is a plot object.
PRELUDE = '''import sys as __sys


def __display__(value):
    if value is not None and not type(value).__module__.startswith("matplotlib"):
        print(repr(value))


def __cell__(number, source):
    try:
        exec(compile(source, f"<cell {number}>", "exec"), globals())
    except Exception as error:
        print(f"cell {number} raised {type(error).__name__}")
        print(f"cell {number}: {type(error).__name__}: {error}", file=__sys.stderr)
'''


def mirror(repo: str) -> Path:
    return MIRRORS / repo.replace("/", "+") / "repo"


def git_show(repo: str, commit: str, path: str) -> bytes:
    where = mirror(repo)
    if not where.is_dir():
        pytest.skip(f"no local mirror of {repo} at {where} (set RESEAU_UPSTREAM_MIRRORS)")
    return subprocess.run(["git", "-C", str(where), "show", f"{commit}:{path}"],
                          capture_output=True, check=True).stdout


def _displayed(source: str) -> str:
    """The cell with its last bare expression wrapped in ``__display__(...)``."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return source
    if not body or not isinstance(body[-1], ast.Expr) or source.rstrip().endswith(";"):
        return source
    last = body[-1]
    lines = [line.encode() for line in source.splitlines()]  # ast's columns count bytes
    start, end = last.lineno - 1, last.end_lineno - 1
    lines[end] = lines[end][:last.end_col_offset] + b"))" + lines[end][last.end_col_offset:]
    lines[start] = (lines[start][:last.col_offset] + b"__display__((" +
                    lines[start][last.col_offset:])
    lines = [line.decode() for line in lines]
    return "\n".join(lines)


def notebook_to_script(raw: bytes) -> str:
    """The code cells of a notebook in order, as one script (see the module docstring)."""
    cells = [cell for cell in json.loads(raw)["cells"] if cell["cell_type"] == "code"]
    parts = [PRELUDE]
    for number, cell in enumerate(cells, 1):
        source = cell["source"]
        source = "".join(source) if isinstance(source, list) else source
        lines = [("# " + line) if line.lstrip().startswith(("%", "!")) else line
                 for line in source.splitlines()]
        code = _displayed("\n".join(lines))
        parts.append(f"# %% cell {number}\n__cell__({number}, {code!r})")
    return "\n\n".join(parts) + "\n"


def upstream_source(entry: dict) -> str:
    raw = git_show(entry["repo"], entry["commit"], entry["path"])
    return notebook_to_script(raw) if entry["path"].endswith(".ipynb") else raw.decode()


def trimmed(entry: dict, source: str) -> str:
    for old, new in entry.get("trims", []):
        assert old in source, f"{entry['name']}: the trim {old!r} does not occur in the file"
        source = source.replace(old, new)
    return source


def prepare(entry: dict, workdir: Path) -> Path:
    """The trimmed copy of the entry in its own directory, with its data files."""
    where = workdir / entry["name"]
    where.mkdir(parents=True, exist_ok=True)
    for data in entry.get("data", []):
        raw = git_show(data["repo"], data["commit"], data["path"])
        for old, new in data.get("trims", []):
            assert old.encode() in raw, f"{entry['name']}: data trim {old!r} does not occur"
            raw = raw.replace(old.encode(), new.encode())
        if "lines" in data:  # the first N lines of a text data file: a shorter data path
            raw = b"".join(raw.splitlines(keepends=True)[:data["lines"]])
        (where / data.get("as", Path(data["path"]).name)).write_bytes(raw)
    script = where / f"{entry['name']}.py"
    script.write_text(trimmed(entry, upstream_source(entry)))
    return script


def _number_rows(text: str) -> list[list[str]]:
    """The numbers of each line that has any, as printed (object addresses dropped)."""
    rows = [NUMBER.findall(re.sub(r"\b0x[0-9a-fA-F]+\b", "", line))
            for line in text.splitlines()]
    return [row for row in rows if row]


def numbers(text: str) -> list[list[float]]:
    return [[float(n) for n in row] for row in _number_rows(text)]


def _digit_unit(value: str) -> float:
    """One unit of the last printed digit ("0.1235" -> 1e-4; 0 for integers)."""
    mantissa, _, exponent = value.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + int(exponent or 0)) if decimals else 0.0


def _units(text: str) -> list[list[float]]:
    return [[_digit_unit(n) for n in row] for row in _number_rows(text)]


def check_bounds(entry: dict, out: str, who: str) -> None:
    for bound in entry.get("bounds", []):
        found = [float(m) for m in re.findall(bound["pattern"], out, flags=re.M)]
        assert found, f"{who}: no line matches {bound['pattern']!r}"
        take = bound.get("take", "last")
        value = {"last": found[-1], "first": found[0],
                 "max": max(found), "min": min(found)}[take]
        if "decrease" in bound:  # the last value is at most this fraction of the first
            assert value <= bound["decrease"] * found[0], (
                f"{who}: {bound['pattern']!r} went from {found[0]} to {value}")
        if "max" in bound:
            assert value <= bound["max"], f"{who}: {bound['pattern']!r} = {value} > {bound['max']}"
        if "min" in bound:
            assert value >= bound["min"], f"{who}: {bound['pattern']!r} = {value} < {bound['min']}"


def _env() -> dict:
    threads = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**os.environ, **threads, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}


def _reseau_run(script: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reseau", "run", script.name],
                          cwd=script.parent, capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=_env())


def _torch_batch(scripts: list[Path], workdir: Path) -> dict:
    out = workdir / "torch.json"
    subprocess.run([sys.executable, str(HERE / "_torch_batch.py"), str(out),
                    str(workdir / "torch"), *map(str, scripts)],
                   check=True, timeout=600, env=_env())
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def runs(request, tmp_path_factory):
    """Prepares the selected entries and starts their runs at once (PyTorch's batch beside
    reseau's runs); each test waits on its own."""
    workdir = tmp_path_factory.mktemp("upstream")
    names = sorted({item.callspec.params["name"] for item in request.session.items
                    if Path(str(item.fspath)) == Path(__file__)
                    and hasattr(item, "callspec") and "runs" in item.fixturenames})
    scripts = {}
    for name in names:
        if mirror(ENTRIES[name]["repo"]).is_dir():
            scripts[name] = prepare(ENTRIES[name], workdir / "reseau")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        torch_future = None
        if importlib.util.find_spec("torch") is not None and scripts:
            torch_scripts = [prepare(ENTRIES[name], workdir / "torch") for name in scripts]
            # _torch_batch runs <name>.py in WORKDIR/<name>: there, beside its data files
            torch_future = pool.submit(_torch_batch, torch_scripts, workdir)
        reseau = {name: pool.submit(_reseau_run, script) for name, script in scripts.items()}
        yield {"reseau": reseau, "torch": torch_future}


def _reseau_output(name: str, runs: dict) -> str:
    if name not in runs["reseau"]:
        pytest.skip(f"no local mirror of {ENTRIES[name]['repo']}")
    result = runs["reseau"][name].result()
    raises = ENTRIES[name].get("raises")
    if raises:  # the file fails under PyTorch too, at the same line: so must it here
        last = result.stderr.strip().splitlines()[-1:] or [""]
        assert result.returncode != 0 and last[0].startswith(raises + ":"), (
            f"{name} under reseau should raise {raises}:\n{result.stderr[-3000:]}")
    else:
        assert result.returncode == 0, f"{name} under reseau:\n{result.stderr[-3000:]}"
    return result.stdout


def _xfail(entry: dict, check: str) -> None:
    reason = entry.get("xfail", {}).get(check)
    if reason:
        pytest.xfail(reason)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_manifest_entry(name):
    """Provenance is complete, and every trim applies to the file at its commit."""
    entry = ENTRIES[name]
    assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry["commit"]
    assert entry["mode"] in ("exact", "bounds")
    assert entry["exercises"]
    repo = MANIFEST["repos"][entry["repo"]]
    assert repo["licence"] and re.fullmatch(r"[0-9a-f]{40}", repo["commit"])
    licence = git_show(entry["repo"], repo["commit"], repo["licence_file"]).decode()
    assert repo["licence_phrase"] in licence, f"{entry['repo']}: not the licence recorded"
    assert entry["licence"] == repo["licence"]
    source = upstream_source(entry)
    compile(trimmed(entry, source), entry["path"], "exec")
    for data in entry.get("data", []):
        assert git_show(data["repo"], data["commit"], data["path"])


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_runs_under_reseau(name, runs):
    entry = ENTRIES[name]
    _xfail(entry, "run")
    out = _reseau_output(name, runs)
    assert numbers(out), f"{name}: printed no number"
    check_bounds(entry, out, f"{name} under reseau")


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_matches_pytorch(name, runs):
    pytest.importorskip("torch")
    entry = ENTRIES[name]
    _xfail(entry, "run")
    _xfail(entry, "match")
    mine = _reseau_output(name, runs)
    theirs = runs["torch"].result()[name]
    if entry.get("raises"):
        assert theirs["rc"] != 0 and entry["raises"] + ":" in theirs["err"], theirs["err"]
    else:
        assert theirs["rc"] == 0, f"{name} under PyTorch:\n{theirs['err'][-3000:]}"
    ours, torch_rows = numbers(mine), numbers(theirs["out"])
    if entry.get("lines_vary"):  # the manifest says why the output's length is not fixed
        check_bounds(entry, theirs["out"], f"{name} under PyTorch")
        return
    assert len(ours) == len(torch_rows), (
        f"{name}: {len(ours)} lines with numbers under reseau, {len(torch_rows)} under PyTorch")
    if entry["mode"] == "bounds":
        check_bounds(entry, theirs["out"], f"{name} under PyTorch")
        return
    rtol, atol = entry.get("rtol", 1e-4), entry.get("atol", 0.0)
    units = zip(_units(mine), _units(theirs["out"]))
    # rows that differ from run to run inside one library: the manifest's skip_why says why
    skipped = {row for first, last in entry.get("skip_rows", []) for row in
               range(first, last + 1)}
    for row, (a, b, (ua, ub)) in enumerate(zip(ours, torch_rows, units)):
        if row in skipped:
            continue
        assert len(a) == len(b), f"{name}, line {row}: {a} under reseau, {b} under PyTorch"
        for x, y, u, v in zip(a, b, ua, ub):
            tol = atol + rtol * max(abs(x), abs(y)) + max(u, v)
            same = (math.isnan(x) and math.isnan(y)) or abs(x - y) <= tol
            assert same, f"{name}, line {row}: {x} under reseau, {y} under PyTorch"


def test_notebook_runs_as_nbconvert_allow_errors(tmp_path):
    """Cells in order in one namespace, a raising cell reported and passed, the last bare
    expression shown (not after ";"), IPython magics commented out."""
    cells = ["%matplotlib inline\nx = 2", "y  # defined later", "x * 21", "x + 1;",
             "y = [x,\n     x]\ny", "!pip install nothing\nprint('é', x)\nx, y"]
    notebook = {"cells": [{"cell_type": "code", "source": c} for c in cells] +
                [{"cell_type": "markdown", "source": "# text"}]}
    script = tmp_path / "nb.py"
    script.write_text(notebook_to_script(json.dumps(notebook).encode()))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "cell 2 raised NameError", "42", "[2, 2]", "é 2", "(2, [2, 2])"]
    assert "cell 2: NameError" in result.stderr


def test_trims_must_occur_and_numbers_are_compared_as_printed():
    entry = {"name": "demo", "trims": [["range(500)", "range(5)"]]}
    assert trimmed(entry, "for t in range(500): pass") == "for t in range(5): pass"
    with pytest.raises(AssertionError, match="does not occur"):
        trimmed(entry, "for t in range(50): pass")
    out = "step 3 loss 0.1235 <Line2D at 0x7f3a> float32\nno number\n1e-3"
    assert numbers(out) == [[3.0, 0.1235], [0.001]]
    assert _units(out) == [[0.0, 1e-4], [0.0]]
    with pytest.raises(AssertionError, match="went from"):
        check_bounds({"bounds": [{"pattern": r"^(\S+)$", "decrease": 0.5}]},
                     "4.0\n3.0", "demo")
