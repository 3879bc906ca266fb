"""The exact binomial test against rational arithmetic, and Hoeffding's threshold against its formula."""

import math
from fractions import Fraction

import pytest

from conformance.stats import binomial_log_pmf, binomial_p_value, binomial_tails, hoeffding_threshold


def exact_tails(k: int, n: int, q: Fraction) -> tuple[Fraction, Fraction]:
    pmf = [math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(n + 1)]
    return sum(pmf[: k + 1], Fraction(0)), sum(pmf[k:], Fraction(0))


@pytest.mark.parametrize("n", [1, 7, 40, 200])
@pytest.mark.parametrize("q", [Fraction(1, 2), Fraction(1, 8), Fraction(7, 8), Fraction(1, 3)])
def test_tails_match_rational_arithmetic(n: int, q: Fraction) -> None:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n} - {-1}):
        lower, upper = binomial_tails(k, n, float(q))
        want_lower, want_upper = exact_tails(k, n, q)
        assert lower == pytest.approx(float(want_lower), rel=1e-10, abs=1e-300)
        assert upper == pytest.approx(float(want_upper), rel=1e-10, abs=1e-300)


def test_far_tails_stay_accurate_without_cancellation() -> None:
    """P(X ≤ 0) for Binomial(1000, 1/2) is 2**-1000: summed on its own side, not as 1 − P(X ≥ 1)."""
    lower, _ = binomial_tails(0, 1000, 0.5)
    assert lower == pytest.approx(2.0**-1000, rel=1e-9)
    assert binomial_tails(1000, 1000, 0.5)[1] == pytest.approx(2.0**-1000, rel=1e-9)


def test_large_n_matches_the_full_sum() -> None:
    """The early stop on negligible terms changes nothing visible at the suite's size (n = 65792)."""
    n, q, k = 65792, 0.75, 49100
    full = math.fsum(math.exp(binomial_log_pmf(j, n, q)) for j in range(k + 1))
    assert binomial_tails(k, n, q)[0] == pytest.approx(full, rel=1e-9)


def test_p_value_is_two_sided_and_capped() -> None:
    assert binomial_p_value(5, 10, 0.5) == 1.0
    lower = float(exact_tails(1, 20, Fraction(1, 2))[0])
    assert binomial_p_value(1, 20, 0.5) == pytest.approx(2 * lower, rel=1e-10)
    assert binomial_p_value(19, 20, 0.5) == pytest.approx(2 * lower, rel=1e-10)
    assert binomial_p_value(0, 10, 0.0) == 1.0 and binomial_p_value(1, 10, 0.0) == 0.0


def test_size_of_the_test_is_at_most_alpha() -> None:
    """Summing the probability of every k the test rejects at α gives at most α (exactly, for small n)."""
    n, q, alpha = 60, Fraction(1, 4), 1e-3
    rejected = [k for k in range(n + 1) if binomial_p_value(k, n, float(q)) <= alpha]
    size = sum(math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in rejected)
    assert rejected and float(size) <= alpha


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k=11"):
        binomial_tails(11, 10, 0.5)


def test_hoeffding_threshold_solves_the_bound() -> None:
    ranges, alpha = 1234.5, 1e-6
    t = hoeffding_threshold(ranges, alpha)
    assert 2 * math.exp(-2 * t * t / ranges) == pytest.approx(alpha, rel=1e-12)
