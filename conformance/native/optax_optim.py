"""optax's own transformations through the protocol: ``add_decayed_weights`` chained before or after
``optax.sgd``/``optax.adam`` (objects ``before`` and ``after``), and ``optax.adamw`` (object ``alias``).

``weight_decay`` goes to ``add_decayed_weights``; ``decay_mask`` becomes its ``mask`` (a pytree of
bools); ``amsgrad=True`` swaps ``optax.adam`` for ``optax.amsgrad``. A ``None`` gradient becomes zeros,
which is what ``jax.grad`` gives for a leaf the loss does not use (optax itself raises TypeError on a
``None`` leaf). The state is optax's, moved in and out of the reference's tuples with
``optax.tree_utils``: ``trace`` is the momentum buffer, ``mu``/``nu``/``nu_max`` are ``m``/``v``/``v_max``,
``count`` is the step. :meth:`_Optax.trajectory` runs one optax state over a trajectory, the step (update
and ``apply_updates``) eager or under ``jax.jit``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import optax
from optax import tree_utils

from jax_impl import asarray, to_numpy, vjp
from numpy_ref import AdamState, SGDState
from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten

from .adapter import Names, OptimizerAdapter, declared_defaults, zeros_for_missing, zeros_state

__all__ = ["OptaxAlias", "OptaxChain", "after", "alias", "before"]

_ADAM = {"lr": "learning_rate", "betas": ("b1", "b2"), "eps": "eps"}


class _Optax(OptimizerAdapter):
    FRAMEWORK = "optax"
    COMPILER = "jax.jit of update and apply_updates"
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)

    def sgd_init(self, params: PyTree) -> SGDState:
        return zeros_state(SGDState, params, jax.numpy.zeros_like)

    def adam_init(self, params: PyTree) -> AdamState:
        return zeros_state(AdamState, params, jax.numpy.zeros_like)

    def transformation(self, op: str, kwargs: dict[str, Any], mask: Any) -> optax.GradientTransformation:
        raise NotImplementedError

    def _transformation(self, op: str, params: PyTree, hyper: dict) -> optax.GradientTransformation:
        mask = unflatten(flatten(params)[1], resolve_decay_mask(params, hyper.pop("decay_mask", None)))
        return self.transformation(op, self.kwargs(op, hyper), mask)

    def _step(self, op: str, params: PyTree, grads: PyTree, state: Any, hyper: dict) -> tuple[PyTree, Any]:
        tx = self._transformation(op, params, hyper)
        inner = tx.init(params)
        if op == "sgd_step":
            native = _set_if_present(inner, trace=state.momentum)
        else:
            native = tree_utils.tree_set(inner, count=jax.numpy.asarray(state.step, "int32"), mu=state.m, nu=state.v)
            native = _set_if_present(native, nu_max=state.v_max)
        updates, native = tx.update(zeros_for_missing(grads, params, jax.numpy.zeros_like), native, params)
        new_params = optax.apply_updates(params, updates)
        if op == "sgd_step":
            trace = tree_utils.tree_get(native, "trace")
            return new_params, SGDState(state.step + 1, state.momentum if trace is None else trace)
        m, v, v_max = (tree_utils.tree_get(native, name) for name in ("mu", "nu", "nu_max"))
        return new_params, AdamState(state.step + 1, m, v, state.v_max if v_max is None else v_max)

    def trajectory(self, op: str, params: PyTree, grads: list[PyTree], hyper: dict, compiled: bool) -> PyTree:
        """One optax state over every gradient in turn; ``compiled``: the whole step under ``jax.jit``."""
        tx = self._transformation(op, params, dict(hyper))

        def step(p: PyTree, s: Any, g: PyTree) -> tuple[PyTree, Any]:
            updates, s = tx.update(g, s, p)
            return optax.apply_updates(p, updates), s

        run, state = jax.jit(step) if compiled else step, tx.init(params)
        for g in grads:
            params, state = run(params, state, g)
        return params


def _set_if_present(state: Any, **values: Any) -> Any:
    """Set the fields the state has (``optax.sgd`` without momentum keeps no ``trace``, ``adam`` no ``nu_max``)."""
    present = {k: v for k, v in values.items() if tree_utils.tree_get(state, k) is not None}
    return tree_utils.tree_set(state, **present) if present else state


class OptaxChain(_Optax):
    """``chain(add_decayed_weights(λ, mask), sgd | adam | amsgrad)`` (``before``) or the decay chained after."""

    NAMES: ClassVar[Names] = {
        "sgd_step": {
            "lr": "learning_rate",
            "momentum": "momentum",
            "nesterov": "nesterov",
            "weight_decay": "weight_decay",
        },
        "adam_step": {**_ADAM, "weight_decay": "weight_decay", "amsgrad": "amsgrad"},
    }

    def __init__(self, placement: str) -> None:
        self.placement = placement
        # chained after the step, the decay is not scaled by lr: a composition shown for what its order does
        self.KIND = "api" if placement == "before" else "composition"
        self.BEHAVIOURS = None if placement == "before" else frozenset({"coupled or decoupled decay"})
        self.NAME = f"optax add_decayed_weights {placement} the update"
        decay = "add_decayed_weights"
        self.API = {
            op: f"{decay} → {name}" if placement == "before" else f"{name} → {decay}"
            for op, name in (("sgd_step", "sgd"), ("adam_step", "adam"))
        }

    def constructor(self, op: str) -> Any:
        return optax.sgd if op == "sgd_step" else optax.adam

    def defaults(self, op: str) -> dict[str, Any]:
        """The step's defaults, and ``add_decayed_weights``'s for ``weight_decay``."""
        names = self.NAMES[op]
        decay = super().defaults(op) | declared_defaults(optax.add_decayed_weights, {"weight_decay": "weight_decay"})
        return {k: v for k, v in decay.items() if k in names}

    def transformation(self, op: str, kwargs: dict[str, Any], mask: Any) -> optax.GradientTransformation:
        decay = optax.add_decayed_weights(kwargs.pop("weight_decay", 0.0), mask=mask)
        inner = optax.amsgrad(**kwargs) if kwargs.pop("amsgrad", False) else self.constructor(op)(**kwargs)
        return optax.chain(decay, inner) if self.placement == "before" else optax.chain(inner, decay)

    def sgd_step(self, params: PyTree, grads: PyTree, state: SGDState, **hyper: Any) -> tuple[PyTree, SGDState]:
        return self._step("sgd_step", params, grads, state, hyper)

    def adam_step(self, params: PyTree, grads: PyTree, state: AdamState, **hyper: Any) -> tuple[PyTree, AdamState]:
        return self._step("adam_step", params, grads, state, hyper)


class OptaxAlias(_Optax):
    """``optax.adamw(learning_rate, b1, b2, eps, weight_decay, mask)``."""

    NAME = "optax adamw"
    API: ClassVar[dict[str, str]] = {"adamw_step": "adamw"}
    NAMES: ClassVar[Names] = {"adamw_step": {**_ADAM, "weight_decay": "weight_decay"}}

    def constructor(self, op: str) -> Any:
        return optax.adamw

    def transformation(self, op: str, kwargs: dict[str, Any], mask: Any) -> optax.GradientTransformation:
        return optax.adamw(**kwargs, mask=mask)

    def adamw_step(self, params: PyTree, grads: PyTree, state: AdamState, **hyper: Any) -> tuple[PyTree, AdamState]:
        return self._step("adamw_step", params, grads, state, hyper)


before = OptaxChain("before")
after = OptaxChain("after")
alias = OptaxAlias()
