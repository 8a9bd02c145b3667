"""Exact GELU: float64 uses math.erf (correctly rounded), float32 a vectorised erfc
approximation whose error stays under float32's resolution, on a wide range."""

import numpy as np
import pytest

import reseau


@pytest.mark.parametrize("dtype,atol", [("float32", 2e-6), ("float64", 1e-14)])
def test_gelu_matches_pytorch_on_a_wide_range(dtype, atol):
    torch = pytest.importorskip("torch")
    x = np.linspace(-10, 10, 20001).astype(dtype)
    ours = reseau.tensor(x, requires_grad=True)
    out = reseau.gelu(ours)
    out.sum().backward()
    ref_x = torch.from_numpy(x).requires_grad_()
    ref = torch.nn.functional.gelu(ref_x)
    ref.sum().backward()
    assert out.dtype == np.dtype(dtype) and ours.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out._array, ref.detach().numpy(), rtol=1e-6, atol=atol)
    np.testing.assert_allclose(ours.grad._array, ref_x.grad.numpy(), rtol=1e-6, atol=atol)


def test_gelu_left_tail_is_not_lost_to_cancellation_in_float32():
    # Phi(-6) = 9.87e-10 is computed as a tail probability; as 1 + erf(-6 / sqrt 2) it
    # would cancel to 0 in float32. The approximation keeps it within 0.5%.
    x = reseau.tensor([-6.0])
    expected = -6.0 * 9.8658765e-10
    assert reseau.gelu(x).item() != 0.0
    np.testing.assert_allclose(reseau.gelu(x).item(), expected, rtol=5e-3)
