"""torch_impl on CUDA: the same bits as numpy_ref, no host syncs in dropout or the update rules.

Skipped (and reported as skipped) where torch sees no CUDA device.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from numpy_ref.tree import flatten, tree_map
from torch_impl import threefry

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

DTYPES = ["float16", "bfloat16", "float32", "float64"]
SEEDS = [0, 7, 2**64 - 1, 0x0123456789ABCDEF]


def on_cuda(tree):
    return tree_map(lambda a: ti.asarray(a, device="cuda"), tree)


def assert_same(got, want):
    got = ti.to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert bits_equal(got, want).all()


@pytest.mark.parametrize("key_device", ["cpu", "cuda"])
@pytest.mark.parametrize("seed", SEEDS)
def test_stream_matches_reference(seed, key_device):
    k, ref = ti.asarray(nr.key(seed), device=key_device), nr.key(seed)
    for shape in [(0,), (5,), (3, 1000), (threefry.CPU_CHUNK * 3 + 5,)]:
        assert_same(ti.random_bits(k, shape), nr.random_bits(ref, shape))
        assert_same(ti.uniform(k, shape), nr.uniform(ref, shape))
        assert_same(ti.bernoulli(k, 0.3, shape), nr.bernoulli(ref, 0.3, shape))
    assert_same(ti.split(k, 4), nr.split(ref, 4))
    assert_same(ti.fold_in(k, 2**40 + 3), nr.fold_in(ref, 2**40 + 3))


def test_device_chunks_and_the_counter_high_word(monkeypatch):
    monkeypatch.setattr(threefry, "_DEVICE_CHUNK", 1 << 12)  # several device chunks, cheaply
    n = 5 * (1 << 12) + 17
    assert_same(ti.random_bits(ti.asarray(nr.key(3), device="cuda"), n), nr.random_bits(nr.key(3), n))
    pieces = {}
    words = ti.key(3).view(torch.int32)
    cuda = torch.device("cuda")
    threefry.for_each_words(words, 2**32 - 5000, 2**32 + 5000, cuda, lambda o, w, _: pieces.update({o: w.cpu()}))
    index = np.arange(2**32 - 5000, 2**32 + 5000, dtype=np.uint64)
    b0, b1 = nr.random.threefry2x32(nr.key(3), ((index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)))
    got = torch.cat([pieces[o] for o in sorted(pieces)]).view(torch.uint32).numpy()
    np.testing.assert_array_equal(got, b0 ^ b1)


@pytest.mark.parametrize("dims", [(), (0,)])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_and_gradient_match_reference(dtype, p, dims):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 257)).astype(nr.dtypes.FLOAT_DTYPES[dtype])
    x[0, :3] = [np.inf, np.nan, -np.inf]
    d_y = rng.standard_normal(x.shape).astype(x.dtype)
    x_t = ti.asarray(x, device="cuda").requires_grad_(True)
    y = ti.dropout(x_t, p, ti.key(5), broadcast_dims=dims)
    assert y.device.type == "cuda"
    assert_same(y, nr.dropout(x, p, nr.key(5), broadcast_dims=dims))
    (d_x,) = torch.autograd.grad(y, x_t, ti.asarray(d_y, device="cuda"))
    assert_same(d_x, nr.dropout_backward(d_y, nr.dropout_mask(nr.key(5), p, x.shape, broadcast_dims=dims), p))


@pytest.mark.parametrize("dtype", DTYPES)
def test_update_rules_are_bit_identical(dtype):
    rng = np.random.default_rng(2)
    cast = nr.dtypes.FLOAT_DTYPES[dtype]
    params = {"w": rng.standard_normal((40, 30)).astype(cast), "b": rng.standard_normal(30).astype(cast)}
    runs = [
        ("sgd_init", "sgd_step", dict(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True)),
        ("adam_init", "adam_step", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
        ("adam_init", "adamw_step", dict(lr=0.01, weight_decay=0.1, decay_mask=lambda w: w.ndim > 1)),
    ]
    for init, step, options in runs:
        ref_p, ref_s = params, getattr(nr, init)(params)
        got_p = on_cuda(params)
        got_s = getattr(ti, init)(got_p)
        for _ in range(5):
            grads = tree_map(lambda a: rng.standard_normal(a.shape).astype(cast), params)
            ref_p, ref_s = getattr(nr, step)(ref_p, grads, ref_s, **options)
            got_p, got_s = getattr(ti, step)(got_p, on_cuda(grads), got_s, **options)
        for g, w in zip(flatten((got_p, got_s[1:]))[0], flatten((ref_p, ref_s[1:]))[0]):
            assert g.device.type == "cuda"
            assert_same(g, w)


def test_no_host_sync_in_dropout_and_updates():
    x = torch.randn(4096, device="cuda", requires_grad=True)
    params = [torch.randn(100, device="cuda")]
    key = ti.key(1)  # on the CPU: its constants travel as kernel arguments
    state = ti.adam_init(params)
    torch.cuda.synchronize()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Synchronization debug mode is a prototype", UserWarning)
        torch.cuda.set_sync_debug_mode("error")
    try:
        y = ti.dropout(x, 0.5, key)
        y.backward(torch.ones_like(y))
        ti.adamw_step(params, params, state, lr=0.1)
        ti.sgd_step(params, params, ti.sgd_init(params), lr=0.1, momentum=0.9)
        ti.dropout(x.detach(), 0.5, key, broadcast_dims=(0,))
    finally:
        torch.cuda.set_sync_debug_mode("default")
