"""What the report says about each behaviour besides its measurements: the section it belongs to, the condition
under which a user meets a difference in it, and the conventions (C1–C13 of the README) it measures.

Sections: ``api`` (what a framework's own API does: the headline draws on these), ``keys`` (where masks
come from and how keys are derived: facts for reproducing a mask, not differences in values) and
``trajectory`` (long runs, where the implementations of one convention part by their rounding). User-built
compositions are not a section but a kind of implementation (:data:`.finding.KINDS`), shown apart.
"""

from __future__ import annotations

__all__ = ["CONDITIONS", "CONVENTIONS", "SECTIONS", "condition", "section"]

SECTIONS = {
    **dict.fromkeys(
        (
            "mask replays the reference's key",
            "mask statistics",
            "same key, same mask",
            "keys without an explicit key",
            "CPU vs GPU masks",
        ),
        "keys",
    ),
    "20 steps, lr halved every 5": "trajectory",
}

_RATES = "for rates whose 1/(1 − p) rounds differently once and twice (p = 0.04, 0.42, …)"
#: behaviour → when a user meets it (for the ``default …`` rows: when the hyperparameter is not passed).
CONDITIONS = {
    "coupled or decoupled decay": "with weight_decay > 0",
    "dampening at the first step": "with dampening > 0, at the first step",
    "lr inside or outside the velocity": "with momentum, only when lr changes between steps (a schedule)",
    "lr inside or outside the velocity, constant lr": "with momentum and a constant lr: the control of the row above",
    "nesterov": "with nesterov=True",
    "nesterov without momentum, or with dampening": "nesterov=True with momentum = 0, or with dampening > 0",
    "ε placement": "when ε is not negligible beside √v̂ (gradients of 1e-4 and less)",
    "bias correction with β₂ = 0.999": "with a β that float32 does not represent (0.999, the default): ~1e-5 relative",
    "amsgrad": "with amsgrad=True, once the gradients shrink",
    "decay of 1-D leaves (biases)": "with weight_decay > 0 on biases and norms",
    "decay mask": "with a decay mask (parameter groups in torch)",
    "infinite weight with weight_decay = 0": "when a weight is ±inf (a diverged run), weight_decay = 0",
    "a leaf without a gradient": "for a parameter that gets no gradient in a step (frozen, unused), "
    "with weight_decay > 0 or momentum",
    "compiled vs eager": "under torch.compile or jax.jit of a step; Adam's with a β that float32 does not represent "
    "(0.999, the default)",
    "decoupled_weight_decay=True": "with decoupled_weight_decay=True and weight_decay > 0",
    "factor ½ in the penalty": "always: `L2(l)` is `l·Σw²`",
    "autodiff gradient of the penalty": "always",
    "negative or non-finite λ": "λ < 0, NaN or inf",
    "survivors, float32": _RATES,
    "survivors, float16": "float16 input",
    "survivors, bfloat16": "bfloat16 input",
    "survivors, float64": "float64 input",
    "output dtype": "float16, bfloat16 or float64 input",
    "p = 0": "p = 0 in training",
    "p = 0, aliasing": "p = 0 in training, mutable arrays (torch): writing into the output writes into x",
    "p = 1": "p = 1",
    "dropped inf, NaN, −0.0 and negatives": "when a dropped element is ±inf, NaN, negative or −0.0",
    "out-of-range rates": "p < 0, p > 1 or NaN",
    "evaluation mode (training=False)": "training=False",
    "evaluation mode, aliasing": "training=False, mutable arrays (torch)",
    "autodiff gradient": _RATES + "; a dropped element's gradient for dy < 0",
    "gradient at p = 1": "p = 1",
    "compiled vs eager (masks and values)": "under jax.jit or torch.compile, " + _RATES,
    "shared axes (broadcast_dims, channels)": "broadcast_dims / noise_shape / channel dropout",
    "dropout2d on a 3-D input": "dropout2d on a 3-D input",
}


def section(behaviour: str) -> str:
    return SECTIONS.get(behaviour, "api")


def condition(behaviour: str) -> str:
    if behaviour.startswith("default "):
        return f"when {behaviour.removeprefix('default ')} is not passed"
    return CONDITIONS.get(behaviour, "")


