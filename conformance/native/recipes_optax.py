"""Recipes in optax: torch's (and keras's) optimizers as optax transformations.

Each snippet returns an optax ``GradientTransformation`` and takes the learning rate as an optax schedule (a number
or a function of the step count). A recipe's ``usage`` line is executed as written, with the snippets, ``optax`` and
``jax`` in scope, and :func:`run` drives the transformation over a trajectory the way a training loop does
(``update`` then ``apply_updates``, one state throughout). What stock optax gives in a recipe's place is measured in
``STOCK``, which the notes quote.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..tolerances import tolerance
from . import hypotheses as h
from . import recipe_measures as measures
from .compare import Case
from .dropping import outcome
from .finding import AGREES, DIFFERS, Finding, digest, refusals
from .recipe import EVERY, STEPS, Recipe, Recipes, mlp_trajectory, optimizer_recipe
from .trajectories import error_at_last_step, on_reference

__all__ = ["RECIPES", "STEP_LR", "STOCK", "TORCH_DEFAULTS", "run", "usage_scope"]


def torch_sgd(learning_rate=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """torch.optim.SGD in optax: the decay is added to the gradient before the momentum (coupled:
    add_decayed_weights chained before the trace), the first step copies the gradient into the buffer and later ones
    dampen it by 1 − τ, and the learning rate multiplies the buffer (a schedule acts on the step, not on what the
    buffer remembers) — optax.sgd's trace. torch's defaults, and torch's errors: nesterov needs a momentum and no
    dampening (optax.sgd(nesterov=True) without momentum takes a plain step)."""
    import jax.numpy as jnp
    import optax

    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
    dampen = optax.scale_by_schedule(lambda count: jnp.where(count == 0, 1.0, 1.0 - dampening))
    return optax.chain(
        optax.add_decayed_weights(weight_decay),
        *([dampen] if momentum and dampening else []),
        optax.sgd(learning_rate, momentum=momentum or None, nesterov=nesterov),
    )


def scale_by_torch_adam(betas=(0.9, 0.999), eps=1e-8, amsgrad=False):
    """optax.scale_by_adam as torch.optim.Adam computes it: m̂/(√v̂ + ε) with the bias corrections 1 − βᵗ formed
    accurately — as −expm1(t·log β), log β taken in float64 on the host — where optax forms β**t in float32 from β
    rounded to float32 (1.3e-5 off for β₂ = 0.999 at the first step); with amsgrad, the running maximum of v, then
    bias-corrected (optax.amsgrad keeps the maximum of the bias-corrected v̂)."""
    import math

    import jax
    import jax.numpy as jnp
    import optax

    (b1, b2), log_b1, log_b2 = betas, math.log(betas[0]), math.log(betas[1])

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return jnp.zeros([], jnp.int32), zeros, zeros, zeros

    def update(grads, state, params=None):
        count, m, v, v_max = state
        t = (count + 1).astype(jnp.float32)
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * (g * g), v, grads)
        v_max = jax.tree.map(jnp.maximum, v_max, v) if amsgrad else v_max
        c1, c2 = -jnp.expm1(t * log_b1), -jnp.expm1(t * log_b2)
        step = jax.tree.map(lambda m, v: (m / c1) / (jnp.sqrt(v / c2) + eps), m, v_max if amsgrad else v)
        return step, (count + 1, m, v, v_max)

    return optax.GradientTransformation(init, update)


def torch_adam(learning_rate=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    """torch.optim.Adam in optax: coupled L2 — λ·w joins the gradient before the moments (add_decayed_weights chained
    first) — and torch's Adam rule (scale_by_torch_adam)."""
    import optax

    return optax.chain(
        optax.add_decayed_weights(weight_decay),
        scale_by_torch_adam(betas, eps, amsgrad),
        optax.scale_by_learning_rate(learning_rate),
    )


def torch_adamw(learning_rate=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, mask=None):
    """torch.optim.AdamW in optax: optax.adamw's chain — the decay added after the Adam step, both multiplied by the
    learning rate — around torch's Adam rule (scale_by_torch_adam), with torch's default weight_decay=0.01. ``mask``
    as optax.adamw's: True where a leaf is decayed (biases spared, as torch users spare them with a parameter group
    with weight_decay=0)."""
    import optax

    return optax.chain(
        scale_by_torch_adam(betas, eps, amsgrad),
        optax.add_decayed_weights(weight_decay, mask),
        optax.scale_by_learning_rate(learning_rate),
    )


