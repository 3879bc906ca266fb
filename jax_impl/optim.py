"""optax ``GradientTransformation``s that run the reference's update rules: ``sgd``, ``adam``, ``adamw``.

Each ``update(grads, state, params)`` takes one :func:`jax_impl.sgd_step` / :func:`jax_impl.adam_step`
and returns the change ``new_params − params`` as the optax update, so ``optax.apply_updates`` gives
the reference's step. That round trip is exact whenever a weight at most doubles or halves in a step
(Sterbenz: the difference is then exact, and adding it back restores the new weight); otherwise — a
weight crossing or leaving zero — it can be off by one rounding. Hyperparameters are the reference's,
with its names and defaults (torch's conventions, not optax's: ``betas``, ``eps`` after the square root,
``adamw`` decay 0.01 multiplied by the learning rate); ``learning_rate`` may be an optax schedule,
evaluated at ``state.step``. ``decay_mask`` is a pytree of bools shaped like the params or a callable
``leaf -> bool`` (per leaf, unlike ``optax.masked``'s callable of the whole tree). The state is
:class:`numpy_ref.SGDState` / :class:`numpy_ref.AdamState` with buffers shaped like the params.
Invalid concrete hyperparameters raise the reference's errors when the transformation is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import optax

from .adam import AdamState, adam_init, adam_step
from .sgd import SGDState, sgd_init, sgd_step

__all__ = ["adam", "adamw", "sgd"]

Schedule = Callable[[jax.Array], Any]


def _transformation(
    init: Callable[[list[Any]], Any], step: Callable[..., Any], learning_rate: float | Schedule, decay_mask: Any
) -> optax.GradientTransformation:
    """An optax transformation around ``step(params, grads, state, lr=…, decay_mask=…)`` on leaf lists."""
    dry_lr = 0.0 if callable(learning_rate) else learning_rate
    step([], [], init([]), lr=dry_lr, decay_mask=None if callable(decay_mask) else [])  # validates, on no leaves

    def as_trees(state: Any, treedef: Any) -> Any:
        return state._replace(**{f: treedef.unflatten(getattr(state, f)) for f in state._fields[1:]})

    def init_fn(params: Any) -> Any:
        leaves, treedef = jax.tree.flatten(params)
        return as_trees(init(leaves), treedef)

    def update_fn(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        if params is None:
            raise ValueError("this transformation needs the params: call update(grads, state, params)")
        leaves, treedef = jax.tree.flatten(params)
        as_lists = state._replace(**{f: treedef.flatten_up_to(getattr(state, f)) for f in state._fields[1:]})
        mask = decay_mask if decay_mask is None or callable(decay_mask) else treedef.flatten_up_to(decay_mask)
        lr = learning_rate(state.step) if callable(learning_rate) else learning_rate
        new_leaves, new_state = step(leaves, treedef.flatten_up_to(updates), as_lists, lr=lr, decay_mask=mask)
        deltas = [new - old for new, old in zip(new_leaves, leaves)]
        return treedef.unflatten(deltas), as_trees(new_state, treedef)

    return optax.GradientTransformation(init_fn, update_fn)


def sgd(
    learning_rate: float | Schedule,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    decoupled: bool = False,
    maximize: bool = False,
    decay_mask: Any = None,
) -> optax.GradientTransformation:
    """:func:`numpy_ref.sgd_step` as an optax transformation (state :class:`numpy_ref.SGDState`)."""

    def step(params: Any, grads: Any, state: SGDState, **kw: Any) -> Any:
        rule = {"momentum": momentum, "dampening": dampening, "nesterov": nesterov, "maximize": maximize}
        return sgd_step(params, grads, state, weight_decay=weight_decay, decoupled=decoupled, **rule, **kw)

    return _transformation(sgd_init, step, learning_rate, decay_mask)


def adam(
    learning_rate: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled: bool = False,
    amsgrad: bool = False,
    maximize: bool = False,
    decay_mask: Any = None,
) -> optax.GradientTransformation:
    """:func:`numpy_ref.adam_step` as an optax transformation (coupled L2 unless ``decoupled``)."""

    def step(params: Any, grads: Any, state: AdamState, **kw: Any) -> Any:
        rule = {"betas": betas, "eps": eps, "amsgrad": amsgrad, "maximize": maximize}
        return adam_step(params, grads, state, weight_decay=weight_decay, decoupled=decoupled, **rule, **kw)

    return _transformation(adam_init, step, learning_rate, decay_mask)


def adamw(
    learning_rate: float | Schedule = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    amsgrad: bool = False,
    maximize: bool = False,
    decay_mask: Any = None,
) -> optax.GradientTransformation:
    """:func:`numpy_ref.adamw_step` as an optax transformation: :func:`adam` with ``decoupled=True``."""
    return adam(learning_rate, betas, eps, weight_decay, True, amsgrad, maximize, decay_mask)
