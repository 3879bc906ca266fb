"""torch_impl's stream: known answers, bit-identity with numpy_ref, and the integer keep threshold."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr
import torch_impl as ti
from numpy_ref.random import threefry2x32 as reference_block
from torch_impl import kernels, threefry
from torch_impl.keep import KEEP_ALL, for_each_keep, keep_from_words, keep_threshold
from torch_impl.random import threefry2x32
from torch_impl.threefry import CPU_CHUNK, for_each_words

# Random123 kat_vectors for threefry2x32_20 (also in JAX's tests/random_test.py).
KAT = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]
CPU = torch.device("cpu")

seeds = st.one_of(st.integers(0, 2**64 - 1), st.integers(2**64 - 2**10, 2**64 - 1), st.integers(0, 2**10))
shapes = st.lists(st.integers(0, 9), max_size=4).map(tuple)
probabilities = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 2**-24, 1 - 2**-24]), st.floats(0, 1))


def u32(*words: int) -> torch.Tensor:
    return ti.asarray(np.array(words, np.uint32))


@pytest.mark.parametrize(("key", "counter", "expected"), KAT)
def test_threefry_known_answers(key, counter, expected):
    out = threefry2x32(u32(*key), (u32(counter[0]), u32(counter[1])))
    assert out.dtype == torch.uint32
    assert [int(w) & 0xFFFFFFFF for w in out.view(torch.int32)[:, 0]] == list(expected)


@given(seeds)
def test_key_matches_reference(seed):
    k = ti.key(seed)
    assert k.dtype == torch.uint32 and k.shape == (2,)
    np.testing.assert_array_equal(ti.to_numpy(k), nr.key(seed))


@given(seeds, st.integers(0, 9), st.integers(-(2**40), 2**40))
def test_split_and_fold_in_match_reference(seed, n, data):
    k, ref = ti.key(seed), nr.key(seed)
    np.testing.assert_array_equal(ti.to_numpy(ti.split(k, n)), nr.split(ref, n))
    np.testing.assert_array_equal(ti.to_numpy(ti.fold_in(k, data)), nr.fold_in(ref, data))


@given(seeds, shapes, probabilities)
def test_bits_uniform_bernoulli_match_reference(seed, shape, q):
    k, ref = ti.key(seed), nr.key(seed)
    for got, want in [
        (ti.random_bits(k, shape), nr.random_bits(ref, shape)),
        (ti.uniform(k, shape), nr.uniform(ref, shape)),
        (ti.bernoulli(k, q, shape), nr.bernoulli(ref, q, shape)),
    ]:
        got = ti.to_numpy(got)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("path", ["default", "tensor ops"])
def test_two_chunks_match_reference(path):
    n = CPU_CHUNK + 12345
    with kernels.disabled() if path == "tensor ops" else contextlib.nullcontext():
        got = ti.to_numpy(ti.random_bits(ti.key(3), n))
    np.testing.assert_array_equal(got, nr.random_bits(nr.key(3), n))


def test_many_small_chunks_of_the_tensor_op_path_match_reference(monkeypatch):
    monkeypatch.setattr(threefry, "CPU_CHUNK", 4096)
    n = 9 * 4096 + 123
    with kernels.disabled():
        bits, keep = ti.to_numpy(ti.random_bits(ti.key(3), n)), ti.to_numpy(ti.bernoulli(ti.key(3), 0.3, n))
    np.testing.assert_array_equal(bits, nr.random_bits(nr.key(3), n))
    np.testing.assert_array_equal(keep, nr.bernoulli(nr.key(3), 0.3, n))


def words_between(seed: int, start: int, stop: int) -> np.ndarray:
    pieces = {}
    for_each_words(ti.key(seed).view(torch.int32), start, stop, CPU, lambda o, w, _: pieces.update({o: w.clone()}))
    return torch.cat([pieces[o] for o in sorted(pieces)]).view(torch.uint32).numpy()


@given(seeds, st.integers(-3000, 3000))
def test_words_across_the_counter_high_word(seed, shift):
    """Flat indices around 2**32 and 2**33: the counter's high word takes part, as in the reference."""
    for base in (2**32, 2**33):
        start = base + shift - 2000
        index = np.arange(start, start + 4000, dtype=np.uint64)
        b0, b1 = reference_block(nr.key(seed), ((index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)))
        np.testing.assert_array_equal(words_between(seed, start, start + 4000), b0 ^ b1)


def float_decision(words: np.ndarray, q: float) -> np.ndarray:
    """The reference's definition, on given words: ``bitcast((w >> 9) | 0x3F800000) − 1 < float32(q)``."""
    uniform = ((words >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)
    return uniform < np.float32(q)


def integer_decision(words: np.ndarray, q: float) -> np.ndarray:
    """torch_impl's decision on the same words."""
    out = torch.empty(words.shape, dtype=torch.bool)
    return keep_from_words(torch.from_numpy(words.view(np.int32).copy()), keep_threshold(q), out).numpy()


BOUNDARY_QS = [
    0.0,
    2**-24,
    2**-23,
    3 * 2**-23,
    0.1,
    0.3,
    0.5,
    float(np.nextafter(np.float32(0.5), np.float32(0))),
    float(np.nextafter(np.float32(0.5), np.float32(1))),
    0.7 + 2**-30,
    1 - 2**-23,
    1 - 2**-24,
    1 - 2**-25,
    1.0,
]


@pytest.mark.parametrize("q", BOUNDARY_QS)
def test_integer_threshold_equals_float_compare_exhaustively_at_the_boundary(q):
    """Every word whose top 23 bits lie within 4096 of the threshold, all 512 low-bit patterns each."""
    threshold = keep_threshold(q)
    assert threshold == math.ceil(float(np.float32(q)) * 2**23) and 0 <= threshold <= KEEP_ALL
    top = np.arange(max(threshold - 4096, 0), min(threshold + 4096, 2**23), dtype=np.uint32)
    words = ((top[:, None] << np.uint32(9)) | np.arange(512, dtype=np.uint32)).reshape(-1)
    np.testing.assert_array_equal(integer_decision(words, q), float_decision(words, q))


@pytest.mark.parametrize("q", [0.25, float(np.float32(0.9) + 2**-27)])
def test_integer_threshold_equals_float_compare_on_every_mantissa(q):
    for low in (0, 511):
        words = (np.arange(2**23, dtype=np.uint32) << np.uint32(9)) | np.uint32(low)
        np.testing.assert_array_equal(integer_decision(words, q), float_decision(words, q))


def test_keep_is_constant_and_drawn_once_at_q_0_and_1():
    for q, value in [(0.0, False), (1.0, True)]:
        calls: list = []
        record = calls.append
        for_each_keep(
            ti.key(0).view(torch.int32), q, 10, CPU, lambda o, keep, record=record: record((o, keep.tolist()))
        )
        assert calls == [(0, [value] * 10)]
