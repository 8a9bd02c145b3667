"""The README's Python examples run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write here
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})


def test_readme_has_the_two_quick_start_commands():
    text = README.read_text()
    quick = text[text.index("## Quick start"):text.index("## A first example")]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)[0].strip().splitlines()
    assert len(commands) == 2
    assert commands[1] == ".venv/bin/python -m pytest"
    assert commands[0].endswith("reseau train")
