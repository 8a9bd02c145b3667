"""Shared fixtures of the lab tests: each lab runs once per session with --quick, and
the tests read back what its report states."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")


class LabRun:
    """A finished quick run: its folder, its Markdown and its results.json."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dir = path.parent
        self.markdown = path.read_text(encoding="utf-8")
        self.results = json.loads((self.dir / "results.json").read_text(encoding="utf-8"))

    def images(self) -> list[str]:
        """The PNG files the Markdown embeds."""
        return re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", self.markdown)

    def check_images(self) -> None:
        """Every embedded figure exists and is a real PNG."""
        names = self.images()
        assert names, "the report embeds no figure"
        for name in names:
            data = (self.dir / name).read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n", name
            assert len(data) > 2000, f"{name} is suspiciously small"


@pytest.fixture(scope="session")
def lab_out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("labs")


@pytest.fixture(scope="session")
def run_quick(lab_out):
    """``run_quick(name, **kw)`` runs lab ``name`` with ``quick=True, seed=0`` once per
    session and returns a :class:`LabRun`."""
    from reseau.labs import run_lab

    cache: dict = {}

    def run(name: str, **kw) -> LabRun:
        key = (name, tuple(sorted(kw.items())))
        if key not in cache:
            lab = LabRun(run_lab(name, lab_out, quick=True, seed=0, **kw))
            assert lab.results["quick"] is True
            # the 30 s budget of --quick is measured by benchmarks/labs_quick.py, not here
            assert lab.results["seconds"] > 0
            cache[key] = lab
        return cache[key]

    return run
