"""Floating-point arithmetic as PyTorch's compiled CPU kernels do it, reproduced in NumPy
so that reseau's random draws equal PyTorch's bit for bit: a multiply-add rounded once
(the fused multiply-add the compiler makes of ``x * a + b``), and the float32 ``log``,
``sin`` and ``cos`` of PyTorch's AVX2 normal kernel (Cephes' single-precision algorithms:
a range reduction, then a short polynomial, with the fused multiply-adds GCC makes of
them). On PyTorch builds without AVX2 (ARM) the C library's functions are used there
instead, and may differ by an ulp or two.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fma", "logf", "sincosf"]

_F32 = np.float32


def fma(a, b, c, dtype) -> np.ndarray:
    """``a * b + c`` rounded once, as the fused multiply-add PyTorch's kernels compile to.

    float32: the product of two floats is exact in float64, so one float64 addition and
    the rounding to float32 give it. float64: Dekker's exact product and Knuth's exact
    sum, added with one rounding (equal to a hardware fma but in astronomically rare
    double-rounding cases)."""
    if np.dtype(dtype) != np.float64:
        return (np.asarray(a, np.float64) * np.float64(b) + np.float64(c)).astype(dtype)
    a = np.asarray(a, np.float64)
    b = np.float64(b) if np.ndim(b) == 0 else np.asarray(b, np.float64)
    product = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    product_err = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    total = product + c
    virtual = total - product
    sum_err = (product - (total - virtual)) + (c - virtual)
    return total + (sum_err + product_err)


def _split(a):
    """Veltkamp's split: ``a = hi + lo`` with 26-bit halves, whose products are exact."""
    scaled = 134217729.0 * a  # 2^27 + 1
    hi = scaled - (scaled - a)
    return hi, a - hi


_LOG_POLY = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
             1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
             3.3333331174e-1)
_COS_POLY = (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)
_SIN_POLY = (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)
_PIO4_PARTS = (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)


def _ffma(a, b, c) -> np.ndarray:
    """float32 ``a * b + c`` rounded once (the product of two floats is exact in float64)."""
    return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + c).astype(_F32)


def _horner(coefficients, x) -> np.ndarray:
    y = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        y = _ffma(y, x, _F32(c))
    return y


def logf(x: np.ndarray) -> np.ndarray:
    """log of positive normal float32 values: ``x = m 2^e`` with ``m`` in [sqrt(1/2),
    sqrt(2)), ``log x = e log 2 + f + f^3 P(f) - f^2 / 2`` with ``f = m - 1``, ``log 2``
    split into 0.693359375 - 2.12194440e-4 so that ``e log 2`` stays exact."""
    bits = x.view(np.int32)
    e = ((bits >> 23) - 126).astype(_F32)
    m = ((bits & np.int32(0x007FFFFF)) | np.int32(0x3F000000)).view(_F32)  # in [0.5, 1)
    small = m < _F32(0.707106781186547524)
    f = (m - _F32(1)) + np.where(small, m, _F32(0))  # 2m - 1 below sqrt(1/2)
    e = e - small.astype(_F32)
    z = f * f
    y = _horner(_LOG_POLY, f) * f
    y = _ffma(y, z, e * _F32(-2.12194440e-4))
    y = _ffma(z, _F32(-0.5), y)
    return _ffma(e, _F32(0.693359375), f + y)


def sincosf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of float32 values: ``x`` reduced by ``j pi/4`` (``j`` the even integer
    nearest ``4x/pi`` from above, pi/4 in three parts), then the sine or the cosine
    polynomial on [-pi/4, pi/4] depending on the octant, and the signs."""
    negative = x < 0
    x = np.abs(x)
    j = ((x * _F32(1.27323954473516)).astype(np.int32) + 1) & ~np.int32(1)
    y = j.astype(_F32)
    for part in _PIO4_PARTS:
        x = _ffma(y, _F32(part), x)
    z = x * x
    cos_part = _ffma(_horner(_COS_POLY, z) * z, z, -(z * _F32(0.5))) + _F32(1)
    sin_part = _ffma(_horner(_SIN_POLY, z) * z, x, x)
    swap = (j & 2) != 0
    sine = np.where(swap, cos_part, sin_part)
    cosine = np.where(swap, sin_part, cos_part)
    sine = np.where(negative ^ ((j & 4) != 0), -sine, sine)
    cosine = np.where(((j - 2) & 4) == 0, -cosine, cosine)
    return sine, cosine
