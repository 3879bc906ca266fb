"""Which convention explains an implementation's outputs: run it on a list of cases, smallest first, beside a list
of hypotheses (the reference's convention first), and keep, for each hypothesis, the first case it fails.

The cases are hand-ordered from the smallest input that could show a difference (one element, simple
values) to larger and more varied ones, so the first case a hypothesis fails *is* the smallest input
that tells it apart. Errors are in ULPs: identical bits (NaN matching NaN) for exact contracts, the
suite's :func:`conformance.ulp.scaled_error` for the update rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from numpy_ref.tree import PyTree, flatten

from ..ulp import scaled_error, ulp_distance
from .finding import AGREES, DIFFERS, Finding, digest, show

__all__ = ["Case", "bits_error", "classify", "scaled_error_of"]

#: ``narrow(case, got, want) -> (label, pick)``: where in a case to look (``pick`` selects the element to show).
Narrow = Callable[[Any, Any, Any], tuple[str, Callable[[Any], Any]]]


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


def _whole(case: Case, got: Any, want: Any) -> tuple[str, Callable[[Any], Any]]:
    return case.label, lambda a: a


def classify(
    cases: list[Case],
    run: Callable[[Case], Any],
    hypotheses: Mapping[str, Callable[[Case, Any], Any]],
    error: Callable[[Any, Any, Case], float],
    tol: float = 0.0,
    unit: str = "ULPs",
    narrow: Narrow | None = None,
    first_is: str = "the reference",
) -> Finding:
    """Agrees if the first hypothesis (the reference's convention; ``first_is`` names it in the evidence) explains
    every case within ``tol``;
    ``observed`` names the first hypothesis that explains them all. A hypothesis gets the case and the
    implementation's output (a dropout hypothesis takes its mask from it). ``narrow`` points into a case
    at the element to show; the evidence shows that element of this output beside what the conventions give."""
    names, narrow = list(hypotheses), narrow or _whole
    worst = dict.fromkeys(names, 0.0)
    first: dict[str, _Failure] = {}
    outputs, wants = [], {}
    for index, case in enumerate(cases):
        got = run(case)
        outputs.append(got)
        wants = {name: hypotheses[name](case, got) for name in names}
        errs = {name: error(got, want, case) for name, want in wants.items()}
        for name in names:
            worst[name] = max(worst[name], errs[name])
        for name in [n for n in names if errs[n] > tol and n not in first]:
            label, pick = narrow(case, got, wants[name])
            first[name] = _Failure(index, label, show(pick(got)), {n: show(pick(w)) for n, w in wants.items()})
    last = None
    if cases and not first:  # nothing tells the conventions apart: show the last input as the reference sees it
        label, pick = narrow(cases[-1], outputs[-1], wants[names[0]])
        last = _Failure(len(cases) - 1, label, show(pick(outputs[-1])), {n: show(pick(w)) for n, w in wants.items()})
    explained = [n for n in names if n not in first]
    observed = explained[0] if explained else "none of: " + "; ".join(names)
    verdict = AGREES if names[0] in explained else DIFFERS
    return Finding(
        verdict,
        observed,
        error=f"{worst[names[0]]:.3g} {unit}",
        smallest=first[names[0]].label if verdict == DIFFERS else "",
        evidence=_evidence(names[0], first, observed, last, first_is),
        digest=digest(outputs),
        errors={n: f"{e:.3g} {unit}" for n, e in worst.items()},
        separations={n: (f.label, f"got {f.got}; {n} gives {f.wants[n]}") for n, f in first.items()},
    )


@dataclasses.dataclass(frozen=True)
class _Failure:
    """The first case a hypothesis fails: its position, where to look, the output there and every hypothesis there."""

    index: int
    label: str
    got: str
    wants: dict[str, str]


def _evidence(reference: str, first: dict[str, _Failure], observed: str, last: _Failure | None, who: str) -> str:
    """An element of this output that exhibits ``observed``, beside what another convention gives there (or,
    where no convention fails, what the reference gives at the last input)."""
    if reference in first:  # at the reference's first failure: the output, the observed convention, the reference
        f = first[reference]
        seen = f"; {observed} gives {f.wants[observed]}" if observed in f.wants else ""
        return f"{f.label}: got {f.got}{seen}; {who} gives {f.wants[reference]}"
    if not first:
        return f"{last.label}: got {last.got}; {who} gives {last.wants[reference]}" if last else ""
    other = min(first, key=lambda n: first[n].index)
    f = first[other]
    return f"{f.label}: got {f.got}, as {who}; {other} gives {f.wants[other]}"
