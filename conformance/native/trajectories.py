"""Optimizer trajectories for the probes: hand-ordered cases (smallest first), running a step function from its
init on NumPy or native arrays, the suite's tolerance at the last step, and the probe built on them — which
reference variant explains an implementation's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref.tree import PyTree

from ..tolerances import scale, tolerance
from . import hypotheses as h
from .compare import Case, classify, scaled_error_of
from .finding import Finding, show

__all__ = [
    "INITS",
    "cases",
    "error_at_last_step",
    "hyper_text",
    "long_case",
    "on_reference",
    "run_trajectory",
    "trajectory_probe",
]

INITS = {"sgd_step": "sgd_init", "adam_step": "adam_init", "adamw_step": "adam_init"}
_W = [1.0, -2.0, 0.5, 3.0, -0.25, 1.5]
_G = [0.5, 3.0, -1.0, 0.25, 2.0, -0.75]
_SHAPES = [(1,), (2,), (2, 3)]


def cases(
    steps: int, scales: tuple[float, ...] = (1.0,), tree: bool = False, factors: tuple[float, ...] = (1.0, -0.5, 2.0)
) -> list[Case]:
    """Trajectories, smallest first: one weight, two, a 2×3 matrix; per shape, gradients ``× scales``; step ``t``'s
    gradient is the first one times ``factors[t]``."""
    out = []
    for shape in [(3,)] if tree else _SHAPES:
        n = int(np.prod(shape))
        w = np.float32(_W[:n]).reshape(shape)
        for size in scales:
            grads = [np.float32(size * np.float32(_G[:n]) * f).reshape(shape) for f in factors[:steps]]
            params, gs = (w, grads) if not tree else _as_tree(w, grads)
            out.append(Case(f"w={show(w)}, g={show([g.reshape(-1) for g in grads], 3)}", (params, gs)))
    return out


def long_case(steps: int) -> Case:
    """A 2×3 matrix over ``steps`` steps of varied gradients (a fixed draw: every implementation sees the same)."""
    rng = np.random.default_rng(20)
    w = np.float32(_W).reshape(2, 3)
    grads = [np.float32(rng.normal(size=(2, 3))) for _ in range(steps)]
    return Case(f"w={show(w)}, {steps} gradients ~ N(0, 1) (numpy seed 20)", (w, grads))


def _as_tree(w: np.ndarray, grads: list[np.ndarray]) -> tuple[PyTree, list[PyTree]]:
    """A bias ``b`` (1-D) beside a matrix ``w`` (2×2)."""

    def split(a: np.ndarray) -> PyTree:
        return {"b": a[:2].copy(), "w": np.outer(a[1:3], np.float32([1.0, -1.0])).astype(np.float32)}

    return split(w), [split(g) for g in grads]


def run_trajectory(step: Callable, init: Callable, native: Callable, numpy: Callable, data: Any, hypers: list) -> Any:
    """``params`` after one step per gradient, from ``init``; returns NumPy params."""
    params, grads = data
    p = native(params)
    state = init(p)
    for g, hyper in zip(grads, hypers):
        p, state = step(p, native(g), state, **dict(hyper))
    return numpy(p)


def on_reference(step: Callable, op: str, data: Any, hypers: list) -> Any:
    """``run_trajectory`` of a reference step (a :mod:`numpy_ref` function or a variant in :mod:`.hypotheses`)."""
    return run_trajectory(step, getattr(numpy_ref, INITS[op]), lambda t: t, lambda t: t, data, hypers)


def error_at_last_step(op: str, hypers: list) -> Callable[[Any, Any, Case], float]:
    """Scaled ULPs at the last step's term magnitudes (the reference's trajectory supplies them)."""

    def error(got: Any, want: Any, case: Case) -> float:
        params, grads = case.data
        ref = getattr(numpy_ref, op)
        state = getattr(numpy_ref, INITS[op])(params)
        last = len(grads) - 1
        for g, hyper in zip(grads[:-1], hypers):
            params, state = ref(params, g, state, **hyper)
        bound = scale(op, (params, grads[-1], state), dict(hypers[last]), ref(params, grads[-1], state, **hypers[last]))
        return scaled_error_of(got, want, bound[0] if isinstance(bound, tuple) else bound)

    return error


def trajectory_probe(
    op: str, hypers: list[dict], variants: dict[str, Callable], case_list: list[Case]
) -> Callable[[Any], Finding]:
    """A probe: the adapter's ``op`` over ``case_list`` against the reference variants (``name → step``)."""

    def probe(adapter: Any) -> Finding:
        backend = h.as_backend(adapter)

        def run(case: Case) -> Any:
            step, init = getattr(adapter, op), getattr(adapter, INITS[op])
            return run_trajectory(step, init, backend.native, backend.numpy, case.data, hypers)

        explanations = {name: (lambda c, _, s=s: on_reference(s, op, c.data, hypers)) for name, s in variants.items()}
        tol = tolerance(op, "float32", steps=len(hypers))

        def narrow(case: Case, got: Any, want: Any) -> tuple[str, Callable[[Any], Any]]:
            return f"{case.label}; {hyper_text(hypers)}", lambda a: a

        return classify(case_list, run, explanations, error_at_last_step(op, hypers), tol, narrow=narrow)

    return probe


def hyper_text(hypers: list[dict]) -> str:
    """``lr=0.1, momentum=0.9`` (a value that changes per step as ``0.1/0.02/0.05``, or its first and last value
    over many steps); masks shown as given."""
    names = dict.fromkeys(k for h in hypers for k in h)
    values = {k: [repr(h.get(k)) for h in hypers] for k in names}
    return ", ".join(f"{k}={_sequence(v)}" for k, v in values.items())


def _sequence(values: list[str]) -> str:
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return distinct[0]
    return "/".join(values) if len(values) <= 4 else f"{'/'.join(distinct)} over {len(values)} steps"
