"""Correctness of what is timed: against numpy_ref, bit for bit or in ULPs; sanity of the frameworks' ops."""

from __future__ import annotations

import numpy as np

import numpy_ref as nr
from conformance.ulp import bits_equal, ulp_distance
from numpy_ref.dropout import dropout_scale

__all__ = ["dropout_slices", "reference_dropout_slice", "same_bits", "ulps", "valid_dropout"]


def same_bits(got: np.ndarray, want: np.ndarray) -> str:
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"MISMATCH: {got.dtype}{got.shape} vs {want.dtype}{want.shape}"
    bad = np.flatnonzero(~bits_equal(got, want))
    return "ok (bits)" if bad.size == 0 else f"MISMATCH at {bad.size} elements, first {bad[:3].tolist()}"


def ulps(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(ulp_distance(got, want), initial=0.0))


def reference_dropout_slice(x: np.ndarray, p: float, key: np.ndarray, start: int) -> np.ndarray:
    """numpy_ref's dropout of the flat elements ``x`` whose flat indices start at ``start`` (no broadcast)."""
    index = np.arange(start, start + x.size, dtype=np.uint64)
    hi, lo = (index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)
    b0, b1 = nr.random.threefry2x32(key, (hi, lo))
    uniform = (((b0 ^ b1) >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)
    keep = uniform < np.float32(1.0 - p)
    return nr.dropout_forward(x, keep, p)


def dropout_slices(n: int, width: int = 1 << 14) -> list[int]:
    """Starts of three slices of a flat array of ``n`` elements: its beginning, middle and end."""
    return sorted({0, max(0, n // 2 - width // 2), max(0, n - width)})


def valid_dropout(x: np.ndarray, y: np.ndarray, p: float) -> str:
    """A framework's own dropout: each element 0 or ``x·s`` (to a few ULPs), the kept share near ``1 − p``."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    s = float(dropout_scale(p, np.dtype(np.float64)))
    kept = y != 0
    close = np.abs(y - x * s) <= 1e-2 * np.abs(x * s) + 1e-30
    share = kept.mean()
    sigma = np.sqrt((1 - p) * p / max(x.size, 1))
    if not np.all(~kept | close):
        return "INVALID: kept values are not x·s"
    if abs(share - (1 - p)) > 6 * sigma + (x == 0).mean():
        return f"INVALID: kept share {share:.4f}, expected {1 - p:.4f}"
    return f"valid (kept {share:.4f})"
