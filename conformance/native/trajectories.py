"""Optimizer trajectories for the probes: hand-ordered cases (smallest first), running a step function from its
init on NumPy or native arrays, the suite's tolerance at the last step, and the two kinds of probe built
on them — which reference variant explains a framework's parameters, and what its defaults are.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref.tree import PyTree

from ..tolerances import scale, tolerance
from . import hypotheses as h
from .compare import Case, bits_error, classify, scaled_error_of
from .finding import AGREES, DIFFERS, Finding, show

__all__ = ["INITS", "cases", "defaults_probe", "run_trajectory", "trajectory_probe"]

INITS = {"sgd_step": "sgd_init", "adam_step": "adam_init", "adamw_step": "adam_init"}
_W = [1.0, -2.0, 0.5, 3.0, -0.25, 1.5]
_G = [0.5, 3.0, -1.0, 0.25, 2.0, -0.75]
_SHAPES = [(1,), (2,), (2, 3)]


def cases(steps: int, scales: tuple[float, ...] = (1.0,), tree: bool = False) -> list[Case]:
    """Trajectories, smallest first: one weight, two, a 2×3 matrix; per shape, gradients ``× scales``."""
    out = []
    for shape in [(3,)] if tree else _SHAPES:
        n = int(np.prod(shape))
        w = np.float32(_W[:n]).reshape(shape)
        for size in scales:
            grads = [np.float32(size * np.float32(_G[:n]) * f).reshape(shape) for f in (1.0, -0.5, 2.0)[:steps]]
            params, gs = (w, grads) if not tree else _as_tree(w, grads)
            out.append(Case(f"w={show(w)}, g={show([g.reshape(-1) for g in grads], 3)}", (params, gs)))
    return out


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


def _on_reference(step: Callable, op: str, data: Any, hypers: list) -> Any:
    return run_trajectory(step, getattr(numpy_ref, INITS[op]), lambda t: t, lambda t: t, data, hypers)


def _error(op: str, hypers: list) -> Callable[[Any, Any, Case], float]:
    """Scaled ULPs at the last step's term magnitudes (the reference's trajectory supplies them)."""

    def error(got: Any, want: Any, case: Case) -> float:
        params, grads = case.data
        ref = getattr(numpy_ref, op)
        state = getattr(numpy_ref, INITS[op])(params)
        for g, hyper in zip(grads[:-1], hypers):
            params, state = ref(params, g, state, **hyper)
        bound = scale(
            op, (params, grads[-1], state), dict(hypers[len(grads) - 1]), ref(params, grads[-1], state, **hypers[-1])
        )
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

        explanations = {name: (lambda c, _, s=s: _on_reference(s, op, c.data, hypers)) for name, s in variants.items()}
        tol = tolerance(op, "float32", steps=len(hypers))

        def narrow(case: Case, got: Any, want: Any) -> tuple[str, str]:
            return f"{case.label}; {_hyper_text(hypers)}", f"got {show(got)}; reference {show(want)}"

        return classify(case_list, run, explanations, _error(op, hypers), tol, narrow=narrow)

    return probe


def _hyper_text(hypers: list[dict]) -> str:
    """``lr=0.1, momentum=0.9`` (a value that changes per step as ``0.1/0.02/0.05``); masks shown as given."""
    names = dict.fromkeys(k for h in hypers for k in h)
    values = {k: [h.get(k) for h in hypers] for k in names}
    return ", ".join(
        f"{k}={v[0]!r}" if len(set(map(repr, v))) == 1 else f"{k}={'/'.join(map(repr, v))}" for k, v in values.items()
    )


def defaults_probe(op: str) -> Callable[[Any], Finding]:
    """The defaults the framework declares, checked by a step (its default step is its step with them passed
    explicitly, bit for bit) and compared with the reference's."""

    def probe(adapter: Any) -> Finding:
        declared = adapter.defaults(op)
        reference = {
            k: p.default
            for k, p in inspect.signature(getattr(numpy_ref, op)).parameters.items()
            if p.default is not inspect.Parameter.empty and k in adapter.NAMES[op]
        }
        given = {} if "lr" in declared else {"lr": reference.get("lr", 0.1)}
        explicit = {**given, **{k: v for k, v in declared.items() if v is not None}}
        case = cases(3, scales=(1e-5,))[1]
        backend = h.as_backend(adapter)

        def run(hyper: dict) -> Any:
            step, init = getattr(adapter, op), getattr(adapter, INITS[op])
            return run_trajectory(step, init, backend.native, backend.numpy, case.data, [hyper] * 3)

        implicit = run(given)
        if bits_error(implicit, run(explicit)) != 0:
            return Finding(
                DIFFERS,
                "the default step is not the step with the declared defaults",
                smallest=case.label,
                evidence=f"declared {declared}",
            )
        differ = {
            k: (declared[k], v) for k, v in reference.items() if k in declared and not h.same_default(declared[k], v)
        }
        ref_hyper = [{"lr": explicit.get("lr", 0.1)}] * 3
        err = _error(op, ref_hyper)(implicit, _on_reference(getattr(numpy_ref, op), op, case.data, ref_hyper), case)
        observed = "; ".join(f"{k}={d!r} (reference {r!r})" for k, (d, r) in differ.items()) or "the reference's"
        evidence = f"declared {declared}; the default step equals the step with these passed explicitly, bit for bit"
        return Finding(
            DIFFERS if differ else AGREES,
            observed,
            error=f"{err:.3g} ULPs",
            smallest=case.label if differ else "",
            evidence=evidence,
        )

    return probe
