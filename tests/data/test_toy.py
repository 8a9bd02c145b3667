"""The generated data sets: shapes, dtypes, balance, reproducibility, and their geometry
checked with noise switched off."""

import numpy as np
import pytest

import reseau
from reseau.data import blobs, circles, moons, noisy_linear, noisy_sine, spiral, xor

CLASSIFIERS = [circles, moons, xor, spiral, blobs]
ALL = CLASSIFIERS + [noisy_sine, noisy_linear]


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_classification_sets_return_float32_points_and_int64_labels(make):
    X, y = make(91, seed=0)
    assert isinstance(X, reseau.Tensor) and isinstance(y, reseau.Tensor)
    assert X.shape == (91, 2) and X.dtype == np.float32
    assert y.shape == (91,) and y.dtype == np.int64
    Xa, ya = make(91, seed=0, as_tensor=False)
    assert isinstance(Xa, np.ndarray) and Xa.dtype == np.float32 and ya.dtype == np.int64
    np.testing.assert_array_equal(Xa, X.numpy())


@pytest.mark.parametrize("make,k", [(circles, 2), (moons, 2), (xor, 2), (spiral, 3), (blobs, 3)])
def test_classes_are_balanced_and_shuffled(make, k):
    _, y = make(100, seed=0, as_tensor=False)
    base = 100 // k
    assert np.bincount(y).tolist() == [base + (1 if c < 100 % k else 0) for c in range(k)]
    assert len(set(y[:20].tolist())) == k  # rows are mixed, not grouped by class


@pytest.mark.parametrize("make", [noisy_sine, noisy_linear])
def test_regression_sets_return_column_targets(make):
    X, y = make(40, seed=0)
    assert X.shape == (40, 1) and X.dtype == np.float32
    assert y.shape == (40, 1) and y.dtype == np.float32


@pytest.mark.parametrize("make", ALL)
def test_same_seed_same_data_other_seed_other_data(make):
    a, b, c = (make(50, seed=s, as_tensor=False) for s in (4, 4, 5))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("make", ALL)
def test_no_seed_follows_manual_seed(make):
    reseau.manual_seed(11)
    a = make(30, as_tensor=False)
    reseau.manual_seed(11)
    b = make(30, as_tensor=False)
    np.testing.assert_array_equal(a[0], b[0])


def test_circles_geometry_without_noise():
    X, y = circles(2000, noise=0.0, seed=0, as_tensor=False)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 0].max() <= 0.5 + 1e-6
    assert r[y == 1].min() >= 0.75 - 1e-6 and r[y == 1].max() <= 1.0 + 1e-6
    # uniform in area: half of the inner disc's points lie within radius 0.5 / sqrt(2)
    assert abs(np.mean(r[y == 0] < 0.5 / np.sqrt(2)) - 0.5) < 0.05
    # centred: no direction is favoured
    assert np.abs(X.mean(axis=0)).max() < 0.05


def test_circles_default_noise_blurs_the_boundary_like_seed_003():
    X, y = circles(20000, seed=1, as_tensor=False)
    r = np.hypot(X[:, 0], X[:, 1])
    best = max(np.mean((r > t) == y) for t in np.linspace(0.5, 0.75, 26))
    # a few points cross the boundary: the best circle is right about 98% of the time
    assert 0.97 < best < 0.99
    # and no straight line separates the classes: least squares on (1, x1, x2) fails
    A = np.column_stack([np.ones(len(X)), X])
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)
    assert np.mean((A @ w > 0) == y) < 0.6


def test_circles_noise_is_the_standard_deviation_per_coordinate():
    clean = circles(5000, noise=0.0, seed=3, as_tensor=False)[0]
    noisy = circles(5000, noise=0.2, seed=3, as_tensor=False)[0]
    # same draws of radius and angle; the noise comes after them
    assert abs(float(np.std(noisy - clean)) - 0.2) < 0.01


def test_moons_geometry_without_noise():
    X, y = moons(400, noise=0.0, seed=0, as_tensor=False)
    up, down = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(up[:, 0], up[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(down[:, 0] - 1.0, down[:, 1] - 0.5), 1.0, atol=1e-6)
    assert up[:, 1].min() >= -1e-6 and down[:, 1].max() <= 0.5 + 1e-6


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = xor(400, noise=0.0, seed=0, as_tensor=False)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    assert np.abs(X).max() <= 1.0
    # every quadrant is used
    quadrants = set(zip((X[:, 0] > 0).tolist(), (X[:, 1] > 0).tolist()))
    assert len(quadrants) == 4


def test_spiral_points_lie_on_their_arm_without_noise():
    k, turns = 4, 0.5
    X, y = spiral(400, noise=0.0, seed=0, n_classes=k, turns=turns, as_tensor=False)
    X = X.astype(np.float64)
    r = np.hypot(X[:, 0], X[:, 1])
    theta = 2 * np.pi * y / k + 2 * np.pi * turns * r
    np.testing.assert_allclose(X[:, 0], r * np.cos(theta), atol=1e-5)
    np.testing.assert_allclose(X[:, 1], r * np.sin(theta), atol=1e-5)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]


def test_blobs_gather_around_their_centers():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, -10.0, 5.0]])
    X, y = blobs(4000, noise=0.5, centers=centers, seed=0, as_tensor=False)
    assert X.shape == (4000, 3)
    for c in range(2):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centers[c], atol=0.05)
        np.testing.assert_allclose(X[y == c].std(axis=0), 0.5, atol=0.03)
    X, y = blobs(60, centers=5, n_features=4, center_box=(-1, 1), noise=0.0, seed=0,
                 as_tensor=False)
    assert X.shape == (60, 4) and np.abs(X).max() <= 1.0 and len(np.unique(X, axis=0)) == 5


def test_noisy_sine_and_linear_follow_their_formulas():
    X, y = noisy_sine(300, noise=0.0, seed=0, low=0.0, high=1.0, as_tensor=False)
    assert 0.0 <= X.min() and X.max() <= 1.0
    np.testing.assert_allclose(y, np.sin(X), atol=1e-6)
    X, y = noisy_linear(300, noise=0.0, seed=0, n_features=2, weight=[1.0, -3.0], bias=0.5,
                        as_tensor=False)
    np.testing.assert_allclose(y[:, 0], X @ np.array([1.0, -3.0]) + 0.5, atol=1e-5)
    X, y = noisy_linear(20000, noise=0.3, seed=0, as_tensor=False)
    assert abs(float(np.std(y[:, 0] - (2.0 * X[:, 0] + 1.0))) - 0.3) < 0.01


def test_generator_errors_are_explained():
    with pytest.raises(ValueError, match="n_samples must be at least the number of classes"):
        spiral(2, n_classes=3)
    with pytest.raises(ValueError, match="noise must be a number >= 0, got -0.1"):
        circles(10, noise=-0.1)
    with pytest.raises(TypeError, match="seed must be None, an int or a numpy.random.Generator"):
        moons(10, seed="0")
    with pytest.raises(ValueError, match=r"0 < inner_radius <= ring\[0\] < ring\[1\]"):
        circles(10, inner_radius=0.8)
    with pytest.raises(ValueError, match=r"weight must be a number or 2 numbers"):
        noisy_linear(10, n_features=2, weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="centers must be a number of blobs or an array"):
        blobs(10, centers=[1.0, 2.0])
    with pytest.raises(TypeError, match="n_samples must be an int"):
        xor(10.0)
