"""Probes of a framework's dropout *values*: the survivors' arithmetic, the edges p = 0 and p = 1, dropped
non-finite inputs, out-of-range rates, evaluation mode and dtypes.

They need no replayable generator: each reads the framework's own mask from its output under the same
key (:func:`conformance.native.dropping.kept`) and compares the values the reference gives *for that
mask*, bit for bit (dropout is exact in the contract).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

import numpy_ref
from numpy_ref.dtypes import compute_dtype

from .compare import Case, bits_error, classify
from .dropping import changes, forward, kept, key, outcome, zeros_report
from .finding import AGREES, DIFFERS, Finding, show

__all__ = ["PROBES", "RATES", "SCALES", "X", "bits_error_each", "zeros_finding"]

X = np.float32(1 + np.arange(256) / 257)  # nonzero, with varied mantissas: a kept element is never 0
# dyadic rates first (s is exact there), then every hundredth: whether fl(1/(1 − p)) equals 1/fl(1 − p)
# depends on p, so a coarse list can miss a difference in how s is formed
RATES = (0.5, 0.25, *(k / 100 for k in range(1, 100) if k not in (25, 50)))
_DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float64": np.float64}
_EDGE = np.float32([-1.0, 2.0, np.inf, -np.inf, np.nan, -0.0])


def _computed(x: np.ndarray, p: float, op: Callable, own: bool) -> np.ndarray:
    ct = x.dtype if own else compute_dtype(x.dtype)
    with np.errstate(all="ignore"):
        return np.asarray(op(x.astype(ct), ct.type(1.0 - p))).astype(x.dtype)


#: How survivors may be formed from ``x`` (already in the output dtype) and ``p``; the reference's first.
# fl(·) rounds to the computation dtype (float32 for ≤ 32-bit floats) unless "in x's dtype" says otherwise.
SCALES: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "x·s, s = 1/(1 − p) rounded once": lambda x, p: numpy_ref.dropout_forward(x, np.ones(x.shape, bool), p),
    "x·(1/fl(1 − p))": lambda x, p: _computed(x, p, _times_reciprocal, own=False),
    "x / fl(1 − p)": lambda x, p: _computed(x, p, np.divide, own=False),
    "x·s, s = 1/(1 − p) rounded to x's dtype": lambda x, p: _computed(
        x, p, lambda a, q: a * a.dtype.type(1 / (1 - p)), own=True
    ),
    "x·(1/fl(1 − p)), all in x's dtype": lambda x, p: _computed(x, p, _times_reciprocal, own=True),
    "x / fl(1 − p), all in x's dtype": lambda x, p: _computed(x, p, np.divide, own=True),
    "x / (1 − p) correctly rounded": lambda x, p: (x.astype(np.float64) / (1.0 - p)).astype(x.dtype),
}


def _times_reciprocal(a: np.ndarray, q: np.generic) -> np.ndarray:
    return a * (q.dtype.type(1) / q)


def _supported(adapter: Any) -> list[str]:
    return [d for d in _DTYPES if outcome(lambda d=d: adapter.asarray(np.ones(1, _DTYPES[d])))[0] == "ok"]


def _where_kept(formula: Callable, x_of: Callable[[Case], np.ndarray]) -> Callable[[Case, Any], np.ndarray]:
    """A hypothesis on the framework's own mask: ``formula`` where it kept, +0.0 where it dropped."""

    def want(case: Case, got: np.ndarray) -> np.ndarray:
        x = x_of(case).astype(got.dtype)
        return np.where(got != 0, formula(x, case.data[1]), got.dtype.type(0))

    return want


def _narrow(x_of: Callable[[Case], np.ndarray]) -> Callable[[Case, Any, Any], tuple[str, str]]:
    def narrow(case: Case, got: np.ndarray, want: np.ndarray) -> tuple[str, str]:
        i = int(np.flatnonzero(bits_error_each(got, want))[0])
        return f"{case.label}, x={show(x_of(case)[i])}", f"got {show(got[i])}, reference {show(want[i])}"

    return narrow


