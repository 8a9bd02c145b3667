"""svm-comparison: kernels separate Circle, a linear SVM cannot; C chosen on dev."""

import pytest

from reseau.labs.report import fmt, pct

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("svm-comparison")


def test_accuracies(lab):
    m = lab.results["models"]
    assert m["LinearSVC"]["test_acc"] < 0.7
    assert m["SVC gaussian (rbf)"]["test_acc"] > 0.9
    assert m["SVC polynomial, degree 2"]["test_acc"] > 0.9
    # the quick run's MLP (60 epochs) has learnt the circle, far better than a line can
    # (seed 0 with PyTorch's initial weights: 80%, LinearSVC 55%)
    assert m["our MLP 2-4-2 tanh"]["test_acc"] > 0.75
    assert m["our MLP 2-4-2 tanh"]["test_acc"] > m["LinearSVC"]["test_acc"] + 0.2
    assert m["LinearSVC"]["parameters"] == 3  # two weights and a bias
    assert m["our MLP 2-4-2 tanh"]["parameters"] == 2 * 4 + 4 + 4 * 2 + 2
    assert all(r["seconds"] > 0 for r in m.values())


def test_c_is_chosen_on_dev(lab):
    for kernel in ("rbf", "poly"):
        s = lab.results["c_sweep"][kernel]
        best = s["C"].index(s["best_c"])
        assert s["dev_acc"][best] == max(s["dev_acc"]) == s["best_dev_acc"]
        assert best == s["dev_acc"].index(max(s["dev_acc"]))  # ties: the smallest C
        assert 0.0 <= s["test_acc"] <= 1.0


def test_report_states_the_numbers(lab):
    md = lab.markdown
    for name, r in lab.results["models"].items():
        assert f"| {name} | {pct(r['train_acc'])} | {pct(r['test_acc'])} |" in md
    for kernel in ("rbf", "poly"):
        assert f"| {fmt(lab.results['c_sweep'][kernel]['best_c'], 3)} |" in md
    assert len(lab.images()) == 6  # five decision boundaries and the C sweep
    lab.check_images()
