"""Probes of what a compiler changes: dropout compiled (``jax.jit``, ``torch.compile``) against the same call eager,
masks and values, and an optimizer's step compiled (``torch.compile`` of ``step``, ``jax.jit`` of optax's
``update``) against its eager step over a trajectory.

Dropout is compared bit for bit at a dyadic rate (where every formula for the scale agrees) and at two
rates where the formulas part (0.04 and 0.42); where the compiled values differ, the survivors of the
compiled output are classified by :data:`~.probes_survivors.SCALES` on its own mask. A compile costs up to a
few seconds per rate on a CPU, so these three rates stand in for the survivors probe's hundred.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tolerances import tolerance
from . import hypotheses as h
from .compare import Case, bits_error, classify
from .dropping import forward, key, outcome
from .finding import AGREES, DIFFERS, NOT_MEASURED, Finding, digest
from .probes_survivors import SCALES, X, narrow_to_element, where_kept
from .trajectories import cases, error_at_last_step, hyper_text, on_reference

__all__ = ["DROPOUT", "OPTIM", "RATES"]

RATES = (0.5, 0.04, 0.42)
SAME = "compiled = eager, bit for bit"


def dropout(adapter: Any) -> Finding:
    if getattr(adapter, "compiled_dropout", None) is None:
        return Finding(NOT_MEASURED, getattr(adapter, "NOT_COMPILED", "no compiler hook"))
    eager, fast = [], []
    for p in RATES:
        eager.append(forward(adapter, X, p, key(0)))
        kind, y = outcome(lambda p=p: adapter.compiled_dropout(adapter.asarray(X), p, adapter.asarray(key(0))))
        if kind != "ok":  # no C++ compiler for inductor, say: the environment's limit, not the framework's behaviour
            return Finding(NOT_MEASURED, f"the compiler failed here: {kind}: {y}", evidence=adapter.COMPILER)
        fast.append(np.asarray(adapter.to_numpy(y)))
    same_masks = all(((e != 0) == (f != 0)).all() for e, f in zip(eager, fast))
    masks = "the same masks" if same_masks else "other masks"
    if all(bits_error(e, f) == 0 for e, f in zip(eager, fast)):
        return Finding(AGREES, SAME, error="0 ULPs", evidence=f"{adapter.COMPILER}; p in {RATES}", digest=digest(fast))
    formulas = classify(
        [Case(f"p={p}", (None, p)) for p in RATES],
        lambda c: fast[RATES.index(c.data[1])],
        {name: where_kept(f, lambda c: X) for name, f in SCALES.items()},
        lambda g, w, c: bits_error(g, w),
        narrow=narrow_to_element(lambda c: X),
    )
    where = next(i for i, (e, f) in enumerate(zip(eager, fast)) if bits_error(e, f) > 0)
    kept = f"p={RATES[where]}: eager keeps {int((eager[where] != 0).sum())} of {X.size}, compiled "
    kept += f"{int((fast[where] != 0).sum())}" + ("" if same_masks else " (other elements)")
    return Finding(
        DIFFERS,
        f"compiled: {masks}; survivors {formulas.observed}",
        smallest=f"p={RATES[where]}",
        evidence=f"{adapter.COMPILER}; {kept}; compiled survivors, {formulas.evidence}",
        digest=digest(fast),
    )


_HYPER = {
    "sgd_step": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1, "nesterov": True},
    # lr = 1 with the default β: a float32 bias correction shows beyond the tolerance (as in probes_optim)
    "adam_step": {"lr": 1.0, "betas": (0.9, 0.999), "eps": 0.0, "weight_decay": 0.0},
    "adamw_step": {"lr": 1.0, "betas": (0.9, 0.999), "eps": 0.0, "weight_decay": 0.0},
}
_STEPS = 3
EAGER = "compiled = eager, within the tolerance"


def optimizer(op: str) -> Callable[[Any], Finding | None]:
    """``adapter.trajectory(op, params, grads, hyper, compiled)`` — one optimizer over every step — compiled against
    the same eager, and (Adam) against the bias correction formed in float32, as optax and keras form it."""

    def probe(adapter: Any) -> Finding | None:
        if not getattr(adapter, "COMPILER", "") or not hasattr(adapter, "trajectory"):
            return None
        backend, hypers = h.as_backend(adapter), [_HYPER[op]] * _STEPS

        def run(case: Case, compiled: bool) -> Any:
            params, grads = backend.native(case.data[0]), backend.native(case.data[1])
            return backend.numpy(adapter.trajectory(op, params, grads, _HYPER[op], compiled))

        hypotheses: dict[str, Callable[[Case, Any], Any]] = {EAGER: lambda c, _: run(c, False)}
        if op != "sgd_step":
            float32 = "1 − βᵗ formed in float32 from β rounded to float32"
            hypotheses[float32] = lambda c, _: on_reference(h.correction_in_float32, op, c.data, hypers)
        kind, found = outcome(
            lambda: classify(
                cases(_STEPS)[-1:],  # the 2×3 matrix: one compile per optimizer (a compile costs seconds)
                lambda c: run(c, True),
                hypotheses,
                error_at_last_step(op, hypers),
                tolerance(op, "float32", steps=_STEPS),
                narrow=lambda c, g, w: (f"{c.label}; {hyper_text(hypers)}", lambda a: a),
                first_is="eager",
            )
        )
        if kind != "ok":  # no C++ compiler for inductor, say
            return Finding(NOT_MEASURED, f"the compiler failed here: {kind}: {found}", evidence=adapter.COMPILER)
        return dataclasses.replace(found, evidence=f"{adapter.COMPILER}; {found.evidence}")

    return probe


DROPOUT: dict[str, Callable[[Any], Finding]] = {"compiled vs eager (masks and values)": dropout}
OPTIM: dict[str, dict[str, Callable[[Any], Finding | None]]] = {
    op: {"compiled vs eager": optimizer(op)} for op in _HYPER
}
