"""The examples of docs/models.md run, in order, and give what the page says."""

import re

import numpy as np
import pytest


def test_models_doc_examples_run(capsys, run_doc):
    ns, text = run_doc("models.md", min_blocks=7)
    out = capsys.readouterr().out
    # gradient descent reached the closed form
    assert float(re.search(r"distance to the closed form (\S+)", out).group(1)) < 1e-6
    # seed 004's example: 2.8, 0, 7.7 and their mean 3.5
    np.testing.assert_allclose(
        ns["multiclass_hinge_loss"](ns["scores"], [0, 1, 2], reduction="none")._array,
        [2.8, 0.0, 7.7], atol=1e-5)
    # hand-written backprop equals autograd
    np.testing.assert_allclose(ns["grads"]["W1"], ns["W1"].grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ns["grads"]["x"], ns["x"].grad.numpy(), atol=1e-10)
    assert ns["loss"] == pytest.approx(ns["auto"].item(), abs=1e-10)
    # the gradient-check table is printed
    assert re.search(r"^0\.weight\s+\(4, 2\)\s+8/8\s+\S+\s+\S+\s+ok$", out, re.M)
    mlp_accuracy = re.search(r"loss \S+ -> \S+, accuracy (\S+)", out).group(1)
    assert float(mlp_accuracy) > 0.9  # the MLP on the circles


@pytest.mark.parametrize("module", ["logistic", "manual_mlp", "mlp", "ridge", "svm"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"reseau.models.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
