"""Small generated data sets: 2-D classification problems and 1-D regression problems.

All generators share one convention:

- they return ``X, y``: ``X`` float32 of shape ``(n_samples, n_features)``; for
  classification ``y`` is int64 class indices of shape ``(n_samples,)``, for regression
  ``y`` is float32 of shape ``(n_samples, 1)`` (the shape of a one-output model's
  prediction, so that ``MSELoss`` compares like with like);
- ``as_tensor=True`` (the default) gives reseau tensors, ``as_tensor=False`` NumPy arrays
  of the same dtypes and shapes;
- classes are balanced: ``n_samples // n_classes`` points each, the first
  ``n_samples % n_classes`` classes get one more; the rows are shuffled, so that a slice
  of the data holds every class;
- ``noise`` is the standard deviation of the Gaussian noise added to every coordinate of
  ``X`` (classification) or to ``y`` (regression), after the labels are drawn: noisy
  points may cross the class boundary, as in real data;
- ``seed`` (``None``, an int or a ``numpy.random.Generator``) makes the draw
  reproducible: the same integer gives the same data; ``None`` draws from reseau's default
  generator, which ``reseau.manual_seed`` reseeds.
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import from_numpy
from ..registry import DATASETS
from ._random import check_generator
from .errors import DataError

__all__ = ["circles", "moons", "xor", "spiral", "blobs", "noisy_sine", "noisy_linear"]

def _check_args(caller: str, n_samples, noise, n_classes: int = 2) -> None:
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool):
        raise TypeError(f"{caller}: n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples < n_classes:
        raise ValueError(
            f"{caller}: n_samples must be at least the number of classes ({n_classes}) so "
            f"that every class has a point, got {n_samples}"
        )
    if not (isinstance(noise, (int, float, np.floating, np.integer)) and noise >= 0):
        raise ValueError(f"{caller}: noise must be a number >= 0, got {noise!r}")


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    base, extra = divmod(int(n_samples), n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def _finish(X, y, rng: np.random.Generator, noise: float, as_tensor: bool):
    """Add the coordinate noise, shuffle the rows, cast, and wrap as tensors if asked."""
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(X))
    with np.errstate(over="ignore"):  # said below, in one line rather than a warning
        X = np.ascontiguousarray(X[order], dtype=np.float32)
    if not np.isfinite(X).all():
        raise DataError(f"noise {noise:g} puts the points beyond float32's range (about "
                        "3.4e38); use a smaller noise")
    y = np.ascontiguousarray(y[order], dtype=np.int64)
    return (from_numpy(X), from_numpy(y)) if as_tensor else (X, y)


@DATASETS.register("circles", kind="toy")
def circles(n_samples: int = 200, noise: float = 0.1, seed=None, *,
            inner_radius: float = 0.5, ring: tuple[float, float] = (0.75, 1.0),
            as_tensor: bool = True):
    """Two concentric classes: a disc and a ring around it (the Circle data of the
    course, seed 003).

    Class 0 is uniform in the disc ``r <= inner_radius``, class 1 uniform in the ring
    ``ring[0] <= r <= ring[1]`` (uniform in area: ``r = sqrt(u)`` scaled, with ``u``
    uniform); half of the points in each. No straight line separates them. Then
    Gaussian noise of standard deviation ``noise`` moves every point, so that near the
    boundary a few points of each class land on the other side, the noise that the
    seed blames for its ceiling of about 96% accuracy. With the defaults, the best
    circular boundary classifies about 98% of the points, and the course's 2-4-2 tanh
    network trained by SGD reaches about 95-96% on train and test, as in the seed.

    Parameters
    ----------
    n_samples : int
        Number of points, split evenly between the two classes.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : None, int or numpy.random.Generator
        Source of randomness (see the module docstring).
    inner_radius : float
        Radius of the inner disc (class 0).
    ring : (float, float)
        Inner and outer radius of the ring (class 1); ``ring[0] > inner_radius`` leaves
        a gap between the classes, ``ring[0] == inner_radius`` makes them touch.
    as_tensor : bool
        Tensors (default) or NumPy arrays.

    Returns
    -------
    X : float32, shape (n_samples, 2)
    y : int64, shape (n_samples,), 0 (inner disc) or 1 (outer ring)

    Examples
    --------
    >>> from reseau.data import circles
    >>> X, y = circles(200, seed=0)
    >>> X.shape, y.shape, int(y.sum())
    ((200, 2), (200,), 100)
    """
    _check_args("circles", n_samples, noise)
    r_in, (r_ring, r_out) = float(inner_radius), ring
    if not 0 < r_in <= r_ring < r_out:
        raise ValueError(
            "circles: expected 0 < inner_radius <= ring[0] < ring[1], got "
            f"inner_radius={inner_radius}, ring={tuple(ring)}"
        )
    rng = check_generator(seed, "circles")
    n_in, n_out = _class_sizes(n_samples, 2)
    # the square root of a uniform draw on [a^2, b^2] is uniform in area on the ring [a, b]
    radius = np.sqrt(np.concatenate([
        rng.uniform(0.0, r_in**2, n_in), rng.uniform(r_ring**2, r_out**2, n_out),
    ]))
    angle = rng.uniform(0.0, 2 * np.pi, n_samples)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.repeat([0, 1], [n_in, n_out])
    return _finish(X, y, rng, noise, as_tensor)


@DATASETS.register("moons", kind="toy")
def moons(n_samples: int = 200, noise: float = 0.1, seed=None, *, as_tensor: bool = True):
    """Two interleaving half circles.

    Class 0 lies on the upper half circle ``(cos t, sin t)``, class 1 on the lower one
    ``(1 - cos t, 0.5 - sin t)``, with ``t`` uniform in ``[0, pi]``; then Gaussian noise
    of standard deviation ``noise`` on each coordinate.

    Returns ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)``; see the
    module docstring for ``seed`` and ``as_tensor``.

    Examples
    --------
    >>> from reseau.data import moons
    >>> X, y = moons(100, noise=0.0, seed=0, as_tensor=False)
    >>> bool(((X[y == 0, 1]) >= 0).all())  # the upper moon is above y = 0
    True
    """
    _check_args("moons", n_samples, noise)
    rng = check_generator(seed, "moons")
    n_up, n_down = _class_sizes(n_samples, 2)
    t_up = rng.uniform(0.0, np.pi, n_up)
    t_down = rng.uniform(0.0, np.pi, n_down)
    X = np.concatenate([
        np.stack([np.cos(t_up), np.sin(t_up)], axis=1),
        np.stack([1.0 - np.cos(t_down), 0.5 - np.sin(t_down)], axis=1),
    ])
    y = np.repeat([0, 1], [n_up, n_down])
    return _finish(X, y, rng, noise, as_tensor)


@DATASETS.register("xor", kind="toy")
def xor(n_samples: int = 200, noise: float = 0.05, seed=None, *, as_tensor: bool = True):
    """The XOR problem: points uniform in the square ``[-1, 1]^2``, class 1 where the
    two coordinates have opposite signs (``x1 * x2 < 0``, quadrants II and IV), class 0
    where they agree (quadrants I and III); then Gaussian noise of standard deviation
    ``noise`` on each coordinate. A single linear layer cannot solve it.

    Returns ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)``; see the
    module docstring for ``seed`` and ``as_tensor``.

    Examples
    --------
    >>> from reseau.data import xor
    >>> X, y = xor(100, noise=0.0, seed=0, as_tensor=False)
    >>> bool(((X[:, 0] * X[:, 1] < 0) == (y == 1)).all())
    True
    """
    _check_args("xor", n_samples, noise)
    rng = check_generator(seed, "xor")
    sizes = _class_sizes(n_samples, 2)
    parts = []
    for label, n in enumerate(sizes):
        magnitude = rng.uniform(0.0, 1.0, (n, 2))
        sign = rng.choice([-1.0, 1.0], size=n)
        # class 0: both coordinates share the sign; class 1: the second one is flipped
        parts.append(magnitude * np.stack([sign, sign if label == 0 else -sign], axis=1))
    X = np.concatenate(parts)
    y = np.repeat([0, 1], sizes)
    return _finish(X, y, rng, noise, as_tensor)


@DATASETS.register("spiral", kind="toy")
def spiral(n_samples: int = 300, noise: float = 0.05, seed=None, *, n_classes: int = 3,
           turns: float = 0.75, as_tensor: bool = True):
    """``n_classes`` spiral arms winding out of the origin, one class per arm.

    A point of arm ``k`` at radius ``r`` (uniform in ``[0, 1]``) sits at angle

        theta = 2 pi k / n_classes + 2 pi * turns * r

    so each arm makes ``turns`` turns; then Gaussian noise of standard deviation
    ``noise`` on each coordinate.

    Returns ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)`` with
    values ``0 .. n_classes - 1``; see the module docstring for ``seed`` and
    ``as_tensor``.

    Examples
    --------
    >>> from reseau.data import spiral
    >>> X, y = spiral(300, n_classes=3, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((300, 2), [0, 1, 2])
    """
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"spiral: n_classes must be an int >= 2, got {n_classes!r}")
    if not turns > 0:
        raise ValueError(f"spiral: turns must be > 0, got {turns!r}")
    _check_args("spiral", n_samples, noise, n_classes)
    rng = check_generator(seed, "spiral")
    sizes = _class_sizes(n_samples, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    radius = rng.uniform(0.0, 1.0, n_samples)
    angle = 2 * np.pi * y / n_classes + 2 * np.pi * turns * radius
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return _finish(X, y, rng, noise, as_tensor)


@DATASETS.register("blobs", kind="toy")
def blobs(n_samples: int = 300, noise: float = 1.0, seed=None, *, centers=3,
          n_features: int = 2, center_box: tuple[float, float] = (-5.0, 5.0),
          as_tensor: bool = True):
    """Gaussian blobs, one class per blob.

    Each class ``k`` is drawn from ``N(center_k, noise^2 I)``: ``noise`` is the
    standard deviation of every blob.

    Parameters
    ----------
    centers : int or array of shape (n_classes, n_features)
        A number of blobs, whose centers are then drawn uniformly in the box
        ``center_box`` (per coordinate), or the centers themselves.
    n_features : int
        Dimension of the points when ``centers`` is a number (2 by default).
    center_box : (float, float)
        Range of the random centers' coordinates.

    Returns ``X`` float32 ``(n_samples, n_features)`` and ``y`` int64 ``(n_samples,)``;
    see the module docstring for ``seed`` and ``as_tensor``.

    Examples
    --------
    >>> from reseau.data import blobs
    >>> X, y = blobs(100, noise=0.1, centers=[[0.0, 0.0], [5.0, 5.0]], seed=0, as_tensor=False)
    >>> X[y == 1].mean(axis=0).round()
    array([5., 5.], dtype=float32)
    """
    rng = check_generator(seed, "blobs")
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"blobs: centers must be >= 1, got {centers}")
        low, high = center_box
        centers = rng.uniform(low, high, (int(centers), int(n_features)))
    else:
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2:
            raise ValueError(
                "blobs: centers must be a number of blobs or an array of shape "
                f"(n_classes, n_features), got an array of shape {tuple(centers.shape)}"
            )
    _check_args("blobs", n_samples, noise, len(centers))
    sizes = _class_sizes(n_samples, len(centers))
    y = np.repeat(np.arange(len(centers)), sizes)
    return _finish(centers[y], y, rng, noise, as_tensor)


def _regression(X, y, rng, as_tensor: bool):
    order = rng.permutation(len(X))
    X = np.ascontiguousarray(X[order], dtype=np.float32)
    y = np.ascontiguousarray(y[order].reshape(-1, 1), dtype=np.float32)
    return (from_numpy(X), from_numpy(y)) if as_tensor else (X, y)


def noisy_sine(n_samples: int = 200, noise: float = 0.1, seed=None, *,
               low: float = -math.pi, high: float = math.pi, as_tensor: bool = True):
    """A regression set: ``y = sin(x) + eps`` with ``x`` uniform in ``[low, high]`` and
    ``eps ~ N(0, noise^2)``.

    Returns ``X`` float32 ``(n_samples, 1)`` and ``y`` float32 ``(n_samples, 1)``; see
    the module docstring for ``seed`` and ``as_tensor``.

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.data import noisy_sine
    >>> X, y = noisy_sine(50, noise=0.0, seed=0, as_tensor=False)
    >>> bool(np.allclose(y, np.sin(X), atol=1e-6))
    True
    """
    _check_args("noisy_sine", n_samples, noise, 1)
    if not low < high:
        raise ValueError(f"noisy_sine: low must be < high, got low={low}, high={high}")
    rng = check_generator(seed, "noisy_sine")
    x = rng.uniform(low, high, (n_samples, 1))
    y = np.sin(x) + noise * rng.standard_normal(x.shape)
    return _regression(x, y, rng, as_tensor)


def noisy_linear(n_samples: int = 200, noise: float = 0.1, seed=None, *,
                 n_features: int = 1, weight=2.0, bias: float = 1.0,
                 as_tensor: bool = True):
    """A regression set: ``y = X w + b + eps`` with ``X`` uniform in ``[-1, 1]`` per
    feature and ``eps ~ N(0, noise^2)``.

    Parameters
    ----------
    n_features : int
        Number of input features.
    weight : float or array of shape (n_features,)
        The true weights ``w`` (a number is used for every feature).
    bias : float
        The true intercept ``b``.

    Returns ``X`` float32 ``(n_samples, n_features)`` and ``y`` float32
    ``(n_samples, 1)``; see the module docstring for ``seed`` and ``as_tensor``.

    Examples
    --------
    >>> import numpy as np
    >>> from reseau.data import noisy_linear
    >>> X, y = noisy_linear(20, noise=0.0, weight=3.0, bias=-1.0, seed=0, as_tensor=False)
    >>> bool(np.allclose(y, 3.0 * X - 1.0, atol=1e-6))
    True
    """
    _check_args("noisy_linear", n_samples, noise, 1)
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim > 1 or w.size not in (1, n_features):
        raise ValueError(
            f"noisy_linear: weight must be a number or {n_features} numbers (one per "
            f"feature), got shape {tuple(w.shape)}"
        )
    w = np.broadcast_to(w.reshape(-1), (int(n_features),))
    rng = check_generator(seed, "noisy_linear")
    X = rng.uniform(-1.0, 1.0, (n_samples, int(n_features)))
    y = X @ w + bias + noise * rng.standard_normal(n_samples)
    return _regression(X, y, rng, as_tensor)
