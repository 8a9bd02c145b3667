"""Every case of the op table compared with PyTorch, forward and backward, in float64
(to ~1e-12) and float32 (to ~1e-5), including the dtypes of results and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from op_cases import CASES

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.ops

TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-5)}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
TORCH_CASES = [c for c in CASES if c.tfn is not None]


def as_numpy_dtype(tdtype):
    return torch.empty(0, dtype=tdtype).numpy().dtype


def run_both(case, dtype):
    """Forward both libraries on the same inputs, then backward the same random
    upstream gradient. Returns (ours, theirs, our inputs, their inputs)."""
    arrays = case.arrays(dtype)
    xs = [reseau.tensor(a, requires_grad=spec.grad) for a, spec in zip(arrays, case.args)]
    ts = [torch.tensor(a, requires_grad=spec.grad) for a, spec in zip(arrays, case.args)]
    out, tout = case.fn(*xs), case.tfn(*ts)
    if out.requires_grad:
        g = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
        out.backward(reseau.tensor(g))
        tout.backward(torch.from_numpy(g))
    return out, tout, xs, ts


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("case", TORCH_CASES, ids=[c.name for c in TORCH_CASES])
def test_forward_and_backward_match_torch(case, dtype):
    if dtype == np.float32 and not case.float32:
        pytest.skip("float64 only")
    out, tout, xs, ts = run_both(case, dtype)
    expected = tout.detach().numpy()
    assert out.shape == tuple(tout.shape)
    assert out.dtype == as_numpy_dtype(tout.dtype)
    if np.issubdtype(out.dtype, np.floating):
        np.testing.assert_allclose(out._array, expected, **TOL[dtype])
    else:
        np.testing.assert_array_equal(out._array, expected)
    for i, (x, t) in enumerate(zip(xs, ts)):
        if t.grad is None:
            assert x.grad is None, f"input {i}: torch gives no gradient, reseau does"
            continue
        assert x.grad is not None, f"input {i}: no gradient"
        assert x.grad.dtype == x.dtype == as_numpy_dtype(t.grad.dtype)  # float32 stays float32
        np.testing.assert_allclose(x.grad._array, t.grad.numpy(), **TOL[dtype],
                                   err_msg=f"gradient of input {i}")
