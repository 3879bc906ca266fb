"""Distances between floats in units in the last place (ULPs), for all four contract dtypes.

Two measures: :func:`ulp_distance` counts the representable values between two floats (the number a
failure message shows), and :func:`scaled_error` divides ``|got − want|`` by the ULP of a magnitude
that the error of a computation is proportional to (the number tolerances are written in, so that an
update ``w − lr·d`` that cancels to nearly zero is not judged in ULPs of the tiny result).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

__all__ = ["bits_equal", "ordinal", "scaled_error", "ulp_distance", "ulp_size"]


def ordinal(x: np.ndarray) -> np.ndarray:
    """Each float's position on the number line, as int64: adjacent floats differ by 1, ``−0`` is one below ``+0``."""
    x = np.asarray(x)
    signed = x.view(np.dtype(f"i{x.dtype.itemsize}")).astype(np.int64)
    magnitude = signed & np.int64(np.iinfo(np.dtype(f"i{x.dtype.itemsize}")).max)
    return np.where(signed < 0, -magnitude - 1, magnitude)


def ulp_distance(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """How many representable values apart (float64 array): 0 for equal bits or two NaNs, inf for one NaN."""
    a, b = ordinal(got), ordinal(want)
    same_sign = (a < 0) == (b < 0)
    exact = np.abs(np.where(same_sign, a - b, 0)).astype(np.float64)  # cannot overflow: same sign
    far = np.abs(a.astype(np.float64) - b.astype(np.float64))  # opposite signs: huge, precision moot
    dist = np.where(same_sign, exact, far)
    nan_got, nan_want = np.isnan(np.asarray(got, np.float64)), np.isnan(np.asarray(want, np.float64))
    return np.where(nan_got & nan_want, 0.0, np.where(nan_got | nan_want, np.inf, dist))


def bits_equal(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Elementwise: identical bits, or both NaN (payloads may differ between frameworks)."""
    return ulp_distance(got, want) == 0


def ulp_size(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The spacing of ``dtype`` at ``|x|`` (float64): ``2**(e − mantissa bits)``, subnormal spacing near 0."""
    info = ml_dtypes.finfo(dtype)
    a = np.abs(np.asarray(x, np.float64))
    with np.errstate(invalid="ignore"):
        exponent = np.frexp(np.where(np.isfinite(a), a, 0.0))[1] - 1
    exponent = np.clip(np.where(a == 0, info.minexp, exponent), info.minexp, info.maxexp - 1)
    return np.where(np.isfinite(a), np.ldexp(1.0, exponent - info.nmant), np.inf)


def scaled_error(got: np.ndarray, want: np.ndarray, scale: object = None) -> np.ndarray:
    """``|got − want|`` in ULPs of ``max(|want|, scale)`` in ``want``'s dtype; non-finite values must match exactly."""
    g, w = np.asarray(got, np.float64), np.asarray(want, np.float64)
    magnitude = np.abs(w)
    if scale is not None:
        magnitude = np.maximum(magnitude, np.abs(np.asarray(scale, np.float64)))
    finite = np.isfinite(g) & np.isfinite(w)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(np.where(finite, g - w, 0.0)) / ulp_size(magnitude, np.asarray(want).dtype)
    mismatch = np.where(finite, 0.0, np.where(bits_equal(got, want) | (g == w), 0.0, np.inf))
    return np.where(finite, np.nan_to_num(err, nan=0.0), mismatch)
