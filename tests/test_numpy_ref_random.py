"""The portable stream: known-answer vectors, the counter layout, and bit-identity with jax.random."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr
from numpy_ref.random import threefry2x32

# Random123 kat_vectors for threefry2x32_20 (also in JAX's tests/random_test.py).
KAT = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]

seeds = st.integers(0, 2**64 - 1)
shapes = st.lists(st.integers(0, 7), max_size=4).map(tuple)


@pytest.mark.parametrize(("key", "counter", "expected"), KAT)
def test_threefry_known_answers(key, counter, expected):
    out = threefry2x32(key, (np.uint32([counter[0]]), np.uint32([counter[1]])))
    assert tuple(int(w) for w in out[:, 0]) == expected


def test_key_layout():
    assert nr.key(0x0123456789ABCDEF).tolist() == [0x01234567, 0x89ABCDEF]
    assert nr.key(2**64 - 1).tolist() == [0xFFFFFFFF, 0xFFFFFFFF]
    assert nr.key(0).dtype == np.uint32


@given(seeds, st.integers(1, 9))
def test_split_rows_are_fold_ins_and_block_outputs(seed, n):
    k = nr.key(seed)
    keys = nr.split(k, n)
    assert keys.shape == (n, 2) and keys.dtype == np.uint32
    for j in range(n):
        assert keys[j].tolist() == nr.fold_in(k, j).tolist()
        assert keys[j].tolist() == threefry2x32(k, (np.uint32([0]), np.uint32([j])))[:, 0].tolist()


def test_fold_in_reduces_data_mod_2_32():
    k = nr.key(7)
    assert nr.fold_in(k, 2**32 + 5).tolist() == nr.fold_in(k, 5).tolist()


@given(seeds, shapes)
def test_random_bits_follow_the_counter_layout(seed, shape):
    k = nr.key(seed)
    bits = nr.random_bits(k, shape)
    assert bits.shape == shape and bits.dtype == np.uint32
    index = np.arange(bits.size, dtype=np.uint32)
    b0, b1 = threefry2x32(k, (np.zeros_like(index), index))
    np.testing.assert_array_equal(bits.ravel(), b0 ^ b1)


def test_random_bits_chunking_and_threads_do_not_change_words():
    k = nr.key(3)
    for n in (5 * (1 << 16) + 123, 9 * (1 << 18) + 5):  # several chunks over the thread pool, ragged tails
        index = np.arange(n, dtype=np.uint32)
        b0, b1 = threefry2x32(k, (np.zeros_like(index), index))  # one block call: no chunks, no threads
        np.testing.assert_array_equal(nr.random_bits(k, (n,)), b0 ^ b1)


def test_uniform_takes_the_top_23_bits():
    k = nr.key(11)
    bits, u = nr.random_bits(k, (1000,)), nr.uniform(k, (1000,))
    assert u.dtype == np.float32
    np.testing.assert_array_equal(u.astype(np.float64) * 2.0**23, (bits >> 9).astype(np.float64))
    assert 0.0 <= u.min() and u.max() <= 1.0 - 2.0**-23


def test_bernoulli_edges_and_float32_rounding_of_q():
    k = nr.key(5)
    assert nr.bernoulli(k, 0.0, (100,)).sum() == 0
    assert nr.bernoulli(k, 1.0, (100,)).all()
    q = 0.3  # float32(0.3) > 0.3: the comparison uses the rounded value, as JAX does
    np.testing.assert_array_equal(nr.bernoulli(k, q, (5000,)), nr.uniform(k, (5000,)) < np.float32(q))


jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _jax_key(k):
    return jax.random.wrap_key_data(jnp.asarray(k), impl="threefry2x32")


@functools.cache
def _jax_draws(shape):
    """One compiled function per shape (JAX compiles per shape; keys and q are traced)."""

    def draws(raw_key, q):
        jk = _jax_key(raw_key)
        return (
            jax.random.bits(jk, shape),
            jax.random.uniform(jk, shape),
            jax.random.bernoulli(jk, q, shape),
            jax.random.key_data(jax.random.split(jk, 3)),
            jax.random.key_data(jax.random.fold_in(jk, 9)),
        )

    return jax.jit(draws)


@given(
    seeds,
    st.sampled_from([(), (0,), (7,), (3, 5), (2, 0, 3), (2, 3, 4), (1, 2, 3, 5)]),
    st.sampled_from([0.0, 0.1, 0.5, 0.7, 1.0]),
)
def test_bit_identical_to_jax_random(seed, shape, q):
    k = nr.key(seed)
    bits, u, b, keys, folded = (np.asarray(a) for a in _jax_draws(shape)(jnp.asarray(k), np.float32(q)))
    np.testing.assert_array_equal(bits, nr.random_bits(k, shape))
    np.testing.assert_array_equal(u, nr.uniform(k, shape))
    np.testing.assert_array_equal(b, nr.bernoulli(k, q, shape))
    np.testing.assert_array_equal(keys, nr.split(k, 3))
    np.testing.assert_array_equal(folded, nr.fold_in(k, 9))


def test_jax_block_function_agrees_on_a_high_counter_word():
    # Flat indices >= 2**32 put i >> 32 in the first counter word; too big to materialise, so the
    # block function is compared directly where that word is non-zero.
    from jax.extend.random import threefry_2x32

    k = nr.key(99)
    hi, lo = np.uint32([1, 7, 2**32 - 1]), np.uint32([0, 12345, 2**32 - 1])
    want = np.asarray(threefry_2x32(jnp.asarray(k), jnp.concatenate([jnp.asarray(hi), jnp.asarray(lo)])))
    np.testing.assert_array_equal(threefry2x32(k, (hi, lo)).ravel(), want)
