"""Probes of a framework's dropout *masks*: replaying the reference's key, statistics of its own generator
(exact binomial tests, α = 1e-6 over all checks, so a correct generator fails with probability ≤ 1e-6 and,
the seeds being fixed, always or never), determinism, and the axes a draw is shared along.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref

from ..stats import binomial_p_value
from .dropping import SEEDS, kept, key
from .finding import AGREES, DIFFERS, NOT_APPLICABLE, Finding, digest, show

__all__ = ["PROBES"]

ALPHA = 1e-6
_STAT_SHAPE, _STAT_RATES = (256, 257), (0.5, 0.25, 0.875)
_AXES = [((2, 3, 4), (2,)), ((2, 3, 4, 5), (2, 3)), ((2, 3, 2, 3, 4), (2, 3, 4)), ((4, 6), (0,))]


def replay(adapter: Any) -> Finding:
    """Masks for keys ``(s, 0)`` against ``numpy_ref.dropout_mask``, smallest shape first."""
    cases = [(shape, p, s) for shape in [(1,), (8,), (3, 5), (64,)] for p in (0.5, 0.1, 0.9) for s in SEEDS]
    wrong, total, first, masks = 0, 0, "", []
    for shape, p, s in cases:
        got, want = kept(adapter, shape, p, key(s)), numpy_ref.dropout_mask(key(s), p, shape)
        masks.append(got)
        wrong, total = wrong + int((got != want).sum()), total + got.size
        if not first and (got != want).any():
            first = f"shape {shape}, p={p}, key ({s}, 0): kept {show(got)}, reference {show(want)}"
    declared = f"declared REPLAYABLE_MASKS = {getattr(adapter, 'REPLAYABLE_MASKS', True)}"
    if not wrong:
        return Finding(
            AGREES,
            "the reference's mask for the same key, bit for bit",
            error=f"0 of {total} elements",
            evidence=f"{len(cases)} masks, the first: shape (1,), p=0.5, key (0, 0): kept {show(masks[0])}; {declared}",
            digest=digest(masks),
        )
    return Finding(
        DIFFERS,
        "its own generator: not the reference's mask",
        error=f"{wrong} of {total} elements",
        smallest=first.split(":")[0],
        evidence=f"{first}; {declared}",
        digest=digest(masks),
    )


def statistics(adapter: Any) -> Finding:
    """Kept fraction ~ Binomial(n, 1 − p) and row-neighbour pairs ~ Binomial(n/2, (1 − p)²), per seed and rate."""
    checks, worst = len(SEEDS) * len(_STAT_RATES) * 2, (1.0, "")
    for s in SEEDS:
        for p in _STAT_RATES:
            m = kept(adapter, _STAT_SHAPE, p, key(s))
            pairs = m[:, 0:-1:2] & m[:, 1::2]
            for what, k, n, q in (
                ("kept", m.sum(), m.size, 1 - p),
                ("pairs kept", pairs.sum(), pairs.size, (1 - p) ** 2),
            ):
                pv = binomial_p_value(int(k), int(n), q)
                if pv < worst[0]:
                    worst = (pv, f"{what} {int(k)} of {n} at p={p}, key ({s}, 0); expected {n * q:.0f}")
    ok = worst[0] > ALPHA / checks
    observed = "consistent with independent Bernoulli(1 − p)" if ok else "rejected: not Bernoulli(1 − p)"
    return Finding(
        AGREES if ok else DIFFERS,
        observed,
        error=f"min p-value {worst[0]:.3g}",
        smallest="" if ok else worst[1],
        evidence=f"{checks} exact two-sided binomial tests on {_STAT_SHAPE} masks, each at {ALPHA / checks:.2g}; "
        f"worst: {worst[1]}",
    )


def determinism(adapter: Any) -> Finding:
    masks = [kept(adapter, (64,), 0.5, key(s)) for s in SEEDS]
    again = [kept(adapter, (64,), 0.5, key(s)) for s in SEEDS]
    same = all((a == b).all() for a, b in zip(masks, again))
    distinct = len({m.tobytes() for m in masks}) == len(masks)
    observed = f"same key: {'same' if same else 'different'} mask; "
    observed += f"different keys: {'different' if distinct else 'equal'} masks"
    return Finding(
        AGREES if same and distinct else DIFFERS,
        observed,
        smallest="" if same and distinct else "shape (64,), p=0.5",
        evidence=f"keys (s, 0), s in {SEEDS}, each drawn twice; key (0, 0) kept {int(masks[0].sum())} of 64 both times"
        if same
        else f"keys (s, 0), s in {SEEDS}, each drawn twice",
        digest=digest(masks + again),
    )


def shared_axes(adapter: Any) -> Finding:
    """``broadcast_dims`` (or the API's own way of sharing a draw): the mask is constant along those axes."""
    rows, unsupported, bad = [], [], ""
    for shape, dims in _AXES:
        try:
            m = kept(adapter, shape, 0.5, key(1), dims)
        except NotImplementedError:
            unsupported.append(f"{shape} sharing {dims}")
            continue
        ref = numpy_ref.dropout_mask(key(1), 0.5, shape, broadcast_dims=dims)
        shared = all((np.take(m, [0], axis=d) == m).all() for d in dims)
        rows.append(
            f"{shape} sharing {dims}: "
            + ("reference bits" if (m == ref).all() else "shared" if shared else "not shared")
        )
        bad = bad or ("" if shared else f"shape {shape}, broadcast_dims {dims}")
    if not rows:
        return Finding(NOT_APPLICABLE, "no way to share a mask along axes")
    verdict = AGREES if not bad else DIFFERS
    observed = "shared along the given axes"  # whose bits they are is the replay probe's business
    note = f"; not supported: {', '.join(unsupported)}" if unsupported else ""
    return Finding(
        verdict,
        observed if not bad else "not shared along the given axes",
        smallest=bad,
        evidence="; ".join(rows) + note,
    )


def dropout2d_on_3d(adapter: Any) -> Finding | None:
    """torch's dropout2d on a 3-D input: which axes does it share? (Dropout2d documents (C, H, W) input.)"""
    if not hasattr(adapter, "dropout2d"):
        return None
    x = adapter.asarray(np.ones((4, 6, 8), np.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = np.asarray(adapter.to_numpy(adapter.dropout2d(x, 0.5, adapter.asarray(key(0))))) != 0
    per_channel = (m == m[:, :, :1]).all()
    unbatched = (m == m[:, :1, :1]).all()
    observed = (
        "shares axes (1, 2): (C, H, W)"
        if unbatched
        else "shares axis 2 only: treated as (N, C, L)"
        if per_channel
        else "no sharing"
    )
    said = "; ".join(str(w.message).split(".")[0] for w in caught) or "no warning"
    return Finding(
        AGREES if unbatched else DIFFERS,
        observed,
        smallest="" if unbatched else "shape (4, 6, 8), p=0.5",
        evidence=f"warning: {said}",
    )


#: behaviour → probe(adapter); a probe returns None where the behaviour does not arise (no such API).
PROBES: dict[str, Callable[[Any], Finding | None]] = {
    "mask replays the reference's key": replay,
    "mask statistics": statistics,
    "same key, same mask": determinism,
    "shared axes (broadcast_dims, channels)": shared_axes,
    "dropout2d on a 3-D input": dropout2d_on_3d,
}
