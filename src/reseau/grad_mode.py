"""Gradient mode: whether operations record a graph (``no_grad``, ``enable_grad``,
``set_grad_enabled``) and whether backward checks for NaN and inf (``detect_anomaly``).

The mode is per thread, as in PyTorch (a ``no_grad`` block in one thread does not stop
another thread's graph; a new thread starts with gradients on), read by the op dispatcher
(``ops/registry.apply``) on every call and by the backward engine; it lives here, below both, so that neither has
to import the other for it. ``reseau.autograd`` re-exports these names (PyTorch's
``torch.autograd.no_grad``).
"""

from __future__ import annotations

import functools
import os
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
]


class _ModeState(threading.local):
    """The current modes of this thread: the class attributes are each new thread's
    defaults, an assignment changes the calling thread's value only (one attribute read
    on the hot path, no call)."""

    grad_enabled = True
    anomaly = bool(os.environ.get("RESEAU_DEBUG"))


_Mode = _ModeState()


def is_grad_enabled() -> bool:
    return _Mode.grad_enabled


def _decorate(fn, make_context):
    """``fn`` run inside a new ``make_context()`` at each call: the decorator form of
    every mode context (``@no_grad()``, ``@detect_anomaly()``)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_context():
            return fn(*args, **kwargs)

    return wrapper


class _GradModeContext:
    """Base of ``no_grad`` / ``enable_grad``: a context manager and a decorator."""

    _enabled: bool

    def __enter__(self):
        self._prev = _Mode.grad_enabled
        _Mode.grad_enabled = self._enabled
        return self

    def __exit__(self, *exc):
        _Mode.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        return _decorate(fn, self.__class__)


class no_grad(_GradModeContext):
    """Build no graph inside the block (or the decorated function): inference and
    optimizer steps cost only the array work."""

    _enabled = False


class enable_grad(_GradModeContext):
    """Re-enable graph building inside a ``no_grad`` block."""

    _enabled = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` is ``no_grad()``; ``set_grad_enabled(True)`` is
    ``enable_grad()``. Takes effect at once, and as a context manager restores the
    previous mode on exit."""

    def __init__(self, mode: bool):
        self._enabled = bool(mode)
        self._prev = _Mode.grad_enabled
        _Mode.grad_enabled = self._enabled

    def __enter__(self):
        return self

    def __call__(self, fn):
        _Mode.grad_enabled = self._prev  # used as a decorator: do not change the mode now
        mode = self._enabled
        return _decorate(fn, lambda: set_grad_enabled(mode))


def is_anomaly_enabled() -> bool:
    return _Mode.anomaly


class detect_anomaly:
    """Anomaly mode: record where each graph node is created and, during backward,
    raise at the first operation whose gradient holds a NaN or an inf, naming the
    operation and the line of user code that created it. Slows things down: use it to
    debug. Also switched on for a whole run by the environment variable
    ``RESEAU_DEBUG=1``."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def __enter__(self):
        self._prev = _Mode.anomaly
        _Mode.anomaly = self.enabled
        return self

    def __exit__(self, *exc):
        _Mode.anomaly = self._prev
        return False

    def __call__(self, fn):
        enabled = self.enabled
        return _decorate(fn, lambda: detect_anomaly(enabled))
