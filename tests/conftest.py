"""Shared test configuration: hypothesis profiles.

The ``ci`` profile (the default) keeps property-based tests fast: few examples, no
deadline (the machine is shared), no database writes. ``HYPOTHESIS_PROFILE=thorough``
runs many more examples locally.
"""

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture
def run_doc():
    """``run_doc("nn.md", min_blocks=10)`` runs the page's ```python blocks in order in
    one namespace, like a session, and returns ``(namespace, text of the page)``."""

    def run(page: str, min_blocks: int = 1):
        text = (DOCS / page).read_text()
        blocks = re.findall(r"```python\n(.*?)```", text, re.S)
        assert len(blocks) >= min_blocks, f"docs/{page} has {len(blocks)} Python blocks"
        namespace: dict = {}
        for i, code in enumerate(blocks):
            exec(compile(code, f"docs/{page}, block {i}", "exec"), namespace)
        return namespace, text

    return run
