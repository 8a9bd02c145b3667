"""The architecture of ``src/reseau``: imports point only down the floors, and no two files
import each other, directly or around a loop (docs/layout.md draws the floors).

The import graph is read from the source with ``ast``; the package is not imported. Every
``import`` counts, at module level and inside functions, except those under
``if TYPE_CHECKING:`` (they never run). An import is resolved to the file it loads:
``from .x import y`` is ``x/y.py`` when ``y`` is a submodule, else ``x.py`` (or
``x/__init__.py``). The implicit import of parent packages' ``__init__.py`` is ignored, and so
are modules outside reseau.

Two lists hold what is wrong today and is being fixed (issue 12). They are a ratchet: a new
upward import or a new cycle fails, and so does an entry that no longer exists, so that the
lists only shrink.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "reseau"

# Floors, bottom up. A file may import files of its own floor or of a floor below.
# Patterns are matched against the path relative to src/reseau ("*" crosses folders).
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("leaves", ("registry.py", "files.py", "version.py")),  # import nothing from reseau
    ("core", ("dtypes.py", "size.py", "devices.py", "printing.py", "kernel_math.py", "random.py",
              "backend.py", "standin/*", "grad_mode.py",
              "engine.py", "autograd.py",
              "tensor.py", "ops/*", "creation.py", "linalg.py", "function.py", "cuda.py",
              "backends/*")),
    ("nn", ("nn/*",)),
    ("optim", ("optim/*",)),
    ("compile", ("compile.py", "recorder.py")),  # watches tensors, modules, optimizers
    ("data", ("data/*", "utils/*")),
    # model files store nn modules; train's ModelCheckpoint writes them, so io sits below
    # ONNX export and import (reseau.onnx) stand beside the other model-file formats
    ("io", ("io.py", "io/*", "onnx/*")),
    ("train", ("train/*", "gradcheck*.py", "check/*")),
    ("models, viz", ("models/*", "viz/*")),
    ("labs, sklearn", ("labs/*", "sklearn/*")),
    # the application; every __main__.py is a program, whatever folder it sits in
    ("app", ("cli/*", "compat/*", "playground/*", "__main__.py", "*/__main__.py", "run.py")),
    # the package root only re-exports: nothing inside the package imports it
    ("root", ("__init__.py",)),
]

# The one back-edge the design allows: tensor.py imports ops/ (whose ops build Tensors).
ALLOWED_BACK_EDGE = ("tensor.py", "ops/")

# Ratchet lists of what issue 12 is removing. Keys: (importing file, imported file).
# When you fix one, delete its line here; the test tells you which.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

# Each entry is one edge "a imports b" that closes a cycle today; with these edges (and the
# allowed back-edge) removed, the graph is acyclic.
KNOWN_CYCLES: set[tuple[str, str]] = set()

# How many import statements of tensor.py resolve into ops/ (the design allows one).
KNOWN_TENSOR_OPS_IMPORTS = 1


# --- the graph builder ------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    src: str  # file relative to the package folder, "ops/shape.py"
    dst: str
    line: int  # of the import statement


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Yield every Import/ImportFrom node that can run, skipping ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


class Package:
    """The files of one package folder and the resolution of dotted names to them."""

    def __init__(self, root: Path, name: str | None = None):
        self.root = root
        self.name = name or root.name
        self.files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))

    def module_file(self, dotted: str) -> str | None:
        """``reseau.nn.linear`` -> ``nn/linear.py``; a package -> its ``__init__.py``."""
        parts = dotted.split(".")
        if parts[0] != self.name:
            return None
        rel = "/".join(parts[1:])
        for candidate in (f"{rel}.py", f"{rel}/__init__.py" if rel else "__init__.py"):
            if (self.root / candidate).is_file():
                return candidate
        return None

    def package_of(self, rel: str) -> str:
        """Dotted name of the package a file belongs to (relative imports start there)."""
        parts = [self.name, *rel.split("/")[:-1]]
        return ".".join(parts)

    def resolve(self, rel: str, node: ast.Import | ast.ImportFrom):
        """Yield ``(dotted name, file or None)`` for each module of ours the import loads."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == self.name:
                    yield alias.name, self.module_file(alias.name)
            return
        if node.level:
            base = self.package_of(rel).split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        if module.split(".")[0] != self.name:
            return
        for alias in node.names:
            sub = self.module_file(f"{module}.{alias.name}")
            if sub is not None:  # "from . import nn": the subpackage, not the parent
                yield f"{module}.{alias.name}", sub
            else:  # a name defined in the module (or "*")
                yield module, self.module_file(module)

    def edges(self) -> tuple[list[Edge], list[str]]:
        """All import edges between files, and the imports of ours that match no file."""
        edges, unresolved = [], []
        for rel in self.files:
            tree = ast.parse((self.root / rel).read_text(), filename=rel)
            for node in _imports(tree):
                for dotted, dst in self.resolve(rel, node):
                    if dst is None:
                        unresolved.append(f"{rel}:{node.lineno} imports {dotted}")
                    elif dst != rel:
                        edges.append(Edge(rel, dst, node.lineno))
        return edges, unresolved


