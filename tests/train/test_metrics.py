"""Metrics: hand-computed values, edge cases, and scikit-learn as the oracle."""

import numpy as np
import pytest

import reseau
from reseau.train import metrics as M


def test_accuracy_from_labels_scores_and_tensors():
    assert M.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    scores = np.array([[2.0, -1.0], [0.0, 3.0], [1.0, 0.5], [0.1, 0.0]])
    assert M.accuracy(np.array([0, 1, 1, 0]), scores) == 0.75
    assert M.accuracy(reseau.tensor([0, 1, 1, 0]), reseau.tensor(scores)) == 0.75


def test_accuracy_single_column_uses_the_threshold():
    y = [0, 1, 1]
    probs = np.array([[0.2], [0.7], [0.4]])
    assert M.accuracy(y, probs) == pytest.approx(2 / 3)          # 0.4 < 0.5: wrong
    logits = np.array([-1.0, 0.3, -0.2])
    assert M.accuracy(y, logits, threshold=0.0) == pytest.approx(2 / 3)


def test_confusion_matrix_rows_are_truth():
    m = M.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0])
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert M.confusion_matrix([0, 1], [0, 0], num_classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        M.confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_precision_recall_f1_by_hand():
    # class 0: tp=1, predicted 1, actual 2 -> p=1, r=0.5, f1=2/3
    # class 1: tp=2, predicted 3, actual 2 -> p=2/3, r=1, f1=0.8
    r = M.precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1])
    assert r["precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert r["recall"] == pytest.approx(0.75)
    assert r["f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_regression_metrics_by_hand():
    assert M.mean_squared_error([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]) == pytest.approx(4 / 3)
    assert M.mean_absolute_error([1.0, 2.0, 3.0], [2.0, 2.0, 5.0]) == pytest.approx(1.0)
    assert M.r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0]) == pytest.approx(0.5)
    # (N,) targets against an (N, 1) model output are the same thing
    assert M.mean_squared_error(np.array([1.0, 2.0]), np.array([[1.0], [4.0]])) == 2.0
    assert M.r2_score([5.0, 5.0], [5.0, 5.0]) == 1.0
    assert M.r2_score([5.0, 5.0], [4.0, 5.0]) == 0.0


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="y_true has 3 samples but y_pred has 2"):
        M.accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="non-integer"):
        M.accuracy([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match=r"shape \(2,\) but y_pred has shape \(3,\)"):
        M.mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        M.accuracy([], [])


def test_against_scikit_learn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 200)
    scores = rng.normal(size=(200, 4)) + 1.5 * np.eye(4)[y]
    pred = scores.argmax(1)
    assert M.accuracy(y, scores) == pytest.approx(sk.accuracy_score(y, pred))
    np.testing.assert_array_equal(M.confusion_matrix(y, pred), sk.confusion_matrix(y, pred))
    for ours, theirs in [(M.precision, sk.precision_score), (M.recall, sk.recall_score),
                         (M.f1_score, sk.f1_score)]:
        assert ours(y, pred) == pytest.approx(theirs(y, pred, average="macro", zero_division=0))
    # a class never predicted: precision 0 for it, as scikit-learn's zero_division=0
    pred2 = np.where(pred == 3, 0, pred)
    assert M.precision(y, pred2) == pytest.approx(
        sk.precision_score(y, pred2, average="macro", zero_division=0))
    t = rng.normal(size=(50, 2))
    p = t + rng.normal(scale=0.3, size=(50, 2))
    assert M.mean_squared_error(t, p) == pytest.approx(sk.mean_squared_error(t, p))
    assert M.mean_absolute_error(t, p) == pytest.approx(sk.mean_absolute_error(t, p))
    assert M.r2_score(t, p) == pytest.approx(sk.r2_score(t, p))


def test_probabilities_from_logits():
    from reseau.train.metrics import probabilities

    s = np.array([-1.0, 0.0, 3.0])
    np.testing.assert_allclose(probabilities(s), 1 / (1 + np.exp(-s)), rtol=1e-14)
    with np.errstate(all="raise"):  # no overflow far from 0
        assert probabilities(np.array([-800.0, 800.0])).tolist() == [0.0, 1.0]
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]], dtype=np.float32)
    p = probabilities(z)
    assert p.dtype == np.float32 and np.isfinite(p).all()
    np.testing.assert_allclose(p[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
    np.testing.assert_allclose(p[1], [1.0, 0.0, 0.0])
    assert probabilities([0, 0]).tolist() == [0.5, 0.5]  # ints: float64
    with pytest.raises(ValueError, match=r"probabilities: expected scores of shape \(N,\) or"):
        probabilities(np.zeros((2, 2, 2)))


def test_decision_threshold_from_what_the_loss_declares():
    from reseau import nn
    from reseau.train.metrics import decision_threshold

    assert decision_threshold(nn.BCEWithLogitsLoss()) == 0.0
    assert decision_threshold(nn.BCEWithLogitsLoss) == 0.0 == decision_threshold("bce")
    assert decision_threshold(nn.BCELoss()) == 0.5 == decision_threshold("mse")

    class MyLogitLoss(nn.MSELoss):
        takes_logits = True

    assert decision_threshold(MyLogitLoss()) == 0.0
    with pytest.raises(ValueError, match="unknown loss 'bec'.*did you mean 'bce'"):
        decision_threshold("bec")
