"""What the dropout probes share: keys every framework can take, calls in NumPy, and how outputs are described.

Keys are ``(s, 0)`` — ``numpy_ref.key(s << 32)`` — because keras's integer ``seed=s`` is exactly that key;
every other adapter takes any key. Masks of a framework whose generator cannot be replayed are read
from its own output on an all-ones input (an element is kept iff it is nonzero).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import numpy_ref

from .finding import show

__all__ = ["SEEDS", "category", "changes", "forward", "forward_rates", "kept", "key", "outcome", "zeros_report"]

SEEDS = (0, 1, 2, 3)


def key(seed: int) -> np.ndarray:
    """The key ``(seed, 0)``."""
    return numpy_ref.key(seed << 32)


def forward(adapter: Any, x: np.ndarray, p: float, k: np.ndarray, **kwargs: Any) -> np.ndarray:
    """``adapter.dropout`` on NumPy input, NumPy out."""
    return np.asarray(adapter.to_numpy(adapter.dropout(adapter.asarray(x), p, adapter.asarray(k), **kwargs)))


def forward_rates(adapter: Any, x: np.ndarray, rates: Sequence[float], k: np.ndarray) -> list[np.ndarray]:
    """:func:`forward` at each rate; an adapter that compiles per rate may do them all at once (``dropout_rates``)."""
    many = getattr(adapter, "dropout_rates", None)
    if many is None:
        return [forward(adapter, x, p, k) for p in rates]
    return [np.asarray(adapter.to_numpy(y)) for y in many(adapter.asarray(x), tuple(rates), adapter.asarray(k))]


def kept(adapter: Any, shape: tuple[int, ...], p: float, k: np.ndarray, dims: Sequence[int] = ()) -> np.ndarray:
    """The framework's keep-mask for this key: where its dropout of ones is nonzero."""
    return forward(adapter, np.ones(shape, np.float32), p, k, broadcast_dims=tuple(dims)) != 0


def outcome(fn: Any) -> tuple[str, Any]:
    """``("ok", result)`` or ``(exception class name, message)``: out-of-range inputs may raise anything."""
    try:
        return "ok", fn()
    except Exception as error:
        return type(error).__name__, str(error).splitlines()[0][:120] if str(error) else ""


def category(v: float) -> str:
    """``+0.0``, ``-0.0``, ``nan``, ``inf``, ``-inf``, ``subnormal``, ``negative`` or ``positive``."""
    v = float(v)
    if v == 0 or not np.isfinite(v):
        return (
            ("-0.0" if np.signbit(v) else "+0.0")
            if v == 0
            else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf"))
        )
    if abs(v) < np.finfo(np.float32).tiny:
        return "subnormal"
    return "negative" if v < 0 else "positive"


def zeros_report(x: np.ndarray, y: np.ndarray, where: np.ndarray) -> str:
    """What the outputs at ``where`` are, by the input's category, wherever that is not ``+0.0``."""
    seen: dict[str, set[str]] = {}
    for xi, yi in zip(np.asarray(x, np.float64)[where], np.asarray(y, np.float64)[where]):
        seen.setdefault(category(xi), set()).add(category(yi))
    odd = [f"{xi} → {'/'.join(sorted(ys))}" for xi, ys in seen.items() if ys != {"+0.0"}]
    if not odd:
        return "+0.0 everywhere"
    outputs = set().union(*seen.values())
    if len(outputs) == 1:
        return f"{outputs.pop()} everywhere"
    return ", ".join(odd) + ("; others +0.0" if len(odd) < len(seen) else "")


def changes(x: np.ndarray, y: np.ndarray) -> str:
    """The elements whose bits changed, ``x → y``; ``identity`` if none did."""
    x64, y64 = np.asarray(x, np.float64), np.asarray(y, np.float64)
    moved = [
        f"{show(a)} → {show(b)}"
        for a, b in zip(x64, y64)
        if not (a == b and np.signbit(a) == np.signbit(b)) and not (np.isnan(a) and np.isnan(b))
    ]
    return ", ".join(moved) if moved else "identity"
