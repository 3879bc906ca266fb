"""The fused dropout kernel (torch_impl.kernels), run in Triton's interpreter on CPU: numpy_ref's bits.

bfloat16 is left to the GPU (tests/test_torch_cuda.py, benchmarks/): the interpreter's float32 →
bfloat16 conversion does not round to nearest even (see torch_impl/kernels/interpreter.py).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

pytest.importorskip("triton")

import triton
import triton.language as tl

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from torch_impl import kernels
from torch_impl.dropout import dropout_scale
from torch_impl.keep import KEEP_ALL, keep_threshold
from torch_impl.kernels.interpreter import interpreted

DTYPES = ["float16", "float32", "float64"]


@pytest.fixture(scope="module")
def k():
    with interpreted() as modules:
        yield modules


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    specials = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0], size=shape)
    return np.where(rng.random(shape) < 0.2, specials, x).astype(nr.dtypes.FLOAT_DTYPES[dtype])


def fused(k, x, p, seed, axes=(), **options):
    x_t = torch.from_numpy(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x
    words = ti.key(seed).view(torch.int32)
    return k["dropout"].masked_scale(x_t, words, keep_threshold(1.0 - p), dropout_scale(p, x_t.dtype), axes, **options)


def assert_same(got, want):
    got = ti.to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert bits_equal(got, want).all()


def _words(hi_ptr, lo_ptr, out_ptr, k0, k1, n, BLOCK: tl.constexpr):
    i = tl.arange(0, BLOCK)
    hi = tl.load(hi_ptr + i, mask=i < n).to(tl.uint32, bitcast=True)
    lo = tl.load(lo_ptr + i, mask=i < n).to(tl.uint32, bitcast=True)
    key0, key1 = tl.cast(k0, tl.uint32, bitcast=True), tl.cast(k1, tl.uint32, bitcast=True)
    tl.store(out_ptr + i, THREEFRY.threefry_word(key0, key1, hi, lo).to(tl.int32, bitcast=True), mask=i < n)


def test_threefry_word_matches_the_reference_with_high_counter_words(k):
    global THREEFRY
    THREEFRY = k["threefry"]
    rng = np.random.default_rng(0)
    hi = np.concatenate([[0, 0xFFFFFFFF, 0x243F6A88], rng.integers(0, 2**32, 61)]).astype(np.uint32)
    lo = np.concatenate([[0, 0xFFFFFFFF, 0x85A308D3], rng.integers(0, 2**32, 61)]).astype(np.uint32)
    out = torch.empty(64, dtype=torch.int32)
    for key in [(0, 0), (0xFFFFFFFF, 0xFFFFFFFF), (0x13198A2E, 0x03707344)]:
        words = [w - 2**32 if w >= 2**31 else w for w in key]
        triton.jit(_words)[(1,)](
            torch.from_numpy(hi.view(np.int32)), torch.from_numpy(lo.view(np.int32)), out, *words, 64, BLOCK=64
        )
        b0, b1 = nr.random.threefry2x32(np.array(key, np.uint32), (hi, lo))
        np.testing.assert_array_equal(out.numpy().view(np.uint32), b0 ^ b1)
    assert out.numpy().view(np.uint32)[2] == 0xC4923A9C ^ 0x483DF7A0  # the known-answer vector


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.3, 0.9, 1e-6])
def test_forward_matches_reference(k, dtype, p):
    x = sample((37, 113), dtype)
    for seed in [0, 2**64 - 1]:
        assert_same(fused(k, x, p, seed), nr.dropout(x, p, nr.key(seed)))


@pytest.mark.parametrize(
    ("shape", "axes"),
    [((3, 5, 7), (0,)), ((4, 6, 8, 9), (2, 3)), ((2, 3, 4, 5, 6), (1, 3)), ((5, 1, 7), (1,)), ((4, 5), (0, 1))],
)
def test_broadcast_dims_match_reference(k, shape, axes):
    x = sample(shape, "float32", seed=1)
    assert_same(fused(k, x, 0.5, 11, axes), nr.dropout(x, 0.5, nr.key(11), broadcast_dims=axes))


def test_declines_what_the_eager_path_does_better(k):
    x = sample((2, 3, 2, 3, 2, 3, 2), "float32")
    assert fused(k, x, 0.5, 0, (1, 3, 5)) is None  # four kept runs
    assert fused(k, x, 0.0, 0) is None and keep_threshold(1.0) == KEEP_ALL  # nothing dropped
    assert fused(k, x, 1.0, 0) is None  # everything dropped
    assert fused(k, x[:0], 0.5, 0) is None


def test_non_contiguous_input_wide_indices_and_a_key_in_memory(k, monkeypatch):
    x = sample((64, 48), "float64").T  # a transposed view
    want = nr.dropout(np.ascontiguousarray(x), 0.4, nr.key(3))
    x_t = torch.from_numpy(np.ascontiguousarray(x.T)).T
    assert not x_t.is_contiguous()
    assert_same(fused(k, x_t, 0.4, 3), want)
    assert_same(fused(k, x_t, 0.4, 3, key_in_memory=True), want)
    monkeypatch.setattr(k["dropout"], "_INT32_INDEX_LIMIT", 0)  # int64 indices and the counter's high word
    assert_same(fused(k, x_t, 0.4, 3), want)
    assert_same(fused(k, x_t, 0.4, 3, (1,)), nr.dropout(np.ascontiguousarray(x), 0.4, nr.key(3), broadcast_dims=(1,)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_dispatch_forward_and_regenerated_backward(k, dtype, monkeypatch):
    """Through torch_impl.dropout (the kernel made usable on CPU): forward and autograd, bit for bit."""
    monkeypatch.setattr(kernels, "usable", lambda name, *tensors: True)
    x = sample((33, 65), dtype, seed=2)
    d_y = sample(x.shape, dtype, seed=3)
    x_t = torch.from_numpy(x).requires_grad_(True)
    y = ti.dropout(x_t, 0.25, ti.key(9))
    (d_x,) = torch.autograd.grad(y, x_t, torch.from_numpy(d_y))
    assert_same(y, nr.dropout(x, 0.25, nr.key(9)))
    assert_same(d_x, nr.dropout_backward(d_y, nr.dropout_mask(nr.key(9), 0.25, x.shape), 0.25))
    assert kernels.status()["dropout"] == "triton"


def test_a_failing_kernel_falls_back_once_and_logs(monkeypatch, caplog):
    monkeypatch.setattr(kernels, "usable", lambda name, *tensors: name == "dropout" and "dropout" not in failed)
    monkeypatch.setattr(kernels, "_paths", {})
    failed = set()

    def broken(*args, **kwargs):
        failed.add("dropout")
        raise RuntimeError("no ptxas here")

    from torch_impl.kernels import dropout as module

    monkeypatch.setattr(module, "masked_scale", broken)
    x = sample((10, 10), "float32")
    with caplog.at_level(logging.INFO, logger="torch_impl.kernels"):
        y = ti.dropout(torch.from_numpy(x), 0.5, ti.key(1))
    assert_same(y, nr.dropout(x, 0.5, nr.key(1)))
    assert kernels.status() == {"dropout": "eager: RuntimeError: no ptxas here"}
    assert "no ptxas here" in caplog.text


def test_only_cuda_tensors_are_taken():
    x = torch.ones(4)
    assert not kernels.usable("dropout", x)
    with kernels.disabled():
        assert not kernels.usable("dropout", x)
