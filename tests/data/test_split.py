"""random_split and train_val_test_split."""

import numpy as np
import pytest

import reseau
from reseau.data import TensorDataset, random_split, train_val_test_split


def _ids(subset):
    return [int(subset[i][0]) for i in range(len(subset))]


def test_random_split_is_a_partition():
    ds = TensorDataset(reseau.arange(20))
    parts = random_split(ds, [12, 5, 3], generator=0)
    assert [len(p) for p in parts] == [12, 5, 3]
    ids = [_ids(p) for p in parts]
    assert sorted(sum(ids, [])) == list(range(20))
    assert sum(ids, []) != list(range(20))  # shuffled


@pytest.mark.parametrize("n,fractions", [(10, [0.5, 0.5]), (11, [0.6, 0.2, 0.2]),
                                         (7, [0.34, 0.33, 0.33]), (3, [0.1, 0.9])])
def test_fraction_lengths_match_pytorch(n, fractions):
    torch = pytest.importorskip("torch")
    ours = random_split(TensorDataset(reseau.arange(n)), fractions, generator=0)
    theirs = torch.utils.data.random_split(range(n), fractions)
    assert [len(p) for p in ours] == [len(p) for p in theirs]


def test_random_split_is_reproducible_from_the_seed():
    ds = TensorDataset(reseau.arange(30))
    a = [_ids(p) for p in random_split(ds, [0.5, 0.5], generator=4)]
    b = [_ids(p) for p in random_split(ds, [0.5, 0.5], generator=4)]
    c = [_ids(p) for p in random_split(ds, [0.5, 0.5], generator=5)]
    assert a == b and a != c


def test_random_split_lengths_must_add_up():
    ds = TensorDataset(reseau.arange(10))
    with pytest.raises(ValueError, match=r"sum to 9, but the dataset has 10 samples"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="non-negative ints"):
        random_split(ds, [0.5, 0.2])


def test_three_way_split_is_a_partition_that_keeps_rows_aligned():
    X = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25) * 10
    parts = train_val_test_split(X, y, (15, 5, 5), seed=0)
    assert [len(p[0]) for p in parts] == [15, 5, 5]
    rows = np.concatenate([p[0][:, 0] for p in parts]) // 2
    assert sorted(rows.tolist()) == list(range(25))
    for Xp, yp in parts:
        assert isinstance(Xp, np.ndarray) and isinstance(yp, np.ndarray)
        np.testing.assert_array_equal(yp, (Xp[:, 0] // 2).astype(int) * 10)


def test_three_way_split_of_tensors_gives_tensors():
    X, y = reseau.randn(40, 3), reseau.arange(40)
    (X_tr, _), (X_val, y_val), (X_te, y_te) = train_val_test_split(
        X, y, (0.5, 0.25, 0.25), seed=1)
    assert isinstance(X_tr, reseau.Tensor) and isinstance(y_te, reseau.Tensor)
    assert (len(X_tr), len(X_val), len(X_te)) == (20, 10, 10)
    np.testing.assert_array_equal(X_val.numpy(), X.numpy()[y_val.numpy()])


def test_fraction_sizes_round_val_and_test_and_give_train_the_rest():
    X = np.zeros((101, 1))
    parts = train_val_test_split(X, np.zeros(101), (0.7, 0.15, 0.15), seed=0)
    # 0.15 * 101 = 15.15 -> 15 each; train 101 - 30 = 71
    assert [len(p[0]) for p in parts] == [71, 15, 15]
    parts = train_val_test_split(X, np.zeros(101), (0.8, 0.0, 0.2), seed=0)
    assert [len(p[0]) for p in parts] == [81, 0, 20]


def test_stratified_split_keeps_the_class_proportions():
    # 90 samples of class 0, 10 of class 1
    y = np.array([0] * 90 + [1] * 10)
    X = np.arange(100).reshape(100, 1)
    parts = train_val_test_split(X, y, (0.6, 0.2, 0.2), stratify=True, seed=3)
    counts = [np.bincount(yp, minlength=2).tolist() for _, yp in parts]
    assert counts == [[54, 6], [18, 2], [18, 2]]
    # the classes are mixed inside each part, not grouped
    assert parts[0][1][:10].tolist() != [0] * 10 or parts[0][1][-6:].tolist() != [1] * 6


def test_stratified_split_with_uneven_counts_still_has_exact_sizes():
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    parts = train_val_test_split(np.zeros((15, 1)), y, (9, 3, 3), stratify=True, seed=0)
    assert [len(p[1]) for p in parts] == [9, 3, 3]
    total = sum(np.bincount(p[1], minlength=3) for p in parts)
    assert total.tolist() == [7, 5, 3]
    for _, yp in parts:  # each class present in every part in proportion (+-1)
        expected = np.array([7, 5, 3]) * len(yp) / 15
        assert np.all(np.abs(np.bincount(yp, minlength=3) - expected) < 1)


def test_stratify_by_other_labels():
    groups = np.array([0, 1] * 10)
    parts = train_val_test_split(np.arange(20), np.zeros(20), (10, 6, 4), stratify=groups,
                                 seed=0)
    for Xp, _ in parts:
        assert np.bincount(groups[Xp]).tolist() == [len(Xp) // 2] * 2


def test_lists_are_split_as_arrays():
    parts = train_val_test_split([[0], [1], [2], [3]], [0, 1, 2, 3], (2, 1, 1), seed=0)
    for Xp, yp in parts:
        assert isinstance(Xp, np.ndarray) and Xp[:, 0].tolist() == yp.tolist()


def test_split_is_reproducible_from_the_seed():
    X, y = np.arange(30), np.arange(30)
    a = train_val_test_split(X, y, seed=2)
    b = train_val_test_split(X, y, seed=2)
    c = train_val_test_split(X, y, seed=9)
    assert all(np.array_equal(p[0], q[0]) for p, q in zip(a, b))
    assert not np.array_equal(a[0][0], c[0][0])


def test_split_errors_are_explained():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="10 rows in X and 9 in y"):
        train_val_test_split(X, np.zeros(9))
    with pytest.raises(ValueError, match=r"sum to 1, got \[0.5, 0.2, 0.2\]"):
        train_val_test_split(X, np.zeros(10), (0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match=r"sum to the number of samples \(10\)"):
        train_val_test_split(X, np.zeros(10), (5, 2, 2))
    with pytest.raises(ValueError, match=r"3 parts \(train, val, test\)"):
        train_val_test_split(X, np.zeros(10), (0.8, 0.2))
    with pytest.raises(ValueError, match="one class label per sample"):
        train_val_test_split(X, np.zeros(10), stratify=np.zeros(4))