def skip_missing_gradients(inner):
    """torch.optim's rule for a parameter whose .grad is None (frozen, or unused in this step): skipped — no decay,
    no momentum, its state as it was, its step count not advanced. jax.grad never gives None: mark such a leaf None
    in the gradients. Each leaf keeps its own state of ``inner`` (torch keeps one per parameter), so ``inner`` is the
    per-parameter part of the optimizer; chain the learning rate after this (a schedule counts the optimizer's steps,
    as torch's StepLR does). optax itself decays such a leaf and moves it by its momentum, as for a zero gradient."""
    import jax
    import jax.numpy as jnp
    import optax

    def init(params):
        return [inner.init(w) for w in jax.tree.leaves(params)]

    def update(grads, states, params):
        leaves, treedef = jax.tree.flatten(params)
        out = [
            (jnp.zeros_like(w), s) if g is None else inner.update(g, s, w)
            for g, s, w in zip(treedef.flatten_up_to(grads), states, leaves)
        ]
        return treedef.unflatten([u for u, _ in out]), [s for _, s in out]

    return optax.GradientTransformation(init, update)


def torch_defaults():
    """optax with torch.optim's defaults spelled out: optax has no default learning rate (torch: 1e-3 for SGD, Adam
    and AdamW) and optax.adamw decays by 1e-4 unless told (torch's AdamW: 0.01). ε = 1e-8 and β = (0.9, 0.999)
    agree."""
    import optax

    return {
        "SGD": optax.sgd(1e-3),
        "Adam": optax.adam(1e-3),
        "AdamW": optax.adamw(1e-3, weight_decay=1e-2),
    }


def keras_sgd(learning_rate=0.01, momentum=0.0, weight_decay=None):
    """keras.optimizers.SGD in optax: the learning rate inside the velocity, m = μ·m − lr·g, w += m
    (scale_by_learning_rate before the trace: a new lr reaches the step only as the velocity renews), and the
    decay decoupled, w·λ·lr taken off outside the velocity at the scheduled lr. keras's defaults."""
    import jax
    import jax.numpy as jnp
    import optax

    def init(params):
        return jnp.zeros([], jnp.int32)

    def decay(updates, count, params):
        lr = learning_rate(count) if callable(learning_rate) else learning_rate
        if weight_decay:
            updates = jax.tree.map(lambda u, w: u - w * weight_decay * lr, updates, params)
        return updates, count + 1

    return optax.chain(
        optax.scale_by_learning_rate(learning_rate),
        optax.trace(momentum),
        optax.GradientTransformation(init, decay),
    )


def run(tx: Any, params: dict, grads: list[dict]) -> list[dict]:
    """``tx`` over ``grads`` from ``params`` (a ``None`` gradient passed as ``None``): the parameters after each
    step, as NumPy."""
    import jax.numpy as jnp
    import optax

    p = {k: jnp.asarray(v) for k, v in params.items()}
    state, out = tx.init(p), []
    for g in grads:
        updates, state = tx.update({k: None if v is None else jnp.asarray(v) for k, v in g.items()}, state, p)
        p = optax.apply_updates(p, updates)
        out.append({k: np.asarray(v) for k, v in p.items()})
    return out


def usage_scope() -> dict[str, Any]:
    """What a usage line sees: ``optax``, ``jax`` and every snippet of this module."""
    import jax
    import optax

    snippets = (torch_sgd, scale_by_torch_adam, torch_adam, torch_adamw, skip_missing_gradients, keras_sgd)
    return {"optax": optax, "jax": jax, **{f.__name__: f for f in snippets}}


def _usage(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
    """An ``optimizer_recipe`` run: the transformation the recipe's usage line builds, over ``grads``."""
    return run(measures.from_usage(recipe, "tx", **usage_scope()), params, grads)


#: torch's ``StepLR(step_size=EVERY, gamma=0.5)`` in optax, ``{lr0}`` to fill in.
STEP_LR = f"optax.exponential_decay({{lr0}}, transition_steps={EVERY}, decay_rate=0.5, staircase=True)"
_KERNELS = "lambda params: jax.tree.map(lambda w: w.ndim > 1, params)"  # decay kernels, spare biases
_SGD = {"momentum": 0.9, "weight_decay": 5e-4}
_ADAM = {"weight_decay": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}
#: How each optimizer is built per parameter for the missing-gradient measurement: (op, hyper, lr0, inner, spare).
_SKIPPED = {
    "SGD": ("sgd_step", _SGD, 0.1, "optax.chain(optax.add_decayed_weights(5e-4), optax.trace(0.9))", False),
    "Adam": ("adam_step", _ADAM, 0.01, "optax.chain(optax.add_decayed_weights(0.01), scale_by_torch_adam())", False),
    "AdamW": (
        "adamw_step",
        _ADAM,
        0.01,
        f"optax.chain(scale_by_torch_adam(), optax.add_decayed_weights(0.01, {_KERNELS}))",
        True,
    ),
}


def _skipping(name: str) -> Any:
    op, hyper, lr0, inner, spare = _SKIPPED[name]
    line = f"tx = optax.chain(skip_missing_gradients({inner}), optax.scale_by_learning_rate({STEP_LR.format(lr0=lr0)}))"

    def go(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
        tx = measures.from_usage(dataclasses.replace(recipe, usage=line), "tx", **usage_scope())
        return run(tx, params, [measures.missing_at(t, g) for t, g in enumerate(grads)])

    target = f"torch's {name}, {measures.MISSING} skipped at every second step"
    return optimizer_recipe(op, hyper, measures.skipped(op), target, go, lr0=lr0, spare_biases=spare)


#: torch.optim's defaults (its constructors' signatures: tests/test_recipes_optax.py reads them), as reference steps.
TORCH_DEFAULTS = {
    "SGD": ("sgd_step", {"lr": 1e-3}),
    "Adam": ("adam_step", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}),
    "AdamW": ("adamw_step", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2}),
}


