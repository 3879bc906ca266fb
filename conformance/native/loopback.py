"""The reference itself presented as a native framework — the report's ``regref`` column: every probe must say
``agrees`` on it (or ``not measured`` / ``not applicable`` where NumPy has no such thing), which is how the
probes are tested; the tests plant bugs in subclasses to see each probe fail and explain. A ``None``
gradient is a zero gradient here, as in every pure-function API (the reference takes one per leaf).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

import numpy_ref

from .adapter import Names, OptimizerAdapter, zeros_for_missing

__all__ = ["ReferenceDropout", "ReferenceL2", "ReferenceOptim", "dropout", "l2", "optim"]

_STEPS = ("sgd_step", "adam_step", "adamw_step")


class _NumPy:
    FRAMEWORK = "regref"
    KIND = "reference"
    asarray = staticmethod(np.array)
    to_numpy = staticmethod(np.asarray)


class ReferenceOptim(_NumPy, OptimizerAdapter):
    NAME = "numpy_ref update rules"
    API: ClassVar[dict[str, str]] = {op: f"numpy_ref.{op}" for op in _STEPS}
    NAMES: ClassVar[Names] = {
        "sgd_step": {n: n for n in ("lr", "momentum", "dampening", "nesterov", "weight_decay")},
        "adam_step": {n: n for n in ("lr", "betas", "eps", "weight_decay", "amsgrad")},
        "adamw_step": {n: n for n in ("lr", "betas", "eps", "weight_decay", "amsgrad")},
    }
    sgd_init = staticmethod(numpy_ref.sgd_init)
    adam_init = staticmethod(numpy_ref.adam_init)

    def constructor(self, op: str) -> Callable[..., Any]:
        return getattr(numpy_ref, op)  # type: ignore[no-any-return]

    def _step(self, op: str, params: Any, grads: Any, state: Any, hyper: dict) -> Any:
        mask, grads = hyper.pop("decay_mask", None), zeros_for_missing(grads, params, np.zeros_like)
        return getattr(numpy_ref, op)(params, grads, state, decay_mask=mask, **self.kwargs(op, hyper))

    def sgd_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        return self._step("sgd_step", params, grads, state, hyper)

    def adam_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        return self._step("adam_step", params, grads, state, hyper)

    def adamw_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        return self._step("adamw_step", params, grads, state, hyper)


class ReferenceDropout(_NumPy):
    NAME = API = "numpy_ref.dropout"
    REPLAYABLE_MASKS = True
    MUTABLE_ARRAYS = True
    NOT_COMPILED = "NumPy has no compiler"

    def dropout(self, x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Sequence[int] = ()) -> Any:
        return numpy_ref.dropout(x, p, np.asarray(key, np.uint32), training=training, broadcast_dims=broadcast_dims)

    def vjp(self, fn: Callable[[Any], Any], primal: Any, cotangent: Any) -> Any:
        """Dropout is linear with a diagonal Jacobian, so its VJP is the map itself applied to the cotangent
        (:func:`numpy_ref.dropout_backward`); this hook serves no other function."""
        return fn(cotangent)

    @staticmethod
    def devices() -> list[str]:
        return ["cpu"]

    @staticmethod
    def same_buffer(a: Any, b: Any) -> bool:
        return bool(np.shares_memory(a, b))


class ReferenceL2(_NumPy):
    NAME = API = "numpy_ref.l2_penalty"
    l2_penalty = staticmethod(numpy_ref.l2_penalty)
    l2_penalty_grad = staticmethod(numpy_ref.l2_penalty_grad)


optim = ReferenceOptim()
dropout = ReferenceDropout()
l2 = ReferenceL2()
