"""Dropout's contract (C7–C9): exact scale, +0.0 for dropped elements, edges, broadcast dims, flax."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr
from numpy_ref.dtypes import FLOAT_DTYPES

dtypes = st.sampled_from(list(FLOAT_DTYPES.values()))
shapes = st.lists(st.integers(0, 6), max_size=4).map(tuple)
probs = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))


def _scale(p, dtype):
    # Written out independently of numpy_ref.dropout_scale: 1 - p rounded to the computation dtype,
    # then its reciprocal rounded there (C7).
    wide = np.float64 if dtype == np.float64 else np.float32
    with np.errstate(divide="ignore", over="ignore"):
        return wide(1.0) / wide(1.0 - p)


@given(st.integers(0, 2**64 - 1), shapes, probs, dtypes)
def test_survivors_are_x_times_scale_and_dropped_are_positive_zero(seed, shape, p, dtype):
    x = np.random.default_rng(seed % 2**32).standard_normal(shape).astype(dtype)
    keep = nr.dropout_mask(nr.key(seed), p, shape)
    y = nr.dropout(x, p, nr.key(seed))
    assert y.dtype == x.dtype and y.shape == x.shape
    dropped = y[~keep].astype(np.float64)
    assert np.all(dropped == 0.0) and not np.any(np.signbit(dropped))
    if p < 1.0:
        wide = _scale(p, dtype).dtype
        np.testing.assert_array_equal(y[keep], (x[keep].astype(wide) * _scale(p, dtype)).astype(dtype))


def test_non_finite_inputs():
    x = np.array([np.inf, -np.inf, np.nan, 1.0, -0.0], np.float32)
    keep = np.array([False, True, False, True, True])
    y = nr.dropout_forward(x, keep, 0.5)
    assert y[0] == 0.0 and not np.signbit(y[0])  # a dropped inf is +0.0, not NaN
    assert y[2] == 0.0 and not np.signbit(y[2])  # a dropped NaN too
    assert y[1] == -np.inf and y[3] == 2.0
    assert y[4] == 0.0 and np.signbit(y[4])  # a kept -0.0 stays -0.0


def test_p_one_gives_zeros_and_zero_gradient_even_for_inf():
    x = np.array([np.inf, np.nan, 3.0], np.float32)
    keep = nr.dropout_mask(nr.key(1), 1.0, x.shape)
    assert not keep.any()
    for out in (nr.dropout(x, 1.0, nr.key(1)), nr.dropout_backward(x, keep, 1.0)):
        assert np.all(out == 0.0) and not np.any(np.signbit(out))


def test_p_zero_is_a_copy_equal_to_x():
    x = np.array([1.5, -0.0, np.inf], np.float16)
    y = nr.dropout(x, 0.0, nr.key(2))
    np.testing.assert_array_equal(y, x)
    assert np.signbit(y[1]) and y is not x and not np.shares_memory(x, y)


def test_eval_returns_the_input_object():
    x = np.ones(3, np.float32)
    assert nr.dropout(x, 0.5, nr.key(0), training=False) is x


def test_scale_is_formed_in_float32_for_half_precision():
    # p = 0.1, x = 7 (float16). C7: s = float32(1/float32(0.9)) = 1.1111112, 7·s = 7.7777786 in float32, which
    # rounds to float16 7.777. Had the scale been rounded to float16 (1.111) and the product formed in
    # float16, the result would be 7.78 — one float16 ulp away.
    y = nr.dropout_forward(np.array([7.0], np.float16), np.array([True]), 0.1)
    assert y[0] == np.float16(7.777)
    assert y[0] != np.float16(7.0) * np.float16(1.0 / 0.9)


@given(st.integers(0, 2**32 - 1), st.sampled_from([(), (0,), (1,), (0, 2), (-1,), (1, 2)]))
def test_broadcast_dims_share_one_draw(seed, dims):
    shape = (3, 4, 5)
    keep = nr.dropout_mask(nr.key(seed), 0.5, shape, broadcast_dims=dims)
    axes = {d % 3 for d in dims}
    mask_shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    small = nr.bernoulli(nr.key(seed), 0.5, mask_shape)
    np.testing.assert_array_equal(keep, np.broadcast_to(small, shape))


def test_same_key_same_mask_different_key_different_mask():
    a = nr.dropout_mask(nr.key(10), 0.5, (64, 64))
    np.testing.assert_array_equal(a, nr.dropout_mask(nr.key(10), 0.5, (64, 64)))
    assert not np.array_equal(a, nr.dropout_mask(nr.key(11), 0.5, (64, 64)))
