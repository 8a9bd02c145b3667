"""Size budgets on what a newcomer reads (STYLE.md, issue 12).

To understand the engine one reads the engine itself (grad mode, graph nodes and backward,
the op registry, Tensor) and then any one op. The op set keeps growing, so the budgets sit
on the engine and on each op, not on their sum: the engine within 1,000 lines of code
(docstrings, comments and blank lines not counted), each op class within one screen of 50
lines, and no source file over 600 lines.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "reseau"
ENGINE = ["grad_mode.py", "engine.py", "ops/registry.py", "tensor.py"]
ENGINE_BUDGET = 1000
OP_CLASS_BUDGET = 50

# Op classes over budget today, with their length: a ratchet (a listed op may not grow,
# and must leave the list once it fits).
KNOWN_LONG_OPS: dict[str, int] = {}

_LAYOUT_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                  tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def code_lines(text: str) -> int:
    """Lines holding code: lines touched by a token other than a comment or layout, less
    the docstrings of the module, its classes and functions."""
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type not in _LAYOUT_TOKENS:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                lines.difference_update(range(first.lineno, first.end_lineno + 1))
    return len(lines)


def _is_register(decorator: ast.expr) -> bool:
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "register"


def op_classes(text: str) -> dict[str, int]:
    """Qualified name -> length in lines (decorators and docstring included) of each class
    registered as an op with ``@register(...)``, nested ones included."""
    found = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                if any(_is_register(d) for d in child.decorator_list):
                    start = min(d.lineno for d in child.decorator_list)
                    found[prefix + child.name] = child.end_lineno - start + 1
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{prefix}{child.name}.<locals>.")
            else:
                visit(child, prefix)

    visit(ast.parse(text), "")
    return found


def _all_op_classes() -> dict[str, int]:
    found = {}
    for path in sorted((SRC / "ops").rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for name, n in op_classes(path.read_text()).items():
            found[f"{rel}::{name}"] = n
    return found


def test_engine_within_1000_lines_of_code():
    sizes = {name: code_lines((SRC / name).read_text())
             for name in ENGINE if (SRC / name).exists()}
    total = sum(sizes.values())
    assert total <= ENGINE_BUDGET, (
        f"the engine is {total} lines of code (budget {ENGINE_BUDGET}, docstrings, comments "
        f"and blank lines not counted): {sizes}. Move what is not the engine (conversions, "
        "conveniences) to ops/ or creation.py; keep the engine to graph, backward and Tensor")


def test_every_op_class_fits_one_screen():
    sizes = _all_op_classes()
    too_long = {k: n for k, n in sizes.items()
                if n > OP_CLASS_BUDGET and KNOWN_LONG_OPS.get(k, 0) < n}
    assert not too_long, (
        f"op classes over {OP_CLASS_BUDGET} lines (forward, VJP and docstring): {too_long}. "
        "Move the shared arithmetic into a private helper function of the file, or compose "
        "the op from smaller ones")
    fits = sorted(k for k in KNOWN_LONG_OPS if sizes.get(k, 0) <= OP_CLASS_BUDGET)
    assert not fits, f"these ops fit now: remove them from KNOWN_LONG_OPS: {fits}"


def test_the_size_test_sees_every_registered_op():
    # the ast scan above must find the class of every op in the table, or it measures nothing
    from reseau.ops.registry import OPS

    registered = set()
    for op in OPS.values():
        code = op.forward.__code__
        rel = Path(code.co_filename).resolve().relative_to(SRC.resolve()).as_posix()
        registered.add(f"{rel}::{op.forward.__qualname__.rsplit('.', 1)[0]}")
    assert registered == set(_all_op_classes())


def test_code_lines_and_op_classes_count_what_they_say():
    text = (
        '"""Module docstring\n\nover three lines."""\n'
        "\n"
        "# a comment\n"
        "def f(x):\n"
        '    """Docstring."""\n'
        "    s = '''a string\n"
        "    of code'''  # comment after code\n"
        "    return x\n"
        "\n"
        "def outer():\n"
        "    @register('op')\n"
        "    class Op:\n"
        "        def forward(ctx, x):\n"
        "            return x\n"
    )
    assert code_lines(text) == 9  # def f, s = (2 lines), return, def outer, @, class, def, ret
    assert op_classes(text) == {"outer.<locals>.Op": 4}


def test_no_source_file_over_600_lines():
    too_long = {str(p.relative_to(SRC)): _lines(p) for p in SRC.rglob("*.py") if _lines(p) > 600}
    assert not too_long, f"split these files (over 600 lines): {too_long}"


def test_layout_page_names_every_file():
    # docs/layout.md has a row "| `path` | what lives there |" for each file of src/reseau
    import re

    text = (SRC.parents[1] / "docs" / "layout.md").read_text()
    rows = set(re.findall(r"^\| `([\w/]+\.py)` \|", text, flags=re.M))
    files = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")}
    assert not files - rows, f"add a row to docs/layout.md for: {sorted(files - rows)}"
    assert not rows - files, f"docs/layout.md names files that are gone: {sorted(rows - files)}"


def test_links_of_the_layout_page_and_the_readme_resolve():
    import re

    root = SRC.parents[1]
    for page in (root / "README.md", root / "docs" / "layout.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} links to missing {target}"


def test_readme_layout_names_every_top_level_file_and_package():
    root = SRC.parents[1]
    readme = (root / "README.md").read_text()
    block = readme[readme.index("## Layout"):readme.index("## Documentation")]
    names = {line.split()[0] for line in block.splitlines() if line.startswith("  ")
             and not line.lstrip().startswith("--")}
    entries = {p.name + ("/" if p.is_dir() else "") for p in SRC.iterdir()
               if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert not entries - names, f"README's layout misses {sorted(entries - names)}"
