"""mnist-cnn: the quick run on a slice of the real MNIST files (skipped when absent); the
report's numbers are checked against the networks and against each other."""

import numpy as np
import pytest

from reseau.labs.mnist_cnn import FULL, QUICK
from reseau.labs.report import pct


@pytest.fixture(scope="module")
def lab(run_quick, mnist_dir):
    return run_quick("mnist-cnn", data_dir=mnist_dir)


def test_the_quick_run_is_one_epoch_on_a_slice(lab):
    r = lab.results
    assert r["n_train"] == QUICK["n_train"] == 1500 and r["n_test"] == 500
    assert r["epochs"] == {"lenet5": 1, "mnist-net": 1, "mlp": 1}
    assert len(r["log"]) == 6  # a title and one line per network
    for name in ("lenet5", "mnist-net", "mlp"):
        assert 0.3 < r["test_acc"][name] <= 1.0
        assert r["seconds_per_epoch"][name] > 0
    # the full run is longer: more epochs, all the data
    assert FULL["n_train"] is None and FULL["nets"]["lenet5"]["epochs"] >= 10


def test_parameters_per_layer(lab):
    r = lab.results
    assert r["params"] == {"lenet5": 61_706, "mnist-net": 1_199_882,
                           "mlp": 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10}
    lenet = {row["name"]: row for row in r["layers"]["lenet5"]}
    assert [lenet[k]["params"] for k in ("0", "3", "7", "9", "11")] == [
        156, 2_416, 48_120, 10_164, 850]
    assert lenet["0"]["shape"] == [6, 28, 28] and lenet["5"]["shape"] == [16, 5, 5]
    assert sum(row["params"] for row in r["layers"]["lenet5"]) == 61_706
    assert r["mult_adds"]["lenet5"] == 423_038
    assert "| 3 | Conv2d | 16 x 10 x 10 | 2,416 | 241,600 |" in lab.markdown
    assert "**LeNet-5**: 61,706 parameters, 423,038 multiply-adds per digit." in lab.markdown


def test_the_comparison_table_states_the_results(lab):
    r = lab.results
    errors = {k: int(round((1 - a) * r["n_test"])) for k, a in r["test_acc"].items()}
    row = (f"| LeNet-5 | 61,706 | 423,038 | 1 | {r['seconds_per_epoch']['lenet5']:.1f} | "
           f"{pct(r['test_acc']['lenet5'], 2)} | {errors['lenet5']} |")
    assert row in lab.markdown
    assert f"| MLP (lab mnist) | {r['params']['mlp']:,} |" in lab.markdown
    assert pct(r["test_acc"]["mnist-net"], 2) in lab.markdown
    assert pct(r["test_acc"]["lenet5"], 2) in lab.results["headline"]


def test_confusion_matrix_and_worst_digits_are_the_best_networks(lab):
    r = lab.results
    assert r["best"] == max(("lenet5", "mnist-net"), key=lambda k: r["test_acc"][k])
    cm = np.array(r["confusion"])
    assert cm.shape == (10, 10) and cm.sum() == r["n_test"]
    assert np.trace(cm) / cm.sum() == pytest.approx(r["test_acc"][r["best"]])
    worst = r["worst"]
    assert len(worst) == 24 and all(w["predicted"] != w["true"] for w in worst)
    assert [w["p_true"] for w in worst] == sorted(w["p_true"] for w in worst)


def test_the_figures(lab):
    names = lab.images()
    assert names == ["curves.png", "filters-lenet5.png", "filters-mnist-net.png",
                     "feature-maps.png", "confusion.png", "worst.png"]
    lab.check_images()
