"""Probes of a framework's dropout *gradients* (its autodiff): which formula gives the kept elements' gradient and
what a dropped element's gradient is, bit for bit, over every third rate of the survivors' grid (float32),
and p = 1, where ``where(mask, x / (1 − p), 0)`` differentiates to ``0 · inf = NaN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .compare import Case, bits_error, classify
from .dropping import key
from .finding import NOT_MEASURED, Finding
from .probes_dropout import zeros_finding
from .probes_survivors import RATES, SCALES, X, narrow_to_element

__all__ = ["PROBES", "gradient_rates"]

_DY = np.float32(np.linspace(-2, 2, X.size))  # no exact zero: a kept element's gradient is never 0
#: What a dropped element's gradient may be: the reference's +0.0, or the product ``dy·0`` (−0.0 where dy < 0).
_DROPPED: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "+0.0": lambda dy: np.zeros_like(dy),
    "dy·0 (−0.0 where dy < 0)": lambda dy: dy * dy.dtype.type(0),
}


def gradient_rates(adapter: Any, rates: tuple[float, ...], dy: np.ndarray) -> list[np.ndarray]:
    """The autodiff gradient of ``sum(dy · dropout(X))`` at each rate, under the key ``(0, 0)``."""
    kn, xn, dyn = adapter.asarray(key(0)), adapter.asarray(X), adapter.asarray(dy)
    many = getattr(adapter, "vjp_rates", None)
    if many is not None:
        return [np.asarray(adapter.to_numpy(g)) for g in many(xn, rates, kn, dyn)]
    grads = [adapter.vjp(lambda t, p=p: adapter.dropout(t, p, kn), xn, dyn) for p in rates]
    return [np.asarray(adapter.to_numpy(g)) for g in grads]


def _hypothesis(formula: Callable, dropped: Callable) -> Callable[[Case, np.ndarray], np.ndarray]:
    def want(case: Case, got: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.where(got != 0, formula(_DY, case.data), dropped(_DY))

    return want


def gradient(adapter: Any) -> Finding:
    if not hasattr(adapter, "vjp"):
        return Finding(NOT_MEASURED, "no autodiff hook")
    rates = RATES[::3]
    outputs = dict(zip(rates, gradient_rates(adapter, rates, _DY)))
    hypotheses = {
        f"kept: {name.replace('x', 'dy')}; dropped: {mode}": _hypothesis(formula, dropped)
        for name, formula in SCALES.items()
        for mode, dropped in _DROPPED.items()
    }
    return classify(
        [Case(f"p={p}", p) for p in rates],
        lambda c: outputs[c.data],
        hypotheses,
        lambda g, w, c: bits_error(g, w),
        narrow=narrow_to_element(lambda c: _DY, "dy"),
    )


def gradient_at_one(adapter: Any) -> Finding:
    if not hasattr(adapter, "vjp"):
        return Finding(NOT_MEASURED, "no autodiff hook")
    dy = np.float32(np.linspace(-2, 2, 8))
    kn = adapter.asarray(key(0))
    x = adapter.asarray(np.ones(8, np.float32))
    got = np.asarray(adapter.to_numpy(adapter.vjp(lambda t: adapter.dropout(t, 1.0, kn), x, adapter.asarray(dy))))
    return zeros_finding(dy, got, np.ones(dy.shape, bool), "p=1", name="dy")


PROBES: dict[str, Callable[[Any], Finding]] = {
    "autodiff gradient": gradient,
    "gradient at p = 1": gradient_at_one,
}
