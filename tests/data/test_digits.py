"""scikit-learn's 8x8 digits."""

import sys

import numpy as np
import pytest

from reseau.data import load_digits


def test_digits_are_scaled_copies_of_scikit_learns():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = load_digits()
    source = datasets.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    np.testing.assert_allclose(X.numpy(), source.data / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), source.target)
    assert float(X._array.min()) == 0.0 and float(X._array.max()) == 1.0
    assert np.bincount(y.numpy()).tolist() == np.bincount(source.target).tolist()


def test_digits_as_images():
    pytest.importorskip("sklearn")
    X, _ = load_digits(flatten=False, as_tensor=False)
    assert isinstance(X, np.ndarray) and X.shape == (1797, 1, 8, 8)
    flat, _ = load_digits(as_tensor=False)
    np.testing.assert_array_equal(X.reshape(1797, 64), flat)


def test_missing_scikit_learn_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'reseau\[data\]'"):
        load_digits()
