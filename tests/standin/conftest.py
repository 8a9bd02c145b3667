"""The second test pass: the engine, ops, nn, optim and training run on ``cuda`` served by
the CuPy stand-in (``reseau.standin``), against the same computation on the cpu.

Every test takes the ``cuda`` fixture: the stand-in is the cuda backend, its record of
refused NumPy calls starts empty, and at the end the test fails if anything was recorded
(a NumPy call that CuPy would refuse, even one whose error was caught).
"""

from __future__ import annotations

import pytest

import reseau
from reseau import backend, standin


@pytest.fixture
def cuda():
    backend.use_standin()
    standin.clear_violations()
    yield "cuda"
    reseau.set_default_device(None)
    backend.use_standin(False)
    found = standin.violations()
    standin.clear_violations()
    assert not found, "NumPy calls CuPy would refuse:\n" + "\n".join(found)
