"""Probes of a framework's L2 penalty (keras ``regularizers.L2``): the factor ½, its autodiff gradient, and
what it does with a negative or non-finite coefficient. Tolerances are the suite's for ``l2_penalty``
(2 ULPs of ``(n + 1)·|penalty|``: accumulation order is free) and ``l2_penalty:vjp`` (1 ULP).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref.tree import flatten, tree_map

from ..tolerances import TOLERANCES
from ..ulp import ulp_size
from .compare import Case, classify, scaled_error_of
from .dropping import outcome
from .finding import Finding, refusals, show
from .hypotheses import as_backend

__all__ = ["PROBES"]

_CASES = [
    Case("w=[1], λ=0.1", (np.float32([1.0]), 0.1)),
    Case("w=[1, -2], λ=0.5", (np.float32([1.0, -2.0]), 0.5)),
    Case(
        "{b: (2,), w: (2, 3)}, λ=0.01",
        ({"b": np.float32([0.5, -1.5]), "w": np.float32(np.arange(6).reshape(2, 3) - 2.5)}, 0.01),
    ),
]


def _penalty_error(got: Any, want: Any, case: Case) -> float:
    n = sum(w.size for w in flatten(case.data[0])[0])
    return float(abs(float(got) - float(want)) / ulp_size((n + 1) * abs(float(want)), np.dtype(np.float32)))


def penalty(adapter: Any) -> Finding:
    backend = as_backend(adapter)

    def run(case: Case) -> np.ndarray:
        params, lam = case.data
        return np.float64(backend.to_numpy(adapter.l2_penalty(backend.native(params), lam)))

    hypotheses: dict[str, Callable[[Case, Any], Any]] = {
        "λ/2·Σw²": lambda c, _: numpy_ref.l2_penalty(*c.data),
        "λ·Σw² (no ½)": lambda c, _: 2 * numpy_ref.l2_penalty(*c.data),
    }
    return classify(_CASES, run, hypotheses, _penalty_error, TOLERANCES["l2_penalty"]["float32"])


def gradient(adapter: Any) -> Finding:
    backend = as_backend(adapter)

    def run(case: Case) -> Any:
        params, lam = case.data
        return backend.numpy(adapter.l2_penalty_grad(backend.native(params), lam))

    hypotheses: dict[str, Callable[[Case, Any], Any]] = {
        "λ·w": lambda c, _: numpy_ref.l2_penalty_grad(*c.data),
        "2λ·w": lambda c, _: tree_map(lambda g: g * np.float32(2), numpy_ref.l2_penalty_grad(*c.data)),
    }
    return classify(
        _CASES, run, hypotheses, lambda g, w, c: scaled_error_of(g, w, None), TOLERANCES["l2_penalty:vjp"]["float32"]
    )


def bad_coefficient(adapter: Any) -> Finding:
    w, parts = np.float32([1.0, -2.0]), []
    for lam in (-0.1, float("nan"), float("inf")):
        kind, value = outcome(lambda lam=lam: adapter.to_numpy(adapter.l2_penalty(adapter.asarray(w), lam)))
        parts.append(f"λ={lam}: " + (kind if kind != "ok" else f"no error, returns {show(np.float64(value))}"))
    return refusals(parts, "w=[1, -2]")


PROBES: dict[str, Callable[[Any], Finding]] = {
    "factor ½ in the penalty": penalty,
    "autodiff gradient of the penalty": gradient,
    "negative or non-finite λ": bad_coefficient,
}
