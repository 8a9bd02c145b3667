"""mnist: the quick run on a subset of the real files (``mnist_dir``: skipped when they are
absent)."""

import re

import numpy as np
import pytest

from reseau.labs.report import pct

LINE = re.compile(r"^Iter \d+: Acc train \d+\.\d% \(\d+\.\d\d\), acc test \d+\.\d% \(\d+\.\d\d\)$")


@pytest.fixture(scope="module")
def lab(run_quick, mnist_dir):
    return run_quick("mnist", data_dir=mnist_dir)


def test_accuracy_and_log(lab):
    r = lab.results
    assert r["n_train"] == 6000 and r["n_test"] == 1000
    assert r["test_acc"] > 0.85
    assert len(r["log"]) == r["epochs"] == 3
    for line in r["log"]:
        assert LINE.match(line), line
        assert line in lab.markdown
    # the last log line's test accuracy is the reported one
    assert pct(r["test_acc"]) in r["log"][-1]


def test_confusion_matrix(lab):
    cm = np.array(lab.results["confusion"])
    assert cm.shape == (10, 10)
    assert cm.sum() == lab.results["n_test"]
    assert np.trace(cm) / cm.sum() == pytest.approx(lab.results["test_acc"])
    for d in range(10):
        assert f"| **{d}** | " + " | ".join(str(v) for v in cm[d]) in lab.markdown


def test_worst_digits_are_misclassified_and_sorted(lab):
    worst = lab.results["worst"]
    assert len(worst) == 24
    p = [w["p_true"] for w in worst]
    assert p == sorted(p)
    assert all(w["predicted"] != w["true"] for w in worst)
    assert p[-1] < 0.5
    lab.check_images()
