"""Shared helpers of the nn tests: run the same computation with reseau and PyTorch
on the same float64 arrays and compare values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import reseau


def _reseau_inputs(arrays, grads):
    out = []
    for a, g in zip(arrays, grads):
        a = np.asarray(a)
        out.append(reseau.tensor(a, requires_grad=bool(g) and a.dtype.kind == "f"))
    return out


def compare_with_torch(fn, tfn, arrays, grads=None, atol=1e-10, rtol=1e-9, seed=0):
    """``fn(*reseau_tensors)`` against ``tfn(*torch_tensors)``: the outputs, then the
    gradient of ``sum(v * out)`` (v random) with respect to each input whose ``grads``
    flag is set. Returns the reseau output."""
    torch = pytest.importorskip("torch")
    grads = [True] * len(arrays) if grads is None else grads
    rs = _reseau_inputs(arrays, grads)
    ts = [torch.tensor(np.asarray(a), requires_grad=r.requires_grad) for a, r in zip(arrays, rs)]
    out = fn(*rs)
    tout = tfn(*ts)
    np.testing.assert_allclose(out._array, tout.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="forward values differ from PyTorch")
    assert out.shape == tuple(tout.shape)
    if not any(r.requires_grad for r in rs):
        return out
    v = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(reseau.tensor(v.astype(out.dtype)))
    (tout * torch.tensor(v, dtype=tout.dtype)).sum().backward()
    for i, (r, t) in enumerate(zip(rs, ts)):
        if r.requires_grad:
            assert r.grad is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(r.grad._array, t.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {i} differs from PyTorch")
    return out


def gradcheck_float64(fn, arrays, grads=None):
    """``reseau.gradcheck`` of ``fn`` at float64 copies of ``arrays``."""
    grads = [True] * len(arrays) if grads is None else grads
    return reseau.gradcheck(fn, _reseau_inputs(arrays, grads), atol=1e-6, rtol=1e-5)
