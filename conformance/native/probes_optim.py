"""Probes of the weight-decay update rules: an optimizer and the reference on the same few-step trajectories, and
which convention (a reference variant, or a formula in :mod:`.hypotheses`) explains its parameters. Each probe
sets the hyperparameters that keep other conventions out of the way (``eps = 0`` where ε placement would
blur coupled against decoupled decay, no momentum where coupling would blur bias decay, dyadic β so that
frameworks that round β to float32 before forming ``1 − βᵗ`` differ only in the probe about that).
Everything is float32; the tolerance is the suite's, per op and step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from numpy_ref.tree import flatten, unflatten

from . import hypotheses as h
from .compare import Case, bits_error, classify
from .dropping import outcome
from .finding import Finding, refusals
from .trajectories import INITS, cases, hyper_text, long_case, run_trajectory, trajectory_probe

__all__ = ["LONG_STEPS", "PROBES"]


def _coupling(op: str) -> dict[str, Callable]:
    base = "adam_step" if op != "sgd_step" else "sgd_step"
    variants = {
        "coupled: λ·w added to the gradient": h.reference(base, decoupled=False),
        "decoupled: w·(1 − lr·λ) before the step": h.reference(base, decoupled=True),
        "decoupled without lr: w·(1 − λ) before the step": h.decoupled_without_lr(base),
        "λ·w added after the lr scaling: w·(1 + λ) − step": h.decay_after(base),
    }
    if op == "adamw_step":  # the reference's convention first
        first = "decoupled: w·(1 − lr·λ) before the step"
        variants = {first: variants[first], **variants}
    return variants


_SGD = {"lr": 0.1, "momentum": 0.9}
_ADAM = {"lr": 0.01, "eps": 0.0, "betas": (0.5, 0.75)}
_DECAY = {"sgd_step": {**_SGD, "weight_decay": 0.1}, "adam_step": {**_ADAM, "weight_decay": 0.1}}
_DECAY["adamw_step"] = _DECAY["adam_step"]
_BIAS = {"sgd_step": {"lr": 0.1, "weight_decay": 0.1}, "adamw_step": {**_ADAM, "lr": 0.1, "weight_decay": 0.1}}
LONG_STEPS = 20
#: 20 steps with weight decay (and momentum), the learning rate halved every 5 steps (a step schedule).
_LONG = {
    "sgd_step": {"momentum": 0.9, "weight_decay": 0.01},
    "adam_step": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01},
    "adamw_step": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01},
}
_VELOCITY = {"outside: w −= lr·b": h.reference("sgd_step"), "inside: m = μ·m − lr·g; w += m": h.velocity}


def _bias(op: str, mask: bool) -> Callable[[Any], Finding]:
    hyper = {**_BIAS[op], **({"decay_mask": {"b": False, "w": True}} if mask else {})}
    ref = h.reference(op)
    if mask:
        variants = {"spared leaves not decayed": ref, "the mask is ignored": h.reference(op, decay_mask=None)}
    else:
        variants = {
            "every leaf decayed, 1-D (biases) too": ref,
            "1-D leaves not decayed": h.reference(op, decay_mask=lambda w: w.ndim > 1),
        }
    return trajectory_probe(op, [hyper] * 2, variants, cases(2, tree=True))


def _without_gradient(op: str) -> Callable[[Any], Finding]:
    """A leaf (``b``) whose gradient is ``None`` at steps 2 and 3, against the implementation's own runs: the same
    steps with a zero gradient there, and ``b`` as it was after step 1. JAX has no missing gradient (``jax.grad``
    gives zeros for a leaf the loss does not use), so the JAX adapters and the reference turn ``None`` into zeros."""
    hyper = [{**_DECAY[op], "lr": 0.1}] * 3

    def probe(adapter: Any) -> Finding:
        backend = h.as_backend(adapter)

        def run(data: Any, steps: int = 3) -> Any:
            step, init = getattr(adapter, op), getattr(adapter, INITS[op])
            return run_trajectory(step, init, backend.native, backend.numpy, (data[0], data[1][:steps]), hyper)

        def as_zeros(case: Case, got: Any) -> Any:
            params, grads = case.data
            zeros = [
                unflatten(
                    flatten(g)[1],
                    [np.zeros_like(w) if x is None else x for w, x in zip(flatten(params)[0], flatten(g)[0])],
                )
                for g in grads
            ]
            return run((params, zeros))

        def skipped(case: Case, got: Any) -> Any:
            return {**got, "b": run(case.data, steps=1)["b"]}

        hypotheses = {
            "a zero gradient: decayed (and moved by its momentum)": as_zeros,
            "skipped: left as it was, no decay, no momentum": skipped,
        }
        ((params, grads),) = [c.data for c in cases(3, tree=True)]
        missing = [grads[0], *({**g, "b": None} for g in grads[1:])]
        case = Case("{b: (2,), w: (2, 2)}, b without a gradient at steps 2 and 3", (params, missing))
        return classify(
            [case],
            lambda c: run(c.data),
            hypotheses,
            lambda g, w, c: bits_error(g, w),
            narrow=lambda c, g, w: (f"{c.label}; {hyper_text(hyper)}, leaf b", lambda a: a["b"]),
        )

    return probe


def _nesterov_without_momentum(adapter: Any) -> Finding:
    """Nesterov needs momentum and no dampening: which of the two bad settings the API refuses, and how."""
    w, parts, backend = np.float32([1.0, -2.0]), [], h.as_backend(adapter)

    def step(hyper: dict) -> Any:
        return run_trajectory(adapter.sgd_step, adapter.sgd_init, backend.native, backend.numpy, (w, [w]), [hyper])

    for label, bad in (("momentum=0", {"momentum": 0.0}), ("dampening=0.5", {"momentum": 0.9, "dampening": 0.5})):
        hyper = {"lr": 0.1, "nesterov": True, **bad}
        if any(name not in adapter.NAMES["sgd_step"] for name in hyper):
            continue  # no dampening to set
        kind, _ = outcome(lambda hyper=hyper: step(hyper))
        parts.append(f"nesterov with {label}: {kind if kind != 'ok' else 'no error, a step'}")
    return refusals(parts, "w=[1, -2], g=[1, -2], lr=0.1")


#: op → behaviour → probe(adapter) -> Finding.
PROBES: dict[str, dict[str, Callable[[Any], Finding]]] = {
    op: {"coupled or decoupled decay": trajectory_probe(op, [_DECAY[op]] * 3, _coupling(op), cases(3))} for op in INITS
}
PROBES["sgd_step"].update(
    {
        "dampening at the first step": trajectory_probe(
            "sgd_step",
            [{**_SGD, "dampening": 0.5}] * 2,
            {
                "buffer = d at step 1, no dampening": h.reference("sgd_step"),
                "dampening at step 1 too": h.dampened_first,
            },
            cases(2),
        ),
        "lr inside or outside the velocity": trajectory_probe(
            "sgd_step", [{**_SGD, "lr": lr} for lr in (0.1, 0.02, 0.05)], _VELOCITY, cases(3)
        ),
        "lr inside or outside the velocity, constant lr": trajectory_probe("sgd_step", [_SGD] * 3, _VELOCITY, cases(3)),
        "nesterov": trajectory_probe(
            "sgd_step",
            [{**_SGD, "nesterov": True}] * 3,
            {"w −= lr·(d + μ·b)": h.reference("sgd_step"), "plain momentum": h.reference("sgd_step", nesterov=False)},
            cases(3),
        ),
        "nesterov without momentum, or with dampening": _nesterov_without_momentum,
    }
)
for _op in ("adam_step", "adamw_step"):
    PROBES[_op]["ε placement"] = trajectory_probe(
        _op,
        [{**_ADAM, "lr": 0.1, "eps": 1e-8, "weight_decay": 0.0}] * 3,
        {
            "ε added to √v̂, after the bias correction": h.reference(_op),
            "ε added to √v, correction folded into lr": h.eps_on_sqrt_v,
        },
        cases(3, scales=(1.0, 1e-3, 1e-6)),
    )
    PROBES[_op]["bias correction with β₂ = 0.999"] = trajectory_probe(
        _op,
        [{"lr": 1.0, "eps": 0.0, "betas": (0.9, 0.999), "weight_decay": 0.0}] * 3,
        {
            "1 − βᵗ from the exact β, rounded once": h.reference(_op),
            "1 − βᵗ formed in float32 from β rounded to float32": h.correction_in_float32,
        },
        cases(3),
    )
    PROBES[_op]["amsgrad"] = trajectory_probe(
        _op,
        [{**_ADAM, "lr": 0.1, "weight_decay": 0.0, "amsgrad": True}] * 3,
        {
            "running maximum of v, then bias-corrected": h.reference(_op),
            "running maximum of the bias-corrected v̂": h.max_of_v_hat,
            "no maximum: amsgrad ignored": h.reference(_op, amsgrad=False),
        },
        cases(3, factors=(1.0, 0.01, -0.01)),
    )
for _op in ("sgd_step", "adamw_step"):
    PROBES[_op]["decay of 1-D leaves (biases)"] = _bias(_op, mask=False)
    PROBES[_op]["decay mask"] = _bias(_op, mask=True)
_INF = [
    Case("w=[inf], g=[1]", (np.float32([np.inf]), [np.float32([1.0])])),
    Case("w=[inf, -inf, 1], g=[1, 1, 1]", (np.float32([np.inf, -np.inf, 1.0]), [np.float32([1.0, 1.0, 1.0])])),
]
for _op, _hyper in (("sgd_step", {"lr": 0.1, "weight_decay": 0.0}), ("adam_step", {**_ADAM, "weight_decay": 0.0})):
    PROBES[_op]["infinite weight with weight_decay = 0"] = trajectory_probe(
        _op,
        [_hyper],
        {"λ = 0 skipped: inf stays inf": h.reference(_op), "λ·w formed anyway: 0·inf = NaN": h.nan_where_infinite(_op)},
        _INF,
    )
for _op in INITS:
    PROBES[_op]["a leaf without a gradient"] = _without_gradient(_op)
    PROBES[_op][f"{LONG_STEPS} steps, lr halved every 5"] = trajectory_probe(
        _op,
        [{**_LONG[_op], "lr": 0.1 / 2 ** (t // 5)} for t in range(LONG_STEPS)],
        {"the reference's update": h.reference(_op)},
        [long_case(LONG_STEPS)],
    )