def floor_of(rel: str) -> int:
    if rel.endswith("__main__.py"):  # a program, above the package it runs
        return next(i for i, (name, _) in enumerate(FLOORS) if name == "app")
    for i, (_, patterns) in enumerate(FLOORS):
        if any(fnmatch.fnmatchcase(rel, p) for p in patterns):
            return i
    raise LookupError(rel)


def _floor_label(i: int) -> str:
    return f"floor {i} {FLOORS[i][0]}"


def upward_imports(edges: list[Edge]) -> dict[tuple[str, str], str]:
    """(src, dst) -> the message for every import pointing to a higher floor."""
    found = {}
    for e in edges:
        a, b = floor_of(e.src), floor_of(e.dst)
        if b > a and (e.src, e.dst) not in found:
            found[(e.src, e.dst)] = (f"{e.src}:{e.line} imports {e.dst} "
                                     f"({_floor_label(a)} -> {_floor_label(b)})")
    return found


def _is_allowed_back_edge(src: str, dst: str) -> bool:
    return src == ALLOWED_BACK_EDGE[0] and dst.startswith(ALLOWED_BACK_EDGE[1])


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the components with more than one file."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def shortest_cycle(graph: dict[str, set[str]], start: str, members: set[str]) -> list[str]:
    """A shortest path start -> ... -> start inside one component (breadth first)."""
    previous = {start: None}
    queue = [start]
    for node in queue:
        for child in sorted(graph.get(node, ())):
            if child == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    return [start]


def graph_of(edges: list[Edge], removed: set[tuple[str, str]] = frozenset()):
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.dst, set())
        if not _is_allowed_back_edge(e.src, e.dst) and (e.src, e.dst) not in removed:
            graph.setdefault(e.src, set()).add(e.dst)
    return graph


def cycles(edges: list[Edge], removed: set[tuple[str, str]] = frozenset()) -> list[str]:
    """Each import cycle left once `removed` edges are cut, printed as a path."""
    graph = graph_of(edges, removed)
    return [" -> ".join(shortest_cycle(graph, c[0], set(c)))
            for c in strongly_connected(graph)]


# --- the tests on src/reseau ------------------------------------------------------------


class _Graph(tuple):
    def __repr__(self):  # pytest prints fixtures of a failing test: keep it one line
        return f"<import graph of src/reseau: {len(self[0])} edges>"


@pytest.fixture(scope="module")
def reseau_graph():
    return _Graph(Package(SRC).edges())


def test_every_file_has_a_floor():
    homeless = []
    for rel in Package(SRC).files:
        try:
            floor_of(rel)
        except LookupError:
            homeless.append(rel)
    assert not homeless, (
        f"these files are on no floor: {homeless}. Add each to FLOORS in "
        "tests/test_architecture.py (and to the picture in docs/layout.md)")


def test_every_import_of_reseau_resolves(reseau_graph):
    _, unresolved = reseau_graph
    assert not unresolved, (
        "these imports name no file of src/reseau (a module moved or was renamed; "
        "an import inside a function only fails when it runs):\n  " + "\n  ".join(unresolved))


def test_no_upward_import(reseau_graph):
    edges, _ = reseau_graph
    found = upward_imports(edges)
    new = sorted(msg for key, msg in found.items() if key not in KNOWN_VIOLATIONS)
    fixed = sorted(f"{a} -> {b}" for a, b in KNOWN_VIOLATIONS - found.keys())
    assert not new, (
        "imports that point up the floors (docs/layout.md):\n  " + "\n  ".join(new) +
        "\nMove the code that both need down to the lower floor, or hand the lower file what it "
        "needs as an argument (a callback, a class); a name table belongs in reseau.registry; "
        "the package root only re-exports (import __version__ from reseau.version).")
    assert not fixed, (
        "fixed, well done: remove these from KNOWN_VIOLATIONS in tests/test_architecture.py:\n  "
        + "\n  ".join(fixed))


