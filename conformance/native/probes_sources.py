"""Probes of where a framework's masks come from: CPU against GPU, and how keys are derived when the caller passes
none (a stateful stream, flax's ``make_rng``). Masks are compared bit for bit. (Compiled against eager, masks
and values, is :mod:`.probes_compiled`.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref

from .dropping import forward, key
from .finding import AGREES, DIFFERS, NOT_MEASURED, Finding, digest, show

__all__ = ["PROBES"]


def devices(adapter: Any) -> Finding:
    names = adapter.devices() if hasattr(adapter, "devices") else ["cpu"]
    if len(names) < 2:
        return Finding(NOT_MEASURED, "no GPU")
    x, k = np.float32(1 + np.arange(4096) / 37), key(0)
    cpu = forward(adapter, x, 0.5, k)
    other = [
        np.asarray(adapter.to_numpy(adapter.dropout(adapter.asarray(x, device=d), 0.5, adapter.asarray(k, device=d))))
        for d in names[1:]
    ]
    wrong = sum(int((cpu.view(np.uint32) != o.view(np.uint32)).sum()) for o in other)
    return Finding(
        AGREES if not wrong else DIFFERS,
        f"{'/'.join(names)}: " + ("same bits" if not wrong else "different masks"),
        error=f"{wrong} of {x.size * len(other)} elements",
        smallest="" if not wrong else "shape (4096,), p=0.5",
    )


_DERIVED: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "call c draws the mask of fold_in(fold_in(key, 0), c)": lambda k, c: numpy_ref.fold_in(numpy_ref.fold_in(k, 0), c),
    "call c draws the mask of fold_in(key, c)": lambda k, c: numpy_ref.fold_in(k, c),
    "call c draws the mask of the key (s, c)": lambda k, c: np.uint32([k[0], c]),
    "every call draws the key's mask": lambda k, c: k,
}


def derivation(adapter: Any) -> Finding | None:
    """Masks drawn when the caller passes no key per call (a stateful stream, or flax's make_rng)."""
    if not hasattr(adapter, "stream"):
        return None
    k, shape = key(5), (64,)
    ones = adapter.asarray(np.ones(shape, np.float32))
    masks = [np.asarray(adapter.to_numpy(y)) != 0 for y in adapter.stream(ones, 0.5, adapter.asarray(k), 3)]
    drawn = "; ".join(f"mask {c}: {show(m)}" for c, m in enumerate(masks))
    for name, derive in _DERIVED.items():
        if all((m == numpy_ref.dropout_mask(derive(k, c), 0.5, shape)).all() for c, m in enumerate(masks)):
            return Finding(
                AGREES,
                name,
                evidence=f"{len(masks)} masks from key (5, 0), each the reference's for the derived key: {drawn}",
                digest=digest(masks),
            )
    distinct = len({m.tobytes() for m in masks}) == len(masks)
    units = getattr(adapter, "STREAM_UNITS", "calls")
    observed = f"one key, {len(masks)} {units}: {'all different' if distinct else 'repeated'} masks, "
    observed += "none the reference's for the derivations tried"
    return Finding(
        DIFFERS,
        observed,
        smallest="key (5, 0), shape (64,), p=0.5",
        evidence=f"{getattr(adapter, 'STREAM', 'successive calls')}: {drawn}; tried: {'; '.join(_DERIVED)}",
        digest=digest(masks),
    )


#: behaviour → probe(adapter); a probe returns None where the behaviour does not arise (no such API).
PROBES: dict[str, Callable[[Any], Finding | None]] = {
    "CPU vs GPU masks": devices,
    "keys without an explicit key": derivation,
}
