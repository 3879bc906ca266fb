"""What the optax, torch, flax and equinox recipes are measured against, and how: a recipe's ``usage`` line executed as
written, several measurements combined, the targets that are not a reference step as it stands — torch skipping a
parameter without a gradient (each parameter its own state), a zero gradient in its place, keras's SGD — and the
reference's dropout on a given mask, over inputs that hold ±inf, NaN, ±0.0 and the rates where the ways of forming
``1/(1 − p)`` part. Importing it imports no framework.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ml_dtypes
import numpy as np

import numpy_ref
from numpy_ref.weight_decay import shrink_weights

from . import hypotheses as h
from .dropping import outcome
from .finding import AGREES, Finding, digest, refusals
from .recipe import Recipe
from .trajectories import INITS

__all__ = [
    "MISSING",
    "all_of",
    "dropout_cases",
    "from_usage",
    "keras_sgd",
    "missing_at",
    "on_mask",
    "rate_refusals",
    "skipped",
    "zero_filled",
]

#: The leaf that gets no gradient at every second step (steps 2, 4, …) in the "without a gradient" measurements.
MISSING = "out/bias"


def from_usage(recipe: Recipe, name: str, **names: Any) -> Any:
    """What the recipe's ``usage`` line assigns to ``name``: the line executed as written, with ``names`` and the
    snippet (``recipe.code``, under its own name) in scope."""
    namespace = {**names, recipe.code.__name__: recipe.code}
    exec(recipe.usage, namespace)  # the line docs/recipes.md shows, nothing else
    return namespace[name]


def all_of(*measures: Callable[[Recipe], Finding]) -> Callable[[Recipe], Finding]:
    """A ``measure`` that agrees where every one of ``measures`` does (else the first that does not)."""

    def measure(recipe: Recipe) -> Finding:
        found = [m(recipe) for m in measures]
        wrong = next((f for f in found if f.verdict != AGREES), None)
        if wrong:
            return wrong
        return Finding(
            AGREES,
            "; ".join(f.observed for f in found),
            error="; ".join(f.error for f in found if f.error),
            evidence=" | ".join(f.evidence for f in found if f.evidence),
            digest=digest([f.digest for f in found]),
        )

    return measure


def missing_at(t: int, grads: dict) -> dict:
    """Step ``t``'s gradients (0-based) with :data:`MISSING` set to ``None`` at every second step."""
    return {**grads, MISSING: None} if t % 2 else grads


def zero_filled(op: str) -> h.Step:
    """The reference's ``op`` with a zero gradient for :data:`MISSING` where it has none (:func:`missing_at`)."""
    ref = h.reference(op)

    def step(p: dict, g: dict, s: Any, **hyper: Any) -> Any:
        return ref(p, {**g, MISSING: np.zeros_like(g[MISSING])} if int(s.step) % 2 else g, s, **hyper)

    return step


def skipped(op: str) -> h.Step:
    """torch.optim's rule for a parameter whose gradient is ``None`` (:func:`missing_at`): skipped — no decay, no
    momentum, its state as it was. torch keeps a state per parameter, its step count included, so each leaf runs the
    reference's ``op`` on its own state here (a skipped leaf's bias correction lags behind the others')."""
    ref, init = getattr(numpy_ref, op), getattr(numpy_ref, INITS[op])

    def step(p: dict, g: dict, s: Any, *, decay_mask: dict | None = None, weight_decay: float = 0.0, **hyper: Any):
        first = isinstance(s, (numpy_ref.SGDState, numpy_ref.AdamState))  # the reference's init: one state per leaf
        t, states = (0, {k: init(w) for k, w in p.items()}) if first else s
        new_p, new_s = dict(p), dict(states)
        for k, d in missing_at(t, g).items():
            if d is not None:
                lam = weight_decay if decay_mask is None or decay_mask[k] else 0.0
                new_p[k], new_s[k] = ref(p[k], d, states[k], weight_decay=lam, **hyper)
        return new_p, (t + 1, new_s)

    return step


def keras_sgd(p: dict, g: dict, s: numpy_ref.SGDState, *, lr: float, weight_decay: float = 0.0, **hyper: Any) -> Any:
    """keras's SGD: decoupled decay ``w·(1 − lr·λ)`` before the step, then lr inside the velocity (``h.velocity``)."""
    shrunk = {k: shrink_weights(w, lr, weight_decay) if weight_decay else w for k, w in p.items()}
    return h.velocity(shrunk, g, s, lr=lr, **hyper)


_SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0, -2.5, 1.0155642, 3.0]
RATES = (0.04, 0.25, 0.42, 0.5, 0.0, 1.0)  # 0.04 and 0.42: fl(1/(1 − p)) rounded once or twice differs


def dropout_cases(dtypes: Sequence[str], gradient_rates: Sequence[float] = (0.04, 0.42, 1.0)) -> list[tuple[str, dict]]:
    """``(label, {"x", "p"[, "dy"]})``: a 2×64 input holding ±inf, NaN, ±0.0 and normal draws in each dtype at each
    of :data:`RATES`, then upstream gradients ``dy`` (float32) at ``gradient_rates``."""
    kinds = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float64": np.float64}
    x = np.concatenate([np.float32(_SPECIALS), np.float32(np.random.default_rng(14).normal(size=120))]).reshape(2, 64)
    dy = np.float32(np.random.default_rng(15).normal(size=x.shape))
    cases = [(f"{d}, p={p}", {"x": x.astype(kinds[d]), "p": p}) for d in dtypes for p in RATES]
    return cases + [(f"gradient, float32, p={p}", {"x": x, "p": p, "dy": dy}) for p in gradient_rates]


def on_mask(mask: Callable[[dict], np.ndarray]) -> Callable[[dict, Any], np.ndarray]:
    """The reference's arithmetic on the keep-mask ``mask(case)``: ``numpy_ref.dropout_forward`` of ``x``, or
    ``dropout_backward`` of ``dy`` for a gradient case (:func:`dropout_cases`)."""

    def want(case: dict, out: Any) -> np.ndarray:
        keep = mask(case)
        if "dy" in case:
            return numpy_ref.dropout_backward(case["dy"], keep, case["p"])
        return numpy_ref.dropout_forward(case["x"], keep, case["p"])

    return want


def rate_refusals(call: Callable[[float], Any], name: str) -> Finding:
    """The reference's refusals: ``call(p)`` for a rate below 0, above 1 and NaN must each raise ValueError."""
    parts = [f"p={p}: {outcome(lambda p=p: call(p))[0]}" for p in (-0.5, 1.5, float("nan"))]
    return refusals(parts, name, evidence="numpy_ref.dropout raises ValueError for each")
