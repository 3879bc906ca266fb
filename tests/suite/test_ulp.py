"""ULP distance, ULP size and the scaled error, on hand-counted cases in all four dtypes."""

import ml_dtypes
import numpy as np
import pytest

from conformance.ulp import bits_equal, ordinal, scaled_error, ulp_distance, ulp_size

BF16 = ml_dtypes.bfloat16


@pytest.mark.parametrize("dtype", [np.float16, BF16, np.float32, np.float64])
def test_neighbours_are_one_apart_and_zeros_are_signed(dtype: type) -> None:
    one, step = np.array(1.0, dtype), float(ml_dtypes.finfo(dtype).eps)
    assert ulp_distance(np.array(1.0 + step, dtype), one) == 1
    assert ulp_distance(np.array(1.0 + 4 * step, dtype), one) == 4
    assert ulp_distance(np.array(-0.0, dtype), np.array(0.0, dtype)) == 1
    line = [ordinal(np.array(v, dtype)) for v in (-1.0, -0.0, 0.0, 1.0)]
    assert line == sorted(line) and len(set(map(int, line))) == 4


def test_nan_matches_nan_only() -> None:
    nan, one = np.array([np.nan], np.float32), np.array([1.0], np.float32)
    other_nan = np.array([0x7FC00001], np.uint32).view(np.float32)  # another payload
    assert ulp_distance(nan, other_nan)[0] == 0 and bits_equal(nan, other_nan)[0]
    assert ulp_distance(nan, one)[0] == np.inf and ulp_distance(one, nan)[0] == np.inf


def test_opposite_extremes_do_not_overflow() -> None:
    big = np.finfo(np.float64).max
    # ordinal(max) = 0x7FEFFFFFFFFFFFFF = 2**63 - 2**52 - 1, and -max sits that far below -0, which is -1
    assert ulp_distance(np.array(-big), np.array(big)) == pytest.approx(2.0**64 - 2**53 - 1, rel=1e-15)


@pytest.mark.parametrize(
    ("x", "dtype", "size"),
    [
        (1.0, np.float32, 2.0**-23),
        (1.5, np.float32, 2.0**-23),
        (2.0, np.float32, 2.0**-22),
        (0.0, np.float16, 2.0**-24),  # the subnormal spacing
        (1e-40, np.float32, 2.0**-149),
        (1.0, BF16, 2.0**-7),
        (3.0e38, BF16, 2.0**120),
        (1.0, np.float64, 2.0**-52),
    ],
)
def test_ulp_size(x: float, dtype: type, size: float) -> None:
    assert ulp_size(np.array(x), np.dtype(dtype)) == size


def test_scaled_error_measures_against_the_larger_magnitude() -> None:
    got, want = np.array([1e-6], np.float32), np.array([0.0], np.float32)
    assert scaled_error(got, want)[0] > 1e30  # against |want| = 0: astronomically many subnormal ULPs
    assert scaled_error(got, want, np.array([1.0]))[0] == pytest.approx(1e-6 / 2.0**-23)
    assert scaled_error(np.array([np.inf]), np.array([np.inf]))[0] == 0
    assert scaled_error(np.array([np.inf]), np.array([-np.inf]))[0] == np.inf
    assert scaled_error(np.array([0.0]), np.array([-0.0]))[0] == 0  # a tolerance compares values, not zero signs
