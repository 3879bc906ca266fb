"""Probes of a framework's dropout *survivors*: which formula gives the kept values, bit for bit, per dtype, over a
hundred rates — the arithmetic of the scale ``s = 1/(1 − p)``, which frameworks form in different ways.

They need no replayable generator: each reads the implementation's own mask from its output (a kept
element of ``X`` is never 0) and compares the values each formula gives *for that mask*.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

import numpy_ref
from numpy_ref.dtypes import compute_dtype

from ..ulp import bits_equal
from .compare import Case, Narrow, bits_error, classify
from .dropping import forward_rates, key, outcome
from .finding import DIFFERS, NOT_APPLICABLE, Finding, show

__all__ = [
    "DTYPES",
    "PROBES",
    "RATES",
    "SCALES",
    "X",
    "bits_error_each",
    "narrow_to_element",
    "supported",
    "where_kept",
]

X = np.float32(1 + np.arange(256) / 257)  # nonzero, with varied mantissas: a kept element is never 0
# dyadic rates first (s is exact there), then every hundredth: whether fl(1/(1 − p)) equals 1/fl(1 − p)
# depends on p, so a coarse list can miss a difference in how s is formed
RATES = (0.5, 0.25, *(k / 100 for k in range(1, 100) if k not in (25, 50)))
DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float64": np.float64}
#: How survivors may be formed from ``x`` (already in the output dtype) and ``p``; the reference's first.
# fl(·) rounds to the computation dtype (float32 for ≤ 32-bit floats, float64 for float64) unless the name
# says "in x's dtype"; fl(p) is p rounded there before 1 − p is formed.
SCALES: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "x·fl(1/fl(1 − p))": lambda x, p: numpy_ref.dropout_forward(x, np.ones(x.shape, bool), p),
    "x·fl(1/(1 − p))": lambda x, p: _formed(x, lambda ct: ct.type(1 / (1 - p)), own=False),
    "x / fl(1 − p)": lambda x, p: _formed(x, lambda ct: ct.type(1 - p), own=False, divide=True),
    "x·fl(1/fl(1 − fl(p)))": lambda x, p: _formed(x, lambda ct: ct.type(1) / (ct.type(1) - ct.type(p)), own=False),
    "x·fl(1/(1 − p)), in x's dtype": lambda x, p: _formed(x, lambda ct: ct.type(1 / (1 - p)), own=True),
    "x·fl(1/fl(1 − p)), in x's dtype": lambda x, p: _formed(x, lambda ct: ct.type(1) / ct.type(1 - p), own=True),
    "x / fl(1 − p), in x's dtype": lambda x, p: _formed(x, lambda ct: ct.type(1 - p), own=True, divide=True),
    "x / (1 − p), correctly rounded": lambda x, p: (x.astype(np.float64) / (1.0 - p)).astype(x.dtype),
}


def _formed(x: np.ndarray, factor: Callable[[np.dtype], np.generic], own: bool, divide: bool = False) -> np.ndarray:
    """``x·factor`` (or ``x / factor``) in the computation dtype (``own``: in x's dtype), rounded to x's dtype."""
    ct = x.dtype if own else compute_dtype(x.dtype)
    with np.errstate(all="ignore"):
        a, f = x.astype(ct), factor(np.dtype(ct))
        return np.asarray(a / f if divide else a * f).astype(x.dtype)


def supported(adapter: Any) -> list[str]:
    return [d for d in DTYPES if outcome(lambda d=d: adapter.asarray(np.ones(1, DTYPES[d])))[0] == "ok"]


def where_kept(formula: Callable, x_of: Callable[[Case], np.ndarray]) -> Callable[[Case, Any], np.ndarray]:
    """A hypothesis on the implementation's own mask: ``formula`` where it kept, +0.0 where it dropped."""

    def want(case: Case, got: np.ndarray) -> np.ndarray:
        x = x_of(case).astype(got.dtype)
        return np.where(got != 0, formula(x, case.data[1]), got.dtype.type(0))

    return want


def narrow_to_element(x_of: Callable[[Case], np.ndarray], name: str = "x") -> Narrow:
    """Point at the first element where the output and the hypothesis differ (where none does, at the first kept
    element): ``p=…, x=…``."""

    def narrow(case: Case, got: np.ndarray, want: np.ndarray) -> tuple[str, Callable[[Any], Any]]:
        i = int(np.concatenate([np.flatnonzero(bits_error_each(got, want)), np.flatnonzero(got != 0), [0]])[0])
        return f"{case.label}, {name}={show(x_of(case)[i])}", lambda a: a[i]

    return narrow


def bits_error_each(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Elementwise: the bits differ (two NaNs never do)."""
    return ~bits_equal(got, want)


def survivors(dtype: str) -> Callable[[Any], Finding]:
    """Which formula gives the kept values in ``dtype``, bit for bit, over every rate in :data:`RATES`."""

    def probe(adapter: Any) -> Finding:
        if dtype not in supported(adapter):
            return Finding(NOT_APPLICABLE, f"no {dtype} input")
        x = X.astype(DTYPES[dtype])
        outputs = dict(zip(RATES, forward_rates(adapter, x, RATES, key(0))))
        hypotheses = {name: where_kept(f, lambda c: x) for name, f in SCALES.items()}
        found = classify(
            [Case(f"p={p}", (dtype, p)) for p in RATES],
            lambda c: outputs[c.data[1]],
            hypotheses,
            lambda g, w, c: bits_error(g, w),
            narrow=narrow_to_element(lambda c: x),
        )
        returned = {y.dtype.name for y in outputs.values()} - {dtype}
        if not returned:
            return found
        # an upcast output is a different result whatever its arithmetic: say so, and fail the reference
        return dataclasses.replace(
            found,
            verdict=DIFFERS,
            observed=f"{found.observed}, returned as {', '.join(sorted(returned))}",
            smallest=found.smallest or f"{dtype} input",
        )

    return probe


PROBES: dict[str, Callable[[Any], Finding]] = {f"survivors, {d}": survivors(d) for d in DTYPES}
