"""Statistical tests of the masks, for any generator — including a framework's own, which cannot be replayed.

Fixed keys, so each test either always passes or always fails; each is an exact test whose false-positive
rate for a correct generator is at most ALPHA = 1e-6 (split evenly over its checks: Bonferroni). Masks of
65,792 elements see a kept fraction off by 1.5 % (at p = 0.5), and a mean off by 2.5 %.
"""

from __future__ import annotations

import numpy as np
import pytest

import numpy_ref
from conformance.backends import Backend
from conformance.calls import Call
from conformance.recording import record
from conformance.stats import binomial_p_value, hoeffding_threshold

ALPHA = 1e-6
SEEDS = (0, 1, 2**32 + 5, 2**64 - 1)
RATES = (0.5, 0.25, 0.875)  # dyadic: every generator with three or more bits of resolution hits them exactly
SHAPE = (256, 257)  # past 2**16 elements: a chunk boundary of the reference's generator


def _binomial(backend: Backend, call: Call, kept: int, n: int, q: float, checks: int, what: str) -> None:
    __tracebackhide__ = True
    p_value = binomial_p_value(kept, n, q)
    record("p-value", p_value)
    expected = f"expected {n * q:.0f} ± {np.sqrt(n * q * (1 - q)):.0f}"
    assert p_value > ALPHA / checks, (
        f"{backend.name}: {call.describe()}: {what}: {kept} of {n}, {expected}; two-sided binomial "
        f"p-value {p_value:.3g} ≤ {ALPHA / checks:.3g} (α = {ALPHA:g} over {checks} checks)"
    )


def _mask(backend: Backend, seed: int, p: float, op: str = "dropout_mask") -> tuple[Call, np.ndarray]:
    call = Call(op, (numpy_ref.key(seed), 1 - p if op == "bernoulli" else p, SHAPE), seed=seed)
    return call, np.asarray(call.on(backend))


@pytest.mark.ops("dropout_mask", "bernoulli")
def test_kept_fraction_is_binomial(backend: Backend, op: str) -> None:
    for seed in SEEDS:
        for p in RATES:
            call, mask = _mask(backend, seed, p, op)
            _binomial(backend, call, int(mask.sum()), mask.size, 1 - p, len(SEEDS) * len(RATES), "elements kept")


def test_neighbours_are_independent(backend: Backend) -> None:
    """Disjoint pairs of neighbours (along rows, at even and odd offsets, and along columns) are both kept
    with probability (1 − p)², independently: Binomial(pairs, (1 − p)²)."""
    pairings = (("along rows", 1, 0), ("along rows", 1, 1), ("along columns", 0, 0))
    checks = len(SEEDS) * len(RATES) * len(pairings)
    for seed in SEEDS:
        for p in RATES:
            call, m = _mask(backend, seed, p)
            for name, axis, offset in pairings:
                n = m.shape[axis]
                a, b = m.take(range(offset, n - 1, 2), axis=axis), m.take(range(offset + 1, n, 2), axis=axis)
                what = f"pairs (2i + {offset}, 2i + {offset + 1}) {name} both kept"
                _binomial(backend, call, int((a & b).sum()), a.size, (1 - p) ** 2, checks, what)


def test_consecutive_keys_are_independent(backend: Backend) -> None:
    """Masks for the two keys of ``split(key)`` agree on kept elements as independent ones do: Binomial(n, (1 − p)²)."""
    checks = len(SEEDS) * len(RATES)
    for seed in SEEDS:
        first, second = numpy_ref.split(numpy_ref.key(seed))
        for p in RATES:
            calls = [Call("dropout_mask", (k, p, SHAPE), seed=seed) for k in (first, second)]
            a, b = (np.asarray(c.on(backend)) for c in calls)
            _binomial(backend, calls[1], int((a & b).sum()), a.size, (1 - p) ** 2, checks, "kept in both masks")


def test_dropout_preserves_the_mean(backend: Backend) -> None:
    """E[dropout(x)] = x: by Hoeffding, |Σ(y − x)| ≥ t has probability ≤ α for y_i ∈ [0, s·x_i] independent.
    The bound adds the rounding of each y_i = x_i·s (≤ one float32 ULP each), which is not random."""
    x = np.linspace(0.5, 1.5, num=SHAPE[0] * SHAPE[1], dtype=np.float32).reshape(SHAPE)
    checks = len(SEEDS) * len(RATES)
    for seed in SEEDS:
        for p in RATES:
            call = Call("dropout", (x, p, numpy_ref.key(seed)), seed=seed, dtype="float32")
            y = np.asarray(call.on(backend), np.float64)
            s, wide = 1.0 / (1.0 - p), x.astype(np.float64)
            deviation, ranges = float(np.sum(y - wide)), float(np.sum((s * wide) ** 2))
            rounding = float(np.sum(s * wide)) * 2.0**-23
            limit = hoeffding_threshold(ranges, ALPHA / checks) + rounding
            record("p-value", min(1.0, 2 * np.exp(-2 * max(0.0, abs(deviation) - rounding) ** 2 / ranges)))
            assert abs(deviation) <= limit, (
                f"{backend.name}: {call.describe()}: Σ(y − x) = {deviation:.6g} over {x.size} elements "
                f"(mean ratio {1 + deviation / float(np.sum(x)):.6g}), beyond ±{limit:.6g}: E[y] = x fails "
                f"(Hoeffding, α = {ALPHA:g} over {checks} checks; s = 1/(1 − p) = {s:g})"
            )
