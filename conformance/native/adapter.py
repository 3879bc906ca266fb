"""What the native adapters share: naming a framework API's parameters in the reference's terms.

An adapter presents one framework API through the backend protocol (:mod:`conformance.protocol`):
``asarray``/``to_numpy`` plus the :mod:`numpy_ref` functions it can implement, with the reference's
parameter *names*. The values keep the framework's meaning — ``weight_decay=λ`` is whatever the
framework does with its own ``weight_decay``, which is what the probes measure — and a parameter the
API does not have raises :class:`NotImplementedError` naming it (the report says "not applicable").
Hyperparameters a call leaves out take the framework's own defaults, so the defaults can be measured.

``KIND`` says what the adapter is (:data:`conformance.native.finding.KINDS`): a framework's own ``api`` (the
default), a ``composition`` a user builds (shown for what its order does), or the ``reference``.

Optimizer steps start from the adapter's own ``*_init`` and carry the framework's state in the
reference's named tuples (``SGDState.momentum`` holds keras's velocity, which includes the learning
rate: only the parameters are compared across frameworks).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from numpy_ref.tree import PyTree, flatten, unflatten

__all__ = ["Names", "OptimizerAdapter", "declared_defaults", "zeros_for_missing", "zeros_state"]

#: op → reference parameter name → the framework's name (a tuple where one reference parameter is several).
Names = dict[str, dict[str, str | tuple[str, ...]]]


def zeros_state(cls: type, params: PyTree, zeros_like: Callable[[Any], Any]) -> Any:
    """``cls(0, zeros, …)``: a reference state (``SGDState``, ``AdamState``) at step 0 with native zero buffers."""
    leaves, td = flatten(params)
    buffers = [unflatten(td, [zeros_like(w) for w in leaves]) for _ in cls._fields[1:]]  # type: ignore[attr-defined]
    return cls(0, *buffers)


def zeros_for_missing(grads: PyTree, params: PyTree, zeros_like: Callable[[Any], Any]) -> PyTree:
    """``grads`` with every ``None`` leaf replaced by zeros shaped like its parameter: what ``jax.grad`` gives
    for a leaf the loss does not use, and how a pure-function API (optax, the reference) sees a missing gradient."""
    (gs, td), ws = flatten(grads), flatten(params)[0]
    return unflatten(td, [zeros_like(w) if g is None else g for g, w in zip(gs, ws)])


def declared_defaults(fn: Callable[..., Any], names: dict[str, str | tuple[str, ...]]) -> dict[str, Any]:
    """The defaults ``fn``'s signature declares, under the reference's names (``betas`` from two parameters)."""
    params = inspect.signature(fn).parameters
    out: dict[str, Any] = {}
    for ref_name, own in names.items():
        own_names = own if isinstance(own, tuple) else (own,)
        values = [params[n].default for n in own_names if n in params]
        if len(values) == len(own_names) and all(v is not inspect.Parameter.empty for v in values):
            out[ref_name] = tuple(values) if isinstance(own, tuple) else values[0]
    return out


class OptimizerAdapter:
    """Maps the reference's hyperparameter names onto one framework's (``NAMES``, per op)."""

    FRAMEWORK: str = ""
    API: dict[str, str]  # op → the framework API it runs, as the report names it
    NAMES: ClassVar[Names]  # op → reference name → framework name(s)
    BEHAVIOURS: frozenset[str] | None = None  # the behaviours worth probing on this adapter (None: all)

    def constructor(self, op: str) -> Callable[..., Any]:
        """The framework callable whose signature declares ``op``'s defaults."""
        raise NotImplementedError

    def kwargs(self, op: str, hyper: dict[str, Any]) -> dict[str, Any]:
        """``hyper`` (reference names, without ``decay_mask``) in the framework's names."""
        names = self.NAMES[op]
        out: dict[str, Any] = {}
        for name, value in hyper.items():
            if name not in names:
                raise NotImplementedError(f"{self.API[op]} has no counterpart of the reference's {name!r}")
            own = names[name]
            out.update(zip(own, value) if isinstance(own, tuple) else {own: value})
        return out

    def defaults(self, op: str) -> dict[str, Any]:
        """Reference name → the default the framework declares for it."""
        return declared_defaults(self.constructor(op), self.NAMES[op])
