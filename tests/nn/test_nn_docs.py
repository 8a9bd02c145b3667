"""The examples of docs/nn.md run, in order, and print what the page says."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytestmark = pytest.mark.nn


def test_nn_doc_examples_run(capsys, run_doc):
    ns, text = run_doc("nn.md", min_blocks=10)
    # the repr shown on the page is the one printed by the first example
    shown = re.search(r"```\n(TwoLayer\(.*?)\n```", text, re.S).group(1)
    assert shown in capsys.readouterr().out
    # the seed 004 numbers quoted in the comments
    np.testing.assert_allclose(ns["per_example"]._array, [2.8, 0.0, 7.7], atol=1e-6)
    assert ns["mean"].item() == pytest.approx(3.5, abs=1e-6)
    assert ns["objective"].grad_fn is not None


@pytest.mark.parametrize("module", ["module", "containers", "linear", "dropout", "mlp", "loss",
                                    "regularization", "parameter"])
def test_nn_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"reseau.nn.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
