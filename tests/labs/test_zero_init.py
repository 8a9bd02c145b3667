"""zero-init: convex logistic regression ignores the start; a hidden layer from zeros
keeps identical units unless dropout or a random start breaks the symmetry."""

import pytest

from reseau.labs.report import fmt, pct


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("zero-init")


def test_logistic_regression_reaches_the_same_minimum_from_zeros(lab):
    logistic = lab.results["logistic"]
    assert logistic["objective"]["zeros"] == pytest.approx(logistic["objective"]["random"],
                                                           abs=1e-6)
    assert logistic["max_weight_gap"] < 1e-2


def test_zero_initialised_hidden_units_stay_identical(lab):
    net = lab.results["network"]
    sigmoid, tanh = net["sigmoid, zeros"], net["tanh, zeros"]
    assert sigmoid["spread"] == 0.0 and sigmoid["output_spread"] == 0.0
    assert sigmoid["hidden_norm"] > 0  # the rows moved, all together
    # tanh(0) = 0: neither the hidden nor the output weights ever move
    assert tanh["hidden_norm"] == 0.0 and tanh["output_norm"] == 0.0
    assert tanh["test_acc"] == pytest.approx(0.5, abs=0.06)


def test_dropout_and_random_init_break_the_symmetry(lab):
    net = lab.results["network"]
    assert net["sigmoid, zeros + dropout 0.5"]["spread"] > 1e-2
    for key in ("sigmoid, random", "tanh, random"):
        assert net[key]["spread"] > 1e-2
        assert net[key]["test_acc"] > net["sigmoid, zeros"]["test_acc"] + 0.3


def test_report_states_the_numbers(lab):
    md = lab.markdown
    net = lab.results["network"]
    assert "| sigmoid, zeros | 0 (identical) |" in md
    assert fmt(net["sigmoid, zeros + dropout 0.5"]["spread"]) in md
    assert pct(net["tanh, random"]["test_acc"]) in md
    dropout = net["sigmoid, zeros + dropout 0.5"]
    assert "as seed 000 question 3(c) says; " in " ".join(md.split())
    assert pct(dropout["test_acc"]) in md
    lab.check_images()
