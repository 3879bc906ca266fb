"""keras 3's own ``optimizers.SGD/Adam/AdamW`` and ``regularizers.L2`` through the protocol, on the backend
that ``KERAS_BACKEND`` chose when keras was imported (the report runs each backend in a subprocess).

Names: ``lr`` → ``learning_rate``, ``betas`` → ``beta_1, beta_2``, ``eps`` → ``epsilon``; ``weight_decay``
is keras's own; ``decay_mask`` → ``exclude_from_weight_decay(var_list=…)``. keras SGD has no
``dampening``. A ``None`` gradient goes to ``apply_gradients`` as it is (keras warns and skips that
variable). The state is keras's slot variables (``momentums``; ``_momentums``, ``_velocities``):
keras's SGD velocity includes the learning rate. ``l2_penalty`` sums ``regularizers.L2(weight_decay)``
over the decayed leaves; ``l2_penalty_grad`` is its autodiff gradient in the backend.
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras
import numpy as np
from keras import ops

from numpy_ref import AdamState, SGDState
from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten

from .adapter import Names, OptimizerAdapter, zeros_state
from .keras_backend import BACKEND, asarray, to_numpy, vjp

__all__ = ["KerasL2", "KerasOptim", "l2", "optimizers"]

_CLASSES = {"sgd_step": keras.optimizers.SGD, "adam_step": keras.optimizers.Adam, "adamw_step": keras.optimizers.AdamW}
_ADAM = {
    "lr": "learning_rate",
    "betas": ("beta_1", "beta_2"),
    "eps": "epsilon",
    "weight_decay": "weight_decay",
    "amsgrad": "amsgrad",
}
_SLOTS = {"sgd_step": ("momentums",), "adam_step": ("_momentums", "_velocities", "_velocity_hats")}


class KerasOptim(OptimizerAdapter):
    FRAMEWORK = f"keras[{BACKEND}]"
    NAME = f"keras[{BACKEND}] optimizers"
    API: ClassVar[dict[str, str]] = {op: f"optimizers.{cls.__name__}" for op, cls in _CLASSES.items()}
    NAMES: ClassVar[Names] = {
        "sgd_step": {
            "lr": "learning_rate",
            "momentum": "momentum",
            "nesterov": "nesterov",
            "weight_decay": "weight_decay",
        },
        "adam_step": _ADAM,
        "adamw_step": _ADAM,
    }
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)

    def constructor(self, op: str) -> Any:
        return _CLASSES[op]

    def sgd_init(self, params: PyTree) -> SGDState:
        return zeros_state(SGDState, params, ops.zeros_like)

    def adam_init(self, params: PyTree) -> AdamState:
        return zeros_state(AdamState, params, ops.zeros_like)

    def sgd_step(self, params: PyTree, grads: PyTree, state: SGDState, **hyper: Any) -> tuple[PyTree, SGDState]:
        return self._step("sgd_step", params, grads, state, hyper)

    def adam_step(self, params: PyTree, grads: PyTree, state: AdamState, **hyper: Any) -> tuple[PyTree, AdamState]:
        return self._step("adam_step", params, grads, state, hyper)

    def adamw_step(self, params: PyTree, grads: PyTree, state: AdamState, **hyper: Any) -> tuple[PyTree, AdamState]:
        return self._step("adamw_step", params, grads, state, hyper)

    def _step(self, op: str, params: PyTree, grads: PyTree, state: Any, hyper: dict) -> tuple[PyTree, Any]:
        decayed = resolve_decay_mask(params, hyper.pop("decay_mask", None))
        leaves, td = flatten(params)
        variables = [keras.Variable(to_numpy(w), name=f"leaf{i}") for i, w in enumerate(leaves)]
        optimizer = _CLASSES[op](**self.kwargs(op, hyper))
        spared = [v for v, on in zip(variables, decayed) if not on]
        if spared:
            optimizer.exclude_from_weight_decay(var_list=spared)
        optimizer.build(variables)
        optimizer.iterations.assign(int(state.step))
        slots = [getattr(optimizer, name, []) or [] for name in _SLOTS.get(op, _SLOTS["adam_step"])]
        for slot, buffer in zip(slots, state[1:]):
            for variable, value in zip(slot, flatten(buffer)[0]):
                variable.assign(value)
        optimizer.apply_gradients(zip(flatten(grads)[0], variables))
        new_buffers = [
            unflatten(td, [_copy(slot[i]) if slot else old for i, old in enumerate(flatten(buffer)[0])])
            for slot, buffer in zip([*slots, [], [], []], state[1:])
        ]
        return unflatten(td, [_copy(v) for v in variables]), type(state)(int(state.step) + 1, *new_buffers)


def _copy(variable: Any) -> Any:
    return asarray(np.array(ops.convert_to_numpy(variable)))


class KerasL2:
    """``keras.regularizers.L2(l2)`` as the reference's ``l2_penalty(params, weight_decay)``: ``l2 = weight_decay``."""

    FRAMEWORK = f"keras[{BACKEND}]"
    NAME = f"keras[{BACKEND}] regularizers.L2"
    API = "regularizers.L2"
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)

    def l2_penalty(self, params: PyTree, weight_decay: float, *, decay_mask: object = None) -> Any:
        regularizer = keras.regularizers.L2(weight_decay)
        terms = [regularizer(w) for w, on in zip(flatten(params)[0], resolve_decay_mask(params, decay_mask)) if on]
        return sum(terms[1:], terms[0]) if terms else ops.convert_to_tensor(0.0)

    def l2_penalty_grad(self, params: PyTree, weight_decay: float, *, decay_mask: object = None) -> PyTree:
        return vjp(lambda p: self.l2_penalty(p, weight_decay, decay_mask=decay_mask), params, asarray(np.float32(1)))


optimizers = KerasOptim()
l2 = KerasL2()
