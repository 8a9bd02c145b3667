"""early-stopping: the dev loss rises while the training loss falls; early stopping
keeps the epoch of the lowest dev loss."""

import numpy as np
import pytest

from reseau.labs.report import fmt


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("early-stopping")


def test_dev_loss_rises_while_training_loss_falls(lab):
    r = lab.results
    val, train = np.array(r["val_loss"]), np.array(r["train_loss"])
    best = r["best_epoch"]
    assert best == int(np.argmin(val))
    assert best < r["epochs"] - 1
    assert val[-1] > 1.5 * val[best]
    assert train[-1] < 0.5 * train[best]


def test_early_stopping_picks_the_best_epoch(lab):
    r = lab.results
    assert r["same_path"]  # same start, same batches: the same trajectory up to the stop
    assert r["es_best_epoch"] == r["best_epoch"]
    assert r["stopped_epoch"] == r["best_epoch"] + r["patience"]
    assert r["es_epochs"] == r["stopped_epoch"] + 1
    assert r["test"]["early_stopping"]["loss"] < r["test"]["full"]["loss"]


def test_report_states_the_numbers(lab):
    md = lab.markdown
    r = lab.results
    assert f"| lowest dev loss ({r['best_epoch']}) |" in md
    assert fmt(r["test"]["early_stopping"]["loss"]) in md
    row = f"| early stopping (patience {r['patience']}) | {r['es_epochs']} | {r['best_epoch']} |"
    assert row in md
    lab.check_images()
