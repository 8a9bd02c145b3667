"""The playground's data: points in the square [-6, 6]^2 that the page draws.

The classification sets are reseau's toy sets (:mod:`reseau.data.toy`, drawn in the unit
square) scaled by 5; the two regression sets, a plane and a sum of Gaussian bumps, are
the playground's own. ``noise`` is the page's slider, 0 to 50 (percent): the standard
deviation of the noise is ``noise / 100`` of the data's unit scale.
"""

from __future__ import annotations

import numpy as np

from ..data import blobs, circles, spiral, xor

__all__ = ["DOMAIN", "make_data", "split"]

DOMAIN = 6.0  # the page shows [-DOMAIN, DOMAIN]^2
_SCALE = 5.0  # unit-square data scaled to leave a margin

# centre (x1, x2), sign of the bump: the multi-Gaussian regression surface
_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _multigauss(X: np.ndarray) -> np.ndarray:
    """``sum_k s_k exp(-|x - c_k|^2 / 2)``: six bumps of alternating sign, in [-1, 1]."""
    out = np.zeros(len(X))
    for cx, cy, sign in _BUMPS:
        out += sign * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / 2.0)
    return out


def make_data(name: str, n: int, noise: int, seed: int):
    """``X`` float64 ``(n, 2)``, ``y``: int64 class indices (classification) or float64
    targets in about [-1, 1] (regression), drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    std = noise / 100.0
    if name in ("plane", "multigauss"):
        X = rng.uniform(-_SCALE, _SCALE, (n, 2))
        y = X.sum(axis=1) / (2 * _SCALE) if name == "plane" else _multigauss(X)
        return X, y + rng.normal(0.0, std, n)
    if name == "circle":
        X, y = circles(n, noise=std, seed=rng, as_tensor=False)
    elif name == "xor":
        X, y = xor(n, noise=std, seed=rng, as_tensor=False)
    elif name == "gauss":
        centers = np.array([[0.4, 0.4], [-0.4, -0.4]])
        X, y = blobs(n, noise=0.15 + std, centers=centers, seed=rng, as_tensor=False)
    elif name in ("spiral", "spiral3"):
        X, y = spiral(n, noise=std / 2, seed=rng, n_classes=3 if name == "spiral3" else 2,
                      turns=1.0, as_tensor=False)
    else:
        raise ValueError(f"make_data: unknown data set {name!r}")
    return _SCALE * X.astype(np.float64), y.astype(np.int64)


def split(X, y, ratio: int, seed: int):
    """The first ``ratio`` percent of a seeded permutation trains, the rest tests."""
    order = np.random.default_rng(seed + 1).permutation(len(X))
    n_train = max(1, min(len(X) - 1, round(len(X) * ratio / 100)))
    tr, te = order[:n_train], order[n_train:]
    return X[tr], y[tr], X[te], y[te]
