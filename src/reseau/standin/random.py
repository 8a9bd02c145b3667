"""``standin.random``: the stand-in's own generator (NumPy's PCG64), its draws placed on
the current device. CuPy's streams differ from NumPy's; so do these, and so may PyTorch's."""

from __future__ import annotations

import numpy as np

from .array import _call, ndarray


class _Generator:
    """A random generator of the stand-in: NumPy's ``Generator`` (PCG64), its draws
    placed on the current device. CuPy's streams differ from NumPy's; so do these."""

    def __init__(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def seed(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def _draw(self, name, args, kwargs, dtype=None):
        out = _call(f"standin.random.{name}", getattr(self._rng, name), args, kwargs)
        return out if dtype is None else out.astype(dtype, copy=False)

    def random(self, size=None, dtype=float):
        return self._draw("random", (size,), {}, dtype)

    random_sample = random

    def rand(self, *size, dtype=float):
        return self._draw("random", (size,), {}, dtype)

    def randn(self, *size, dtype=float):
        return self._draw("standard_normal", (size,), {}, dtype)

    def standard_normal(self, size=None, dtype=float):
        return self._draw("standard_normal", (size,), {}, dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=float):
        return self._draw("normal", (loc, scale, size), {}, dtype)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=float):
        return self._draw("uniform", (low, high, size), {}, dtype)

    def randint(self, low, high=None, size=None, dtype=int):
        if high is None:
            low, high = 0, low
        return self._draw("integers", (low, high, size), {}, dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._draw("integers", (low, high, size), {"endpoint": endpoint}, dtype)

    def binomial(self, n, p, size=None, dtype=int):
        return self._draw("binomial", (n, p, size), {}, dtype)

    def exponential(self, scale=1.0, size=None, dtype=float):
        return self._draw("exponential", (scale, size), {}, dtype)

    def permutation(self, x):
        if isinstance(x, ndarray):
            return ndarray(self._rng.permutation(x._array), x._device)
        return self._draw("permutation", (x,), {})

    def shuffle(self, a):
        if not isinstance(a, ndarray):
            raise TypeError("standin.random.shuffle: expected a stand-in array")
        self._rng.shuffle(a._array)

    def choice(self, a, size=None, replace=True, p=None):
        return self._draw("choice", (a, size, replace, p), {})


_default = _Generator()
default_rng = RandomState = Generator = _Generator


def get_random_state():
    return _default


def seed(seed=None):
    """Reseed the default generator."""
    _default.seed(seed)


def reset_states():
    _default.seed(None)


def _forward(name):
    def draw(*args, **kwargs):
        return getattr(_default, name)(*args, **kwargs)
    draw.__name__ = name
    return draw


random, random_sample, rand, randn = (_forward(n) for n in
                                      ("random", "random_sample", "rand", "randn"))
standard_normal, normal, uniform = (_forward(n) for n in
                                    ("standard_normal", "normal", "uniform"))
randint, binomial, exponential = (_forward(n) for n in ("randint", "binomial", "exponential"))
permutation, shuffle, choice = (_forward(n) for n in ("permutation", "shuffle", "choice"))
