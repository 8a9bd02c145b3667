"""Size budgets that keep the code readable (STYLE.md): the engine core stays small
enough to read in an afternoon, and no file grows past 600 lines."""

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "reseau"
ENGINE_CORE = ["tensor.py", "autograd.py", "backend.py", "ops/registry.py"]


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_engine_core_within_1500_lines():
    total = sum(_lines(SRC / name) for name in ENGINE_CORE)
    assert total <= 1500, f"engine core is {total} lines (budget 1500): {ENGINE_CORE}"


def test_no_source_file_over_600_lines():
    too_long = {str(p.relative_to(SRC)): _lines(p) for p in SRC.rglob("*.py") if _lines(p) > 600}
    assert not too_long, f"split these files (over 600 lines): {too_long}"