def _defaults_measured(recipe: Recipe) -> Finding:
    """Each transformation over :data:`STEPS` steps against the reference's step with torch's defaults, every step
    within the tolerance."""
    txs, (params, grads), seen, worst = recipe.code(), mlp_trajectory(), [], 0.0
    for name, (op, hyper) in TORCH_DEFAULTS.items():
        got = run(txs[name], params, grads)
        for t in range(STEPS):
            data, hypers, tol = (params, grads[: t + 1]), [hyper] * (t + 1), tolerance(op, "float32", steps=t + 1)
            want = on_reference(h.reference(op), op, data, hypers)
            err = error_at_last_step(op, hypers)(got[t], want, Case(f"step {t + 1}", data))
            if err > tol:
                evidence = f"{name}, step {t + 1}: {err:.3g} ULPs > {tol:.3g}"
                return Finding(
                    DIFFERS,
                    f"not torch's {name} with its defaults",
                    error=f"{err / tol:.3g}× the tolerance",
                    evidence=evidence,
                )
            worst = max(worst, err / tol)
        seen.append(got)
    observed = "torch.optim's defaults: SGD, Adam, AdamW, within the tolerance"
    evidence = f"{STEPS} steps each, against the reference with " + "; ".join(
        f"{n}: {', '.join(f'{k}={v}' for k, v in hy.items())}" for n, (_, hy) in TORCH_DEFAULTS.items()
    )
    return Finding(
        AGREES, observed, error=f"at most {worst:.2g}× the tolerance", evidence=evidence, digest=digest(seen)
    )


def _nesterov_refusals(recipe: Recipe) -> Finding:
    """torch's refusals: nesterov without momentum, or with dampening, is a ValueError before any step."""
    parts = []
    for label, bad in (("momentum=0", {"momentum": 0.0}), ("dampening=0.5", {"momentum": 0.9, "dampening": 0.5})):
        kind, _ = outcome(lambda bad=bad: recipe.code(0.1, nesterov=True, **bad))
        parts.append(f"nesterov with {label}: {kind if kind != 'ok' else 'no error, a transformation'}")
    return refusals(parts, "torch_sgd(0.1, nesterov=True, …)", "torch.optim.SGD raises ValueError for each")


#: stock optax in a recipe's place, measured against the recipe's target: ``slug → (usage line, error, first
#: step past the tolerance)``. The notes quote these; tests/test_recipes_optax.py measures them again.
STOCK = {
    "optax-torch-adamw-biases": (
        f"tx = optax.adamw({STEP_LR.format(lr0=0.01)}, weight_decay=0.01, mask={_KERNELS})",
        "2.81× the tolerance",
        "step 1: 18 ULPs > 8",
    ),
    "optax-torch-adam-amsgrad": (
        f"tx = optax.chain(optax.add_decayed_weights(0.01), optax.amsgrad({STEP_LR.format(lr0=0.01)}))",
        "1.62e+04× the tolerance",
        "step 1: 18 ULPs > 8",
    ),
}


def _note(slug: str, why: str) -> str:
    line, error, first = STOCK[slug]
    return f"{why} Measured: `{line}` is {error} away from the target ({first})."


