"""StandardScaler (fitted on the training set only) and one_hot."""

import numpy as np
import pytest

import reseau
from reseau.data import StandardScaler, one_hot


def test_scaler_learns_train_statistics_and_applies_them_to_test():
    X_train = np.array([[1.0, -2.0], [3.0, -2.0], [5.0, 4.0]])
    X_test = np.array([[3.0, 0.0], [7.0, -2.0]])
    scaler = StandardScaler().fit(X_train)
    # column 0: mean 3, std sqrt(8/3); column 1: mean 0, std sqrt(24/3) = sqrt(8)
    np.testing.assert_allclose(scaler.mean_, [3.0, 0.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(8 / 3), np.sqrt(8)])
    Z = scaler.transform(X_test)
    np.testing.assert_allclose(Z, [[0.0, 0.0], [4 / np.sqrt(8 / 3), -2 / np.sqrt(8)]])
    Z_train = scaler.transform(X_train)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1.0)


def test_scaler_matches_scikit_learn():
    sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(5, 3, (50, 4)), rng.normal(5, 3, (20, 4))
    ours = StandardScaler().fit(X_train)
    theirs = sklearn_preprocessing.StandardScaler().fit(X_train)
    np.testing.assert_allclose(ours.transform(X_test), theirs.transform(X_test), rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, theirs.scale_)


def test_constant_feature_becomes_zero_not_nan():
    X = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]])
    Z = StandardScaler().fit_transform(X)
    assert Z[:, 1].tolist() == [0.0, 0.0, 0.0]


def test_tensors_stay_tensors_and_keep_float32():
    X = reseau.tensor([[0.0, 10.0], [2.0, 30.0]])
    scaler = StandardScaler()
    Z = scaler.fit_transform(X)
    assert isinstance(Z, reseau.Tensor) and Z.dtype == np.float32
    assert Z.tolist() == [[-1.0, -1.0], [1.0, 1.0]]
    back = scaler.inverse_transform(Z)
    assert isinstance(back, reseau.Tensor) and back.tolist() == X.tolist()
    # integer input becomes float32
    assert StandardScaler().fit_transform(np.array([[1], [3]])).dtype == np.float32


def test_with_mean_and_with_std_switches():
    X = np.array([[1.0], [3.0]])
    assert StandardScaler(with_mean=False).fit_transform(X).ravel().tolist() == [1.0, 3.0]
    assert StandardScaler(with_std=False).fit_transform(X).ravel().tolist() == [-1.0, 1.0]


def test_scaler_errors_are_explained():
    with pytest.raises(RuntimeError, match=r"not fitted yet; call scaler\.fit\(X_train\)"):
        StandardScaler().transform(np.zeros((2, 2)))
    scaler = StandardScaler().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"features of shape \(3,\) but the scaler was "
                                         r"fitted on features of shape \(2,\)"):
        scaler.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="no rows"):
        StandardScaler().fit(np.zeros((0, 2)))


def test_one_hot_matches_pytorch():
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 3], [2, 1], [3, 3]])
    for num_classes in (-1, 4, 6):
        ours = one_hot(reseau.tensor(labels), num_classes)
        theirs = torch.nn.functional.one_hot(torch.from_numpy(labels), num_classes)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_one_hot_of_an_array_is_an_array():
    out = one_hot(np.array([1, 0]), 3)
    assert isinstance(out, np.ndarray) and out.tolist() == [[0, 1, 0], [1, 0, 0]]
    assert isinstance(one_hot([2, 0]), reseau.Tensor)


def test_one_hot_errors_are_explained():
    with pytest.raises(TypeError, match=r"integer class indices, got dtype float32; .*y\.long"):
        one_hot(reseau.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="must be >= 0, got -1"):
        one_hot(reseau.tensor([0, -1]))
    with pytest.raises(ValueError, match=r"class index 3 is out of range for num_classes=3"):
        one_hot(reseau.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="num_classes must be a positive int or -1"):
        one_hot(reseau.tensor([0]), 0)
