"""Probes of a framework's dropout *values* besides the survivors' arithmetic (:mod:`.probes_survivors`): the output
dtype, the edges p = 0 and p = 1, dropped non-finite inputs, out-of-range rates, evaluation mode, aliasing.

They need no replayable generator: each reads the framework's own mask from its output under the same
key (:func:`conformance.native.dropping.kept`), bit for bit (dropout is exact in the contract).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .compare import bits_error
from .dropping import category, changes, forward, kept, key, outcome, zeros_report
from .finding import AGREES, DIFFERS, NOT_APPLICABLE, Finding, digest, refusals, show
from .probes_survivors import DTYPES, X, supported

__all__ = ["PROBES", "zeros_finding"]

_EDGE = np.float32([-1.0, 2.0, np.inf, -np.inf, np.nan, -0.0])


def output_dtype(adapter: Any) -> Finding:
    inputs = supported(adapter)
    outputs = {d: forward(adapter, X.astype(DTYPES[d]), 0.5, key(0)).dtype.name for d in inputs}
    changed = [f"{d} → {o}" for d, o in outputs.items() if o != d]
    evidence = ", ".join(f"{d} in, {o} out" for d, o in outputs.items())
    if not changed:
        return Finding(AGREES, "the input's dtype", evidence=evidence, digest=digest(list(outputs.items())))
    return Finding(
        DIFFERS,
        "; ".join(changed),
        smallest=f"{changed[0].split()[0]} input",
        evidence=evidence,
        digest=digest(list(outputs.items())),
    )


def _aliasing(adapter: Any, p: float, training: bool) -> tuple[np.ndarray, bool, np.ndarray]:
    x = np.float32([1.0, -0.0, np.nan, np.inf, -2.5, 1e-40, 3.0])
    xn = adapter.asarray(x)
    yn = adapter.dropout(xn, p, adapter.asarray(key(0)), training=training)
    return x, bool(adapter.same_buffer(yn, xn)), np.asarray(adapter.to_numpy(yn))


def identity(p: float, training: bool) -> Callable[[Any], Finding]:
    """p = 0 (training) or training=False: the values of ``x``, bit for bit (C8)."""

    def probe(adapter: Any) -> Finding:
        x, _, y = _aliasing(adapter, p, training)
        same = y.dtype == x.dtype and bits_error(y, x) == 0
        return Finding(
            AGREES if same else DIFFERS,
            "identity" if same else changes(x, y),
            smallest="" if same else f"x={show(x)}",
            evidence=f"x={show(x)} → {show(y)}",
            digest=digest([y]),
        )

    return probe


def aliasing(p: float, training: bool) -> Callable[[Any], Finding]:
    """Whether the output *is* the input (matters only where arrays are mutable): the reference returns ``x`` itself
    in evaluation mode only (C8, C12), so that writing into a training output never writes into ``x``."""

    def probe(adapter: Any) -> Finding:
        if not getattr(adapter, "MUTABLE_ARRAYS", False):
            return Finding(NOT_APPLICABLE, "immutable arrays: whether the output is the input cannot show")
        x, alias, _ = _aliasing(adapter, p, training)
        ok = alias == (not training)
        why = "writing into the output writes into x" if alias else "writing into the output leaves x alone"
        return Finding(
            AGREES if ok else DIFFERS,
            "returns the input itself" if alias else "returns a new array",
            smallest="" if ok else f"x={show(x)}",
            evidence=f"p={p}, training={training}: {why}",
            digest=digest([np.asarray(alias)]),
        )

    return probe


def zeros_finding(x: np.ndarray, y: np.ndarray, where: np.ndarray, label: str, name: str = "x") -> Finding:
    """What ``y`` holds where ``where`` (the dropped elements): +0.0 everywhere agrees. The evidence lists one
    dropped element of each input category and what it became."""
    bad = [i for i in np.flatnonzero(where) if bits_error(y[i], np.float32(0)) > 0]
    seen: dict[str, str] = {}
    for i in np.flatnonzero(where):
        seen.setdefault(category(x[i]), f"{show(x[i])} → {show(y[i])}")
    return Finding(
        AGREES if not bad else DIFFERS,
        zeros_report(x, y, where),
        error=f"{len(bad)} of {int(where.sum())} not +0.0",
        smallest=f"{label}: {name}={show(x[bad[0]])}" if bad else "",
        evidence=f"{label}, dropped {name}: " + ", ".join(seen.values()),
        digest=digest([np.where(where, y, 0)]),
    )


def p_one(adapter: Any) -> Finding:
    return zeros_finding(_EDGE, forward(adapter, _EDGE, 1.0, key(0)), np.ones(_EDGE.shape, bool), "p=1")


def dropped_values(adapter: Any) -> Finding:
    x = np.tile(_EDGE, 16)
    dropped = ~kept(adapter, x.shape, 0.5, key(0))
    return zeros_finding(x, forward(adapter, x, 0.5, key(0)), dropped, "p=0.5")


def out_of_range(adapter: Any) -> Finding:
    x, parts, evidence = np.ones(4, np.float32), [], []
    for rate in (-0.5, 1.5, float("nan")):
        kind, value = outcome(lambda r=rate: forward(adapter, x, r, key(0)))
        parts.append(f"p={rate}: {kind if kind != 'ok' else 'no error, returns ' + show(value)}")
        evidence.append(f"p={rate}: " + (f"{kind}: {value}" if kind != "ok" else show(value)))
    return refusals(parts, "x=[1, 1, 1, 1]", " | ".join(evidence))


PROBES: dict[str, Callable[[Any], Finding]] = {
    "output dtype": output_dtype,
    "p = 0": identity(0.0, training=True),
    "p = 0, aliasing": aliasing(0.0, training=True),
    "p = 1": p_one,
    "dropped inf, NaN, −0.0 and negatives": dropped_values,
    "out-of-range rates": out_of_range,
    "evaluation mode (training=False)": identity(0.5, training=False),
    "evaluation mode, aliasing": aliasing(0.5, training=False),
}