RECIPES = Recipes(
    [
        Recipe(
            "optax-torch-sgd",
            "torch's SGD(momentum=0.9, weight_decay=5e-4) with StepLR, in optax",
            "torch",
            "optax",
            "torch optim.SGD + lr_scheduler.StepLR",
            ("SGD · coupled or decoupled decay", "SGD · lr inside or outside the velocity"),
            torch_sgd,
            optimizer_recipe("sgd_step", _SGD, h.reference("sgd_step"), "torch's SGD", _usage, lr0=0.1),
            usage=f"tx = torch_sgd({STEP_LR.format(lr0=0.1)}, momentum=0.9, weight_decay=5e-4)",
        ),
        Recipe(
            "optax-torch-sgd-nesterov",
            "torch's refusal of nesterov without momentum, or with dampening, in optax",
            "torch",
            "optax",
            "torch optim.SGD(nesterov=True) raising ValueError unless momentum > 0 and dampening = 0",
            ("SGD · nesterov without momentum, or with dampening",),
            torch_sgd,
            _nesterov_refusals,
            usage="tx = torch_sgd(0.1, momentum=0.9, nesterov=True)",
            note="optax.sgd(learning_rate, nesterov=True) without momentum takes a plain step; optax has no dampening "
            "(torch_sgd forms it with scale_by_schedule).",
        ),
        Recipe(
            "optax-torch-adamw-biases",
            "torch's AdamW with no decay on biases, in optax",
            "torch",
            "optax",
            "torch optim.AdamW, biases in a parameter group with weight_decay=0",
            ("AdamW · decay of 1-D leaves (biases)", "AdamW · bias correction with β₂ = 0.999"),
            torch_adamw,
            optimizer_recipe(
                "adamw_step", _ADAM, h.reference("adamw_step"), "torch's AdamW", _usage, lr0=0.01, spare_biases=True
            ),
            usage=f"tx = torch_adamw({STEP_LR.format(lr0=0.01)}, weight_decay=0.01, mask={_KERNELS})",
            note=_note(
                "optax-torch-adamw-biases",
                "optax.adamw spares the biases with its mask as torch's parameter groups do, but forms 1 − β₂ᵗ in "
                "float32 from β₂ rounded to float32: 1.3e-5 relative at the first step.",
            ),
        ),
        Recipe(
            "optax-torch-adam-amsgrad",
            "torch's Adam(weight_decay=0.01, amsgrad=True), in optax",
            "torch",
            "optax",
            "torch optim.Adam with weight_decay and amsgrad",
            ("Adam · amsgrad", "Adam · bias correction with β₂ = 0.999", "Adam · coupled or decoupled decay"),
            torch_adam,
            optimizer_recipe(
                "adam_step", {**_ADAM, "amsgrad": True}, h.reference("adam_step"), "torch's Adam", _usage, lr0=0.01
            ),
            usage=f"tx = torch_adam({STEP_LR.format(lr0=0.01)}, weight_decay=0.01, amsgrad=True)",
            note=_note(
                "optax-torch-adam-amsgrad",
                "optax.amsgrad keeps the running maximum of the bias-corrected v̂, torch the maximum of v (bias-"
                "corrected after); and it forms 1 − βᵗ in float32.",
            ),
        ),
        Recipe(
            "optax-skip-missing-gradients",
            "torch's skipping of a parameter without a gradient, in optax",
            "torch",
            "optax",
            "torch optim.SGD/Adam/AdamW with p.grad None: the parameter and its state left as they were",
            (
                "SGD · a leaf without a gradient",
                "Adam · a leaf without a gradient",
                "AdamW · a leaf without a gradient",
            ),
            skip_missing_gradients,
            measures.all_of(*(_skipping(name) for name in _SKIPPED)),
            usage=f"tx = optax.chain(skip_missing_gradients({_SKIPPED['AdamW'][3]}), "
            f"optax.scale_by_learning_rate({STEP_LR.format(lr0=0.01)}))",
            note=f"Measured for SGD(momentum=0.9, weight_decay=5e-4), Adam(weight_decay=0.01) and AdamW with the "
            f"biases spared (inner transformations as in the usage line), {measures.MISSING} without a gradient at "
            "every second step, against the reference run per parameter with that parameter skipped.",
        ),
        Recipe(
            "optax-torch-defaults",
            "torch.optim's defaults, in optax",
            "torch",
            "optax",
            "torch optim.SGD/Adam/AdamW with nothing passed",
            ("SGD · default lr", "Adam · default lr", "AdamW · default lr", "AdamW · default weight_decay"),
            torch_defaults,
            _defaults_measured,
            usage="txs = torch_defaults()",
            note="Only the defaults: optax.adam and optax.adamw still form 1 − βᵗ in float32 (within the tolerance "
            "at lr = 1e-3; recipes optax-torch-adamw-biases and optax-torch-adam-amsgrad are exact at any lr).",
        ),
        Recipe(
            "optax-keras-sgd",
            "keras's SGD(momentum=0.9, weight_decay=5e-4) with a step schedule, in optax",
            "keras",
            "optax",
            "keras optimizers.SGD: lr inside the velocity, decoupled decay",
            ("SGD · lr inside or outside the velocity", "SGD · coupled or decoupled decay"),
            keras_sgd,
            optimizer_recipe("sgd_step", _SGD, measures.keras_sgd, "keras's SGD", _usage, lr0=0.1),
            usage=f"tx = keras_sgd({STEP_LR.format(lr0=0.1)}, momentum=0.9, weight_decay=5e-4)",
        ),
    ]
)
