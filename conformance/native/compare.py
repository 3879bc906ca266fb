"""Which convention explains a framework's outputs: run it on a list of cases, smallest first, beside a list of
hypotheses (the reference's convention first), and keep the first case that tells it apart.

The cases are hand-ordered from the smallest input that could show a difference (one element, simple
values) to larger and more varied ones, so the first case that differs *is* the smallest differing input
the report shows. Errors are in ULPs: identical bits (NaN matching NaN) for exact contracts, the suite's
:func:`conformance.ulp.scaled_error` for the update rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from numpy_ref.tree import PyTree, flatten

from ..ulp import scaled_error, ulp_distance
from .finding import AGREES, DIFFERS, Finding, show

__all__ = ["Case", "bits_error", "classify", "scaled_error_of"]


@dataclasses.dataclass(frozen=True)
class Case:
    """One input: ``label`` is how the report shows it, ``data`` whatever the probe's functions take."""

    label: str
    data: Any


def _pairs(got: PyTree, want: PyTree) -> list[tuple[np.ndarray, np.ndarray]] | None:
    (g_leaves, g_td), (w_leaves, w_td) = flatten(got), flatten(want)
    pairs = [(np.asarray(g), np.asarray(w)) for g, w in zip(g_leaves, w_leaves)]
    if g_td != w_td or any(g.shape != w.shape or g.dtype != w.dtype for g, w in pairs):
        return None
    return pairs


def bits_error(got: PyTree, want: PyTree, case: Case | None = None) -> float:
    """The largest ULP distance between corresponding elements (0: identical bits); inf if structure or dtype differ."""
    pairs = _pairs(got, want)
    if pairs is None:
        return float("inf")
    return max((float(ulp_distance(g, w).max(initial=0.0)) for g, w in pairs), default=0.0)


def scaled_error_of(got: PyTree, want: PyTree, scale: PyTree) -> float:
    """The largest :func:`conformance.ulp.scaled_error` over the leaves; inf if structure or dtype differ."""
    pairs = _pairs(got, want)
    if pairs is None:
        return float("inf")
    scales = flatten(scale)[0] if scale is not None else [None] * len(pairs)
    return max((float(scaled_error(g, w, s).max(initial=0.0)) for (g, w), s in zip(pairs, scales)), default=0.0)


def classify(
    cases: list[Case],
    run: Callable[[Case], Any],
    hypotheses: Mapping[str, Callable[[Case, Any], Any]],
    error: Callable[[Any, Any, Case], float],
    tol: float = 0.0,
    unit: str = "ULPs",
    narrow: Callable[[Case, Any, Any], tuple[str, str]] | None = None,
) -> Finding:
    """Agrees if the first hypothesis (the reference's convention) explains every case within ``tol``;
    ``observed`` names the first hypothesis that explains them all, ``smallest`` the first case that
    the reference's does not (``narrow(case, got, want)`` may point into it: ``(smallest, evidence)``).
    A hypothesis gets the case and the framework's output (a dropout hypothesis takes its mask from it)."""
    names = list(hypotheses)
    explains = dict.fromkeys(names, True)
    worst, smallest, evidence = 0.0, "", ""
    for case in cases:
        got = run(case)
        for name in names:
            want = hypotheses[name](case, got)
            err = error(got, want, case)
            explains[name] = explains[name] and err <= tol
            if name == names[0]:
                worst = max(worst, err)
                if err > tol and not smallest:
                    smallest, evidence = case.label, f"got {show(got)}; reference {show(want)}"
                    if narrow is not None:
                        smallest, evidence = narrow(case, got, want)
    observed = next((n for n in names if explains[n]), "none of: " + "; ".join(names))
    verdict = AGREES if explains[names[0]] else DIFFERS
    if verdict == AGREES:
        evidence = f"{len(cases)} input{'s' if len(cases) > 1 else ''}, each within {tol:g} {unit} of the reference"
    return Finding(verdict, observed, error=f"{worst:.3g} {unit}", smallest=smallest, evidence=evidence)
