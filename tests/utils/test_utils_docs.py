"""The docstring examples of reseau.utils.data and of the nn files added for PyTorch's
surface (embedding, normalisation, padding, distances) run and print what they show."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", [
    "reseau.utils.data.dataset", "reseau.utils.data.sampler", "reseau.utils.data.dataloader",
    "reseau.nn.embedding", "reseau.nn.normalization", "reseau.nn.padding", "reseau.nn.distance",
    "reseau.nn.module", "reseau.nn.rnn", "reseau.nn.attention", "reseau.nn.functional",
    "reseau.nn.containers", "reseau.nn.utils.rnn", "reseau.nn.utils.convert_parameters",
    "reseau.nn.transformer",
])
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0

