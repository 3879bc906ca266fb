"""Probes of the defaults an optimizer declares, one row per hyperparameter (``default lr``, ``default eps``, …), so
that the report can say which frameworks share a default. Each declared default is checked by a step: the
step with nothing passed equals the step with the declared values passed explicitly, bit for bit.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy_ref

from . import hypotheses as h
from .compare import bits_error
from .finding import AGREES, DIFFERS, NOT_APPLICABLE, Finding, digest, show
from .trajectories import INITS, cases, run_trajectory

__all__ = ["PROBES"]

_NAMES = ("lr", "momentum", "dampening", "nesterov", "betas", "eps", "weight_decay")
_REQUIRED = "no default (required)"
_CASE = cases(3, scales=(1e-5,))[1]


def _text(value: object) -> str:
    """A default as the rows compare it: ``None`` is no momentum or no decay, i.e. ``0``."""
    if value is None:
        return "0"
    if isinstance(value, tuple):
        return "(" + ", ".join(_text(v) for v in value) + ")"
    return str(value) if isinstance(value, bool) else f"{value:g}"


def _reference_defaults(op: str) -> dict[str, Any]:
    params = inspect.signature(getattr(numpy_ref, op)).parameters
    return {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}


@functools.cache
def _checked(adapter: Any, op: str) -> tuple[dict[str, Any], Any, str]:
    """(declared defaults, the default step's params, "" or why the declared defaults are not what it uses)."""
    declared = adapter.defaults(op)
    given = {} if "lr" in declared else {"lr": _reference_defaults(op).get("lr", 0.1)}
    explicit = {**given, **{k: v for k, v in declared.items() if v is not None}}
    backend = h.as_backend(adapter)

    def run(hyper: dict) -> Any:
        step, init = getattr(adapter, op), getattr(adapter, INITS[op])
        return run_trajectory(step, init, backend.native, backend.numpy, _CASE.data, [hyper] * 3)

    implicit = run(given)
    broken = "" if bits_error(implicit, run(explicit)) == 0 else f"declared {declared}, but the default step differs"
    return declared, implicit, broken


def default_of(op: str, name: str) -> Callable[[Any], Finding]:
    def probe(adapter: Any) -> Finding:
        if name not in adapter.NAMES[op]:
            return Finding(NOT_APPLICABLE, f"{adapter.API[op]} has no counterpart of the reference's {name!r}")
        declared, implicit, broken = _checked(adapter, op)
        if broken:
            return Finding(DIFFERS, "the default step is not the step with the declared defaults", evidence=broken)
        ref = _reference_defaults(op)
        mine = f"{name}={_text(declared[name])}" if name in declared else f"{name}: {_REQUIRED}"
        theirs = f"{name}={_text(ref[name])}" if name in ref else f"{name}: {_REQUIRED}"
        declares = f"{name}={declared[name]!r}" if name in declared else f"no default for {name}"
        return Finding(
            AGREES if mine == theirs else DIFFERS,
            mine,
            smallest="" if mine == theirs else "the declared default",
            evidence=f"{adapter.API[op]} declares {declares}; 3 steps with nothing passed give {show(implicit)}, "
            "the same bits as with the declared values passed",
            digest=digest([mine]),
        )

    return probe


#: op → behaviour → probe(adapter) -> Finding.
PROBES: dict[str, dict[str, Callable[[Any], Finding]]] = {
    op: {f"default {name}": default_of(op, name) for name in _NAMES if name in _reference_defaults(op) or name == "lr"}
    for op in INITS
}