def bits_error_each(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.array([bits_error(g, w) > 0 for g, w in zip(got, want)])


def survivors(adapter: Any) -> Finding:
    """Per dtype (float32 first), which formula gives the kept values, bit for bit; combined into one finding."""

    def x_of(case: Case) -> np.ndarray:
        return X.astype(_DTYPES[case.data[0]])

    def run(case: Case) -> np.ndarray:
        return forward(adapter, x_of(case), case.data[1], key(0))

    hypotheses = {name: _where_kept(f, x_of) for name, f in SCALES.items()}
    found = {
        d: classify(
            [Case(f"{d}, p={p}", (d, p)) for p in RATES],
            run,
            hypotheses,
            lambda g, w, c: bits_error(g, w),
            narrow=_narrow(x_of),
        )
        for d in _supported(adapter)
    }
    by_formula: dict[str, list[str]] = {}
    for d, f in found.items():
        by_formula.setdefault(f.observed, []).append(d)
    first = next((f for f in found.values() if f.verdict == DIFFERS), next(iter(found.values())))
    return Finding(
        AGREES if all(f.verdict == AGREES for f in found.values()) else DIFFERS,
        next(iter(by_formula))
        if len(by_formula) == 1
        else "; ".join(f"{', '.join(ds)}: {o}" for o, ds in by_formula.items()),
        error=max((f.error for f in found.values()), key=lambda e: float(e.split()[0])),
        smallest=first.smallest,
        evidence=first.evidence,
    )


def output_dtype(adapter: Any) -> Finding:
    changed = []
    for name in [d for d in _supported(adapter) if d != "float32"]:
        y = forward(adapter, X.astype(_DTYPES[name]), 0.5, key(0))
        if y.dtype != _DTYPES[name]:
            changed.append(f"{name} → {y.dtype.name}")
    if not changed:
        return Finding(AGREES, "the input's dtype", evidence=f"inputs {', '.join(_supported(adapter))}")
    return Finding(DIFFERS, "; ".join(changed), smallest=f"{changed[0].split()[0]} input", evidence=", ".join(changed))


def _aliasing(adapter: Any, p: float, training: bool) -> tuple[np.ndarray, bool, np.ndarray]:
    x = np.float32([1.0, -0.0, np.nan, np.inf, -2.5, 1e-40, 3.0])
    xn = adapter.asarray(x)
    yn = adapter.dropout(xn, p, adapter.asarray(key(0)), training=training)
    return x, bool(adapter.same_buffer(yn, xn)), np.asarray(adapter.to_numpy(yn))


def identity(p: float, training: bool) -> Callable[[Any], Finding]:
    """p = 0 (training) or training=False: the values of ``x``, bit for bit; the reference returns ``x`` itself
    only in evaluation mode (C8, C12). Aliasing matters only for mutable arrays (torch)."""

    def probe(adapter: Any) -> Finding:
        x, alias, y = _aliasing(adapter, p, training)
        mutable = getattr(adapter, "MUTABLE_ARRAYS", False)
        same = y.dtype == x.dtype and bits_error(y, x) == 0
        values = "identity" if same else changes(x, y)
        held = ("returns the input itself" if alias else "returns a new array") + ("" if mutable else " (immutable)")
        ok = same and (alias == (not training) or not mutable)
        why = (
            ""
            if ok or not same
            else "; the reference returns a new array here, so writing into the output would write into x"
        )
        return Finding(
            AGREES if ok else DIFFERS,
            f"{values}; {held}",
            smallest="" if ok else f"x={show(x)}",
            evidence=f"x={show(x)} → {show(y)}{why}",
        )

    return probe


def zeros_finding(x: np.ndarray, y: np.ndarray, where: np.ndarray, label: str, name: str = "x") -> Finding:
    bad = [i for i in np.flatnonzero(where) if bits_error(y[i], np.float32(0)) > 0]
    observed = zeros_report(x, y, where)
    smallest = f"{label}: {name}={show(x[bad[0]])}" if bad else ""
    return Finding(
        AGREES if not bad else DIFFERS,
        observed,
        error=f"{len(bad)} of {int(where.sum())} not +0.0",
        smallest=smallest,
        evidence=f"{name}={show(x, 6)} → {show(y, 6)}",
    )


def p_one(adapter: Any) -> Finding:
    return zeros_finding(_EDGE, forward(adapter, _EDGE, 1.0, key(0)), np.ones(_EDGE.shape, bool), "p=1")


def dropped_values(adapter: Any) -> Finding:
    x = np.tile(_EDGE, 16)
    dropped = ~kept(adapter, x.shape, 0.5, key(0))
    return zeros_finding(x, forward(adapter, x, 0.5, key(0)), dropped, "p=0.5, dropped")


def out_of_range(adapter: Any) -> Finding:
    x, parts, evidence = np.ones(4, np.float32), [], []
    for rate in (-0.5, 1.5, float("nan")):
        kind, value = outcome(lambda r=rate: forward(adapter, x, r, key(0)))
        parts.append(f"p={rate}: {kind if kind != 'ok' else 'no error, returns ' + show(value)}")
        evidence.append(f"{kind}: {value}" if kind != "ok" else show(value))
    ok = all(p.endswith("ValueError") for p in parts)
    return Finding(
        AGREES if ok else DIFFERS,
        "; ".join(parts),
        smallest="" if ok else "x=[1, 1, 1, 1]",
        evidence=" | ".join(evidence),
    )


PROBES: dict[str, Callable[[Any], Finding]] = {
    "survivors: scale arithmetic": survivors,
    "output dtype": output_dtype,
    "p = 0": identity(0.0, training=True),
    "p = 1": p_one,
    "dropped inf, NaN, −0.0 and negatives": dropped_values,
    "out-of-range rates": out_of_range,
    "evaluation mode (training=False)": identity(0.5, training=False),
}