def test_no_import_cycle(reseau_graph):
    edges, _ = reseau_graph
    found = cycles(edges, removed=KNOWN_CYCLES)
    assert not found, (
        "import cycles between files (the only one allowed is tensor.py -> ops/):\n  "
        + "\n  ".join(found) +
        "\nBreak each: move what both files need into a third, lower file, or pass it as an "
        "argument. An import inside a function hides a cycle; it does not remove it.")
    graph = graph_of(edges)
    in_cycle = {frozenset(c) for c in strongly_connected(graph)}
    still = {(a, b) for a, b in KNOWN_CYCLES
             if b in graph.get(a, ()) and any({a, b} <= c for c in in_cycle)}
    fixed = sorted(f"{a} -> {b}" for a, b in KNOWN_CYCLES - still)
    assert not fixed, (
        "these edges no longer close a cycle: remove them from KNOWN_CYCLES in "
        "tests/test_architecture.py:\n  " + "\n  ".join(fixed))


def test_tensor_imports_ops_in_one_statement(reseau_graph):
    edges, _ = reseau_graph
    lines = sorted({e.line for e in edges if _is_allowed_back_edge(e.src, e.dst)})
    assert len(lines) <= KNOWN_TENSOR_OPS_IMPORTS, (
        f"tensor.py imports ops/ in {len(lines)} statements (lines {lines}); the back-edge "
        "is allowed once: one `from . import ops` (or one import of the modules it needs)")
    assert KNOWN_TENSOR_OPS_IMPORTS == 1 or len(lines) == KNOWN_TENSOR_OPS_IMPORTS, (
        f"tensor.py now imports ops/ in {len(lines)} statements: lower "
        "KNOWN_TENSOR_OPS_IMPORTS in tests/test_architecture.py to that")


# --- self-tests of the graph builder on a tiny package -----------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Package:
    root = tmp_path / "reseau"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Package(root)


def test_builder_catches_an_upward_import(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": "",
        "tensor.py": "import numpy as np\nfrom .nn.module import Module\n",
        "nn/__init__.py": "",
        "nn/module.py": "from ..tensor import Tensor\n",
    })
    edges, unresolved = pkg.edges()
    assert unresolved == []
    assert list(upward_imports(edges).values()) == [
        "tensor.py:2 imports nn/module.py (floor 1 core -> floor 2 nn)"]


def test_builder_counts_function_level_imports_and_skips_type_checking(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": "",
        "autograd.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from .viz import graph\n"
            "def backward():\n"
            "    from .train.fit import fit\n"),
        "train/__init__.py": "",
        "train/fit.py": "",
        "viz/__init__.py": "",
        "viz/graph.py": "",
    })
    edges, _ = pkg.edges()
    assert [(e.src, e.dst, e.line) for e in edges] == [("autograd.py", "train/fit.py", 5)]


def test_builder_resolves_submodules_packages_and_the_root(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": "__version__ = '1'\n",
        "io.py": "from . import __version__\nfrom . import nn\nimport reseau.nn.linear\n",
        "nn/__init__.py": "",
        "nn/linear.py": "from .. import tensor\nfrom ..tensor import Tensor\nfrom .x import y\n",
        "tensor.py": "",
    })
    edges, unresolved = pkg.edges()
    assert sorted((e.src, e.dst) for e in edges) == [
        ("io.py", "__init__.py"), ("io.py", "nn/__init__.py"), ("io.py", "nn/linear.py"),
        ("nn/linear.py", "tensor.py"), ("nn/linear.py", "tensor.py")]
    assert unresolved == ["nn/linear.py:3 imports reseau.nn.x"]
    assert list(upward_imports(edges).values()) == [
        "io.py:1 imports __init__.py (floor 6 io -> floor 11 root)"]


def test_builder_catches_a_cycle_and_allows_only_tensor_to_ops(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": "",
        "tensor.py": "from .ops import shape\n",
        "ops/__init__.py": "",
        "ops/shape.py": "from ..tensor import Tensor\n",
        "optim/__init__.py": "",
        "optim/plateau.py": "def f():\n    from .lr_scheduler import LRScheduler\n",
        "optim/lr_scheduler.py": "from .plateau import f\n",
    })
    edges, _ = pkg.edges()
    assert cycles(edges) == ["optim/lr_scheduler.py -> optim/plateau.py -> optim/lr_scheduler.py"]
    assert cycles(edges, removed={("optim/plateau.py", "optim/lr_scheduler.py")}) == []
    # ops/shape.py -> tensor.py alone is not a cycle once tensor.py -> ops/ is set aside
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]]


def test_every_main_is_a_program_on_the_app_floor():
    app = [name for name, _ in FLOORS].index("app")
    assert floor_of("labs/__main__.py") == floor_of("__main__.py") == app
    assert floor_of("labs/cli.py") < app