_BOTH_ADAMS = ("Adam", "AdamW")
_DROPOUT = "dropout"
#: convention → (what the reference does, the rows that measure it as (topic, behaviour)).
CONVENTIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "C1": (
        "L2 penalty `λ/2·Σ‖w‖²` over the leaves the mask selects; gradient `λw`",
        (("L2 penalty", "factor ½ in the penalty"), ("L2 penalty", "autodiff gradient of the penalty")),
    ),
    "C2": (
        "coupled decay: `d = (−g if maximize else g) + λw`, before momentum or moments",
        (("SGD", "coupled or decoupled decay"), ("Adam", "coupled or decoupled decay")),
    ),
    "C3": (
        "decoupled decay: `w ← w·(1 − lr·λ)` before the step — λ multiplied by lr, not by the schedule factor "
        "η_t as in the AdamW paper (Loshchilov & Hutter, Alg. 2)",
        (
            ("AdamW", "coupled or decoupled decay"),
            ("NAdam", "decoupled_weight_decay=True"),
            ("RAdam", "decoupled_weight_decay=True"),
        ),
    ),
    "C4": (
        "SGD momentum: the first step sets `b = d` (no dampening), later `b = μb + (1 − τ)d`; nesterov uses "
        "`d + μb`; `w ← w − lr·(…)`; nesterov needs μ > 0 and τ = 0",
        (
            ("SGD", "dampening at the first step"),
            ("SGD", "lr inside or outside the velocity"),
            ("SGD", "nesterov"),
            ("SGD", "nesterov without momentum, or with dampening"),
        ),
    ),
    "C5": (
        "Adam: `w ← w − lr·m̂/(√v̂ + ε)`, `m̂ = m/(1 − β1^t)`, `v̂ = v/(1 − β2^t)` with `1 − β^t` from the exact β; "
        "amsgrad keeps the running maximum of `v` and bias-corrects it",
        tuple(
            (topic, behaviour)
            for behaviour in ("ε placement", "bias correction with β₂ = 0.999", "amsgrad")
            for topic in _BOTH_ADAMS
        ),
    ),
    "C6": (
        "leaves where `decay_mask` is False get no decay of either kind; every other leaf is decayed, biases "
        "too; a leaf without a gradient is a zero gradient (decayed, moved by its momentum)",
        (
            ("SGD", "decay mask"),
            ("AdamW", "decay mask"),
            ("SGD", "decay of 1-D leaves (biases)"),
            ("AdamW", "decay of 1-D leaves (biases)"),
            ("SGD", "a leaf without a gradient"),
            ("Adam", "a leaf without a gradient"),
            ("AdamW", "a leaf without a gradient"),
        ),
    ),
    "C7": (
        "dropout: `p` = drop probability; `keep = bernoulli(key, 1 − p, mask_shape)`; `y = where(keep, x·s, +0.0)`, "
        "`s = fl(1/fl(1 − p))` (`1 − p` rounded to the computation dtype — float32 for ≤ 32-bit floats, float64 "
        "for float64 — its reciprocal rounded there again), `x·s` rounded to `x.dtype`; dropped elements are "
        "`+0.0` even for inf/NaN; `p = 1` gives zeros and a zero gradient",
        tuple(
            (_DROPOUT, b)
            for b in (
                "survivors, float32",
                "survivors, float16",
                "survivors, bfloat16",
                "survivors, float64",
                "dropped inf, NaN, −0.0 and negatives",
                "p = 1",
                "autodiff gradient",
                "gradient at p = 1",
                "compiled vs eager (masks and values)",
            )
        ),
    ),
    "C8": (
        "`training=False` returns `x` itself",
        ((_DROPOUT, "evaluation mode (training=False)"), (_DROPOUT, "evaluation mode, aliasing")),
    ),
    "C9": (
        "`broadcast_dims`: the mask is drawn with those axes set to 1, then broadcast",
        ((_DROPOUT, "shared axes (broadcast_dims, channels)"),),
    ),
    "C10": (
        "keys and streams: Threefry-2x32 in JAX's default layout; raw `uint32[2]` keys; a mask is a function of "
        "the key alone",
        ((_DROPOUT, "mask replays the reference's key"), (_DROPOUT, "same key, same mask")),
    ),
    "C11": (
        "dtypes float16, bfloat16, float32, float64, the output in the input's dtype; int/bool/complex raise "
        "TypeError; optimizer state has its parameter's dtype; the L2 penalty is accumulated in float64",
        ((_DROPOUT, "output dtype"),),
    ),
    "C12": (
        "nothing writes into its inputs; no output aliases an input except C8 (so `p = 0` in training returns a "
        "new array)",
        ((_DROPOUT, "p = 0"), (_DROPOUT, "p = 0, aliasing")),
    ),
    "C13": (
        "bad values raise ValueError and bad types TypeError, naming the argument and the value — the same class "
        "on every backend",
        (
            (_DROPOUT, "out-of-range rates"),
            ("L2 penalty", "negative or non-finite λ"),
            ("SGD", "nesterov without momentum, or with dampening"),
        ),
    ),
}
