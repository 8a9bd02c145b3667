"""The user documentation (docs/optim.md) runs, and the docstring examples of
reseau.optim and reseau.nn.utils hold."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.optim

DOC = Path(__file__).resolve().parents[2] / "docs" / "optim.md"

MODULES = [
    "reseau.optim.sgd", "reseau.optim.adam", "reseau.optim.rmsprop", "reseau.optim.adagrad",
    "reseau.optim.lr_scheduler", "reseau.optim.plateau", "reseau.optim.functional",
    "reseau.nn.utils.clip_grad",
]


def test_every_python_block_of_the_guide_runs(capsys, run_doc):
    run_doc("optim.md", min_blocks=10)
    out = capsys.readouterr().out
    assert "[0.01, 0.028, 0.046, 0.064, 0.082, 0.1, 0.1]" in out
    assert "[0.05]" in out


def test_the_guide_gives_the_seed_004_recipe():
    text = DOC.read_text()
    assert "lr=0.1, momentum=0.9, weight_decay=5e-4" in text
    assert "PolynomialLR(optimizer, total_iters=epochs, power=4)" in text


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name != "reseau.optim.functional":
        assert result.attempted > 0
