"""jax_impl's stream against numpy_ref's, bit for bit, and the integer keep-threshold against the float compare."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jax_impl as jx
import numpy_ref as nr
from jax_impl.random import bits_at, keep_below, keep_threshold
from numpy_ref.random import threefry2x32

# Random123 kat_vectors for threefry2x32_20 (also in JAX's tests/random_test.py).
KAT = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]

seeds = st.integers(0, 2**64 - 1)
# A few fixed shapes: each new shape compiles, the values vary freely inside them.
shapes = st.sampled_from([(), (0,), (1,), (7,), (3, 5), (2, 3, 4), (1000,)])
probabilities = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 2.0**-24, 1 - 2.0**-24]), st.floats(0.0, 1.0))


def same(got: jax.Array, want: np.ndarray) -> None:
    got = jx.to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("key", "counter", "expected"), KAT)
def test_threefry_known_answers(key, counter, expected):
    out = jx.random.threefry2x32(key, (np.uint32([counter[0]]), np.uint32([counter[1]])))
    assert tuple(int(w) for w in out[:, 0]) == expected


@given(seeds)
def test_key_is_the_reference_key(seed):
    same(jx.key(seed), nr.key(seed))


@given(seeds, st.integers(0, 9))
def test_split_is_the_reference_split(seed, num):
    same(jx.split(nr.key(seed), num), nr.split(nr.key(seed), num))


@given(seeds, st.integers(-(2**40), 2**40))
def test_fold_in_is_the_reference_fold_in(seed, data):
    same(jx.fold_in(nr.key(seed), data), nr.fold_in(nr.key(seed), data))


@given(seeds, st.integers(-(2**31), 2**31 - 1))
def test_fold_in_takes_a_traced_integer_mod_2_32(seed, data):
    folded = jax.jit(jx.fold_in)(nr.key(seed), jnp.int32(data))
    same(folded, nr.fold_in(nr.key(seed), data))


@given(seeds, shapes)
def test_random_bits_and_uniform_are_the_reference_stream(seed, shape):
    same(jx.random_bits(nr.key(seed), shape), nr.random_bits(nr.key(seed), shape))
    same(jx.uniform(nr.key(seed), shape), nr.uniform(nr.key(seed), shape))


@given(seeds, probabilities, shapes)
def test_bernoulli_is_the_reference_bernoulli(seed, q, shape):
    same(jx.bernoulli(nr.key(seed), q, shape), nr.bernoulli(nr.key(seed), q, shape))


@given(seeds, probabilities)
def test_traced_q_gives_the_same_draw(seed, q):
    draw = jax.jit(jx.bernoulli, static_argnums=2)(nr.key(seed), np.float32(q), (64,))
    same(draw, nr.bernoulli(nr.key(seed), float(np.float32(q)), (64,)))


def test_the_high_counter_word_is_placed_as_in_the_reference():
    # Elements 2**32 … 2**32 + 99 of a stream (counters (1, 0) … (1, 99)), without a 16 GiB array.
    b0, b1 = threefry2x32(nr.key(11), (np.ones(100, np.uint32), np.arange(100, dtype=np.uint32)))
    want = b0 ^ b1
    same(jax.jit(bits_at, static_argnums=(1, 2))(jnp.asarray(nr.key(11)), 1, 100), want)


def test_a_typed_threefry_key_is_read_as_its_raw_words():
    typed = jax.random.wrap_key_data(jnp.asarray(nr.key(5)))
    same(jx.random_bits(typed, (10,)), nr.random_bits(nr.key(5), (10,)))
    with pytest.raises(TypeError, match="threefry2x32"):
        jx.random_bits(jax.random.key(5, impl="rbg"), (10,))


@given(seeds)
def test_compiled_equals_eager(seed):
    k = nr.key(seed)
    with jx.eager():
        eager = [jx.random_bits(k, (3, 5)), jx.bernoulli(k, 0.3, (3, 5)), jx.split(k, 3), jx.fold_in(k, 9)]
    compiled = [jx.random_bits(k, (3, 5)), jx.bernoulli(k, 0.3, (3, 5)), jx.split(k, 3), jx.fold_in(k, 9)]
    for a, b in zip(eager, compiled):
        same(a, jx.to_numpy(b))


def _float_decision(bits: np.ndarray, q: np.float32) -> np.ndarray:
    """The reference's decision, spelled out: the uniform float compared with float32(q)."""
    return ((bits >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0) < q


# The threshold from the host (q concrete) and from the device (q traced inside the jit).
_decisions = {
    "host": lambda bits, q: jax.jit(keep_below)(bits, keep_threshold(q)),
    "device": jax.jit(lambda bits, q: keep_below(bits, keep_threshold(q))),
}
_BOUNDARY_QS = [
    0.0,
    np.float32(1e-45),  # the smallest subnormal
    2.0**-24,
    2.0**-23,
    3 * 2.0**-23,
    0.1,
    0.5,
    1 - 2.0**-23,
    1 - 2.0**-24,
    1.0,
]


def _subnormal(q: float) -> bool:
    return 0 < q < 2.0**-126  # XLA flushes these to zero on the device (documented): host threshold only


@pytest.mark.parametrize(
    ("q", "where"), [(q, where) for q in _BOUNDARY_QS for where in _decisions if where == "host" or not _subnormal(q)]
)
def test_keep_threshold_equals_the_float_compare_on_every_mantissa(q, where):
    # All 2**23 values the uniform takes, each with its lowest and highest 9 discarded bits.
    m = np.arange(1 << 23, dtype=np.uint32) << np.uint32(9)
    for bits in (m, m | np.uint32(0x1FF)):
        decision = _decisions[where](bits, np.float32(q))
        np.testing.assert_array_equal(np.asarray(decision), _float_decision(bits, np.float32(q)))


@given(st.floats(0.0, 1.0, width=32), st.sampled_from([-1, 0, 1]))
def test_keep_threshold_equals_the_float_compare_at_the_boundary(q, nudge):
    # q itself, or its float32 neighbour, against the mantissas on both sides of q · 2**23.
    qf = np.nextafter(np.float32(q), np.float32(nudge * 2)) if nudge else np.float32(q)
    qf = np.clip(qf, np.float32(0), np.float32(1))
    decisions = [_decisions["host"]] if _subnormal(qf) else _decisions.values()
    centre = int(np.floor(np.float64(qf) * 2**23))
    m = np.arange(max(centre - 2, 0), min(centre + 3, 1 << 23), dtype=np.uint32)
    bits = np.concatenate([m << np.uint32(9), (m << np.uint32(9)) | np.uint32(0x1FF)])
    for decide in decisions:
        np.testing.assert_array_equal(np.asarray(decide(bits, qf)), _float_decision(bits, qf))
