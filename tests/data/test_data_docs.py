"""The examples of docs/data.md run as written (blocks marked ```python skip download
data, and are left out), and each ``print(...)  # output`` prints what its comment says."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "data.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S) if DOC.exists() else []


def test_the_page_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs_and_prints_what_it_says(code, capsys):
    if "load_digits" in code:
        pytest.importorskip("sklearn")
    exec(compile(code, str(DOC), "exec"), {})
    # the expected output is the comment on the print line, or alone on the next line
    expected = re.findall(r"^print\(.*?\)(?:\s+|\n)# (.*)$", code, flags=re.M)
    assert len(expected) == code.count("print("), "every print in the docs shows its output"
    printed = capsys.readouterr().out.splitlines()
    assert [" ".join(line.split()) for line in printed] == expected
