"""Recipes in optax: torch's (and keras's) optimizers as optax transformations.

Each snippet takes the learning rate as an optax schedule (a number or a function of the step count);
:func:`run` drives a snippet's transformation over a trajectory the way a training loop does
(``update`` then ``apply_updates``, one state throughout).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import hypotheses as h
from .recipe import EVERY, Recipe, Recipes, optimizer_recipe

__all__ = ["RECIPES", "run", "schedule"]


def torch_sgd(learning_rate, momentum=0.9, weight_decay=5e-4):
    """torch.optim.SGD(lr, momentum, weight_decay): the decay is added to the gradient before the momentum
    (coupled), and the learning rate multiplies the momentum buffer (a schedule acts on the step, not on
    what the buffer remembers) — optax.sgd's trace, with add_decayed_weights chained *before* it."""
    import optax

    return optax.chain(
        optax.add_decayed_weights(weight_decay),
        optax.sgd(learning_rate, momentum=momentum),
    )


def torch_adamw_biases_spared(learning_rate, weight_decay=0.01, betas=(0.9, 0.999), eps=1e-8):
    """torch.optim.AdamW with two parameter groups, the biases without decay: optax.adamw's mask, True where a
    leaf is decayed (here every leaf of two or more dimensions: kernels, not biases or norm scales)."""
    import jax
    import optax

    def decayed(params):
        return jax.tree.map(lambda w: w.ndim > 1, params)

    return optax.adamw(learning_rate, b1=betas[0], b2=betas[1], eps=eps, weight_decay=weight_decay, mask=decayed)


def schedule(lr0: float, every: int = EVERY) -> Any:
    """torch's ``StepLR(step_size=every, gamma=0.5)`` as an optax schedule."""
    import optax

    return optax.exponential_decay(lr0, transition_steps=every, decay_rate=0.5, staircase=True)


def run(tx: Any, params: dict, grads: list[dict]) -> list[dict]:
    """``tx`` over ``grads`` from ``params``: the parameters after each step, as NumPy."""
    import jax.numpy as jnp
    import optax

    p = {k: jnp.asarray(v) for k, v in params.items()}
    state, out = tx.init(p), []
    for g in grads:
        updates, state = tx.update({k: jnp.asarray(v) for k, v in g.items()}, state, p)
        p = optax.apply_updates(p, updates)
        out.append({k: np.asarray(v) for k, v in p.items()})
    return out


def _run(kwargs: dict) -> Any:
    def go(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
        return run(recipe.code(schedule(lrs[0]), **kwargs), params, grads)

    return go


_SGD = {"momentum": 0.9, "weight_decay": 5e-4}
_ADAMW = {"weight_decay": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}
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
            optimizer_recipe("sgd_step", _SGD, h.reference("sgd_step"), "torch's SGD", _run(_SGD), lr0=0.1),
            usage="tx = torch_sgd(optax.exponential_decay(0.1, transition_steps=6, decay_rate=0.5, staircase=True))",
        ),
        Recipe(
            "optax-torch-adamw-biases",
            "torch's AdamW with no decay on biases, in optax",
            "torch",
            "optax",
            "torch optim.AdamW, biases in a parameter group with weight_decay=0",
            ("AdamW · decay of 1-D leaves (biases)",),
            torch_adamw_biases_spared,
            optimizer_recipe(
                "adamw_step",
                _ADAMW,
                h.reference("adamw_step"),
                "torch's AdamW",
                _run(_ADAMW),
                lr0=0.01,
                spare_biases=True,
            ),
            note="optax rounds β₂ = 0.999 to float32 before forming 1 − β₂ᵗ (the row AdamW · bias correction): "
            "within the tolerance, not bit for bit.",
        ),
    ]
)
