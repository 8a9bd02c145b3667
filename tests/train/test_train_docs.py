"""docs/train.md runs, docs/cli.md lists every option of `reseau train`, and the
docstring examples of reseau.train and reseau.io hold."""

import doctest
import importlib
from pathlib import Path

import pytest

from reseau.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_python_block_of_the_training_guide_runs(capsys, tmp_path, monkeypatch,
                                                      run_doc):
    monkeypatch.chdir(tmp_path)
    run_doc("train.md", min_blocks=8)
    out = capsys.readouterr().out
    assert "Iter 59: Acc train" in out and "Training diverged" in out


def test_the_cli_guide_documents_every_train_option():
    text = (DOCS / "cli.md").read_text()
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    options = {s for a in train._actions for s in a.option_strings if s.startswith("--")}
    options -= {"--help", "--no-standardize"}
    missing = sorted(o for o in options if f"`{o}" not in text)
    assert not missing, f"docs/cli.md does not describe {missing}"


@pytest.mark.parametrize("module", [
    "reseau.train.metrics", "reseau.train.progress", "reseau.train.callbacks",
    "reseau.train", "reseau.io.npz",
])
def test_docstring_examples(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
