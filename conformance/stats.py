"""Exact tests for a framework's own random masks, each with a stated false-positive rate.

No SciPy: the binomial tail is summed in log space from ``math.lgamma`` (exact enough that the tests
in ``tests/suite`` compare it with rational arithmetic), and the mean test uses Hoeffding's bound,
which holds for any bounded independent variables. A test *rejects* only when the observation is at
most ``alpha`` likely under the hypothesis of a correct generator, so with fixed seeds and
``alpha = 1e-6`` a correct backend fails a given test with probability at most one in a million —
and, the seeds being fixed, either always or never.
"""

from __future__ import annotations

import math

__all__ = ["binomial_log_pmf", "binomial_p_value", "binomial_tails", "hoeffding_threshold"]


def binomial_log_pmf(k: int, n: int, q: float) -> float:
    """``log P(X = k)`` for ``X ~ Binomial(n, q)``; ``-inf`` where the probability is 0."""
    if not 0 <= k <= n:
        return -math.inf
    if q in (0.0, 1.0):
        return 0.0 if k == (0 if q == 0.0 else n) else -math.inf
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return log_choose + k * math.log(q) + (n - k) * math.log1p(-q)


_NEGLIGIBLE = 60.0  # stop a tail once terms fall below e**-60 of its largest: n·e**-60 < 1e-20 relative


def _log_tail(k: int, n: int, q: float, step: int) -> float:
    """``log Σ P(X = j)`` for ``j = k, k + step, …`` until the terms, now decreasing, are negligible."""
    mode = math.floor((n + 1) * q)
    logs: list[float] = []
    top, j = -math.inf, k
    while 0 <= j <= n:
        logs.append(binomial_log_pmf(j, n, q))
        top = max(top, logs[-1])
        past_mode = j < mode if step < 0 else j > mode
        if past_mode and logs[-1] < top - _NEGLIGIBLE:
            break
        j += step
    if top == -math.inf:
        return -math.inf
    return top + math.log(math.fsum(math.exp(x - top) for x in logs))


def binomial_tails(k: int, n: int, q: float) -> tuple[float, float]:
    """``(P(X ≤ k), P(X ≥ k))`` for ``X ~ Binomial(n, q)``, each summed on its own side (no ``1 − p`` cancellation)."""
    if not 0 <= k <= n or not 0.0 <= q <= 1.0:
        raise ValueError(f"need 0 <= k <= n and 0 <= q <= 1, got k={k}, n={n}, q={q}")
    return min(1.0, math.exp(_log_tail(k, n, q, -1))), min(1.0, math.exp(_log_tail(k, n, q, +1)))


def binomial_p_value(k: int, n: int, q: float) -> float:
    """Two-sided p-value ``min(1, 2·min(P(X ≤ k), P(X ≥ k)))``: rejecting when it is ``≤ α`` has size ``≤ α``."""
    lower, upper = binomial_tails(k, n, q)
    return min(1.0, 2.0 * min(lower, upper))


def hoeffding_threshold(sum_of_squared_ranges: float, alpha: float) -> float:
    """``t`` with ``P(|Σ(Y_i − E Y_i)| ≥ t) ≤ alpha`` for independent ``Y_i`` each in a range of width ``r_i``.

    Hoeffding (1963): ``P(|S − E S| ≥ t) ≤ 2·exp(−2t² / Σ r_i²)``; solved for ``t``.
    """
    return math.sqrt(sum_of_squared_ranges * math.log(2.0 / alpha) / 2.0)
