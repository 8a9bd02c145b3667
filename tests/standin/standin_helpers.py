"""Comparing a run on the cpu with the same run on the stand-in's cuda, bit for bit."""

from __future__ import annotations

import numpy as np

import reseau
from reseau import standin


def host(t) -> np.ndarray:
    """The array of tensor ``t`` on the host: a stand-in array is copied explicitly."""
    a = t._array
    return a.get() if isinstance(a, standin.ndarray) else a


def assert_on(t, device: str) -> None:
    """``t``'s array lives on ``device`` ("cpu": a NumPy array; "cuda", "cuda:1": the
    stand-in's, "cuda" meaning cuda:0)."""
    kind = np.ndarray if device == "cpu" else standin.ndarray
    assert type(t._array) is kind, f"expected a {device} array, got {type(t._array).__name__}"
    assert str(t.device) == ("cuda:0" if device == "cuda" else device), \
        f"expected {device}, got {t.device}"


def assert_same(cuda_t, cpu_t, what: str, device: str = "cuda") -> None:
    """The tensor of the cuda run (on ``device``) holds exactly the cpu tensor's values
    (dtype, shape, bits; NaN where NaN)."""
    assert (cuda_t is None) == (cpu_t is None), f"{what}: one side is None"
    if cpu_t is None:
        return
    assert_on(cpu_t, "cpu")
    assert_on(cuda_t, device)
    a, b = host(cuda_t), host(cpu_t)
    assert a.dtype == b.dtype and a.shape == b.shape, \
        f"{what}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
    assert np.array_equal(a, b, equal_nan=True), f"{what}: values differ\n{a}\nvs\n{b}"


def outputs(out) -> list:
    """The tensors of a result (a tensor, or nested tuples of them), in order."""
    if isinstance(out, reseau.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in outputs(o)]
    return []


def upstream(out, device: str) -> list:
    """One fixed upstream gradient per floating output (the same on both devices)."""
    grads = []
    for i, t in enumerate(outputs(out)):
        if t.requires_grad:
            g = np.random.default_rng(100 + i).standard_normal(t.shape).astype(host(t).dtype)
            grads.append((t, reseau.tensor(g, device=device)))
    return grads


def backward(out, device: str) -> None:
    """Backward from every output that requires a gradient, with :func:`upstream`."""
    pairs = upstream(out, device)
    if pairs:
        reseau.autograd.backward([t for t, _ in pairs], [g for _, g in pairs])
