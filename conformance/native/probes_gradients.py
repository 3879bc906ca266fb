"""Probes of a framework's dropout *gradients* (its autodiff): against :func:`numpy_ref.dropout_backward` for the
framework's own mask, bit for bit, over the rates the survivors' probe uses, and at p = 1, where
``where(mask, x / (1 − p), 0)`` differentiates to ``0 · inf = NaN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref

from .compare import bits_error
from .dropping import kept, key, zeros_report
from .finding import AGREES, DIFFERS, NOT_MEASURED, Finding, show
from .probes_dropout import RATES, SCALES, X, bits_error_each, zeros_finding

__all__ = ["PROBES"]


def _vjp(adapter: Any, p: float, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the autodiff gradient of ``sum(dy · dropout(x))``, the framework's mask under the same key)."""
    k = key(0)
    kn = adapter.asarray(k)
    grad = adapter.vjp(lambda t: adapter.dropout(t, p, kn), adapter.asarray(X), adapter.asarray(dy))
    return np.asarray(adapter.to_numpy(grad)), kept(adapter, X.shape, p, k)


def gradient(adapter: Any) -> Finding:
    """The gradient against ``dropout_backward(dy, keep, p)`` on every third rate of the survivors' grid (float32)."""
    if not hasattr(adapter, "vjp"):
        return Finding(NOT_MEASURED, "no autodiff hook")
    dy = np.float32(np.linspace(-2, 2, X.size))
    formulas, dropped, worst, first = dict(SCALES), [], 0.0, ("", "")
    for p in RATES[::3]:
        got, keep = _vjp(adapter, p, dy)
        want = numpy_ref.dropout_backward(dy, keep, p)
        formulas = {n: f for n, f in formulas.items() if bits_error(got[keep], f(dy, p)[keep]) == 0}
        dropped.append(zeros_report(dy, got, ~keep))
        worst = max(worst, bits_error(got, want))
        bad = np.flatnonzero(bits_error_each(got, want))
        if bad.size and not first[0]:
            i = int(bad[0])
            first = (f"p={p}, dy={show(dy[i])}", f"got {show(got[i])}, reference {show(want[i])}")
    kept_as = next(iter(formulas), "none of the scale formulas").replace("x", "dy")
    observed = f"kept: {kept_as}; dropped: {' / '.join(dict.fromkeys(dropped))}"
    return Finding(
        AGREES if worst == 0 else DIFFERS,
        observed,
        error=f"{worst:.3g} ULPs",
        smallest=first[0],
        evidence=first[1] or f"{len(RATES[::3])} rates, bit for bit",
    )


def gradient_at_one(adapter: Any) -> Finding:
    if not hasattr(adapter, "vjp"):
        return Finding(NOT_MEASURED, "no autodiff hook")
    dy = np.float32(np.linspace(-2, 2, 8))
    x = np.ones(8, np.float32)
    kn = adapter.asarray(key(0))
    got = np.asarray(
        adapter.to_numpy(adapter.vjp(lambda t: adapter.dropout(t, 1.0, kn), adapter.asarray(x), adapter.asarray(dy)))
    )
    return zeros_finding(dy, got, np.ones(dy.shape, bool), "p=1", name="dy")


PROBES: dict[str, Callable[[Any], Finding]] = {
    "autodiff gradient": gradient,
    "gradient at p = 1": gradient_at_one,
}
