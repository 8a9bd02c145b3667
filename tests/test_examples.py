"""The runnable scripts in examples/ keep working and reach what their docstrings say."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_train_circles_with_raw_autograd_reaches_95_percent(capsys):
    module = runpy.run_path(str(EXAMPLES / "train_circles.py"))
    accuracy = module["main"]()
    assert accuracy >= 0.95
    assert "Iter 150: Acc train" in capsys.readouterr().out
