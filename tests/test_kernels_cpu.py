"""The C kernels for the CPU (torch_impl/kernels/cpu.py, csrc/): numpy_ref's bits, in process.

Each kernel is held to numpy_ref bit for bit, IEEE specials included; float16 and bfloat16 on every one
of their 65536 values; any thread count. Building, caching and the fallbacks are
tests/test_kernels_cpu_build.py's, which also runs the whole conformance suite on each CPU path.
"""

from __future__ import annotations

import contextlib
import os
import shutil

import ml_dtypes
import numpy as np
import pytest
import torch

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from torch_impl import kernels, optim
from torch_impl.kernels import cpu

if not (os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")):
    pytest.skip("the C kernels need a C compiler (their fallback is tested by the suite)", allow_module_level=True)

DTYPES = ["float16", "bfloat16", "float32", "float64"]
SGD_OPTIONS = [
    dict(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, decoupled=False, maximize=False),
    dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=False, weight_decay=0.01, decoupled=False, maximize=False),
    dict(lr=0.05, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.02, decoupled=True, maximize=True),
]
ADAM_OPTIONS = [
    dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False),
    dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, decoupled=True, amsgrad=True, maximize=False),
    dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, decoupled=False, amsgrad=True, maximize=True),
]
SHAPES = [(3, 700), (5,), (2100,), (0,), (1,), (70_001,)]  # the last is split between threads
DECAY = [True, False, True, True, False, True]


@pytest.fixture(autouse=True)
def fresh_status(monkeypatch):
    monkeypatch.setattr(kernels, "_paths", {})
    monkeypatch.setattr(kernels, "_cpu_mode", "1")  # a kernel that fails to build fails the test


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    specials = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40, 1e-300], size=shape)
    x = np.where(rng.random(shape) < 0.2, specials, rng.standard_normal(shape))
    return x.astype(nr.dtypes.FLOAT_DTYPES[dtype])


def assert_same(got, want):
    got = ti.to_numpy(got) if isinstance(got, torch.Tensor) else got
    assert got.dtype == want.dtype and got.shape == want.shape
    assert bits_equal(got, want).all(), f"{(~bits_equal(got, want)).sum()} elements differ"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "p"), [((3,), 0.5), ((257, 129), 0.1), ((2, 3, 4099), 0.9), ((5, 70_001), 0.3)])
def test_dropout_forward_and_backward_are_the_references_bits(dtype, shape, p):
    x, d_y = sample(shape, dtype, 1), sample(shape, dtype, 2)
    x_t = ti.asarray(x).requires_grad_(True)
    y = ti.dropout(x_t, p, ti.key(7))
    (d_x,) = torch.autograd.grad(y, x_t, ti.asarray(d_y))
    assert kernels.status() == {"dropout-cpu": "c"}
    assert_same(y, nr.dropout(x, p, nr.key(7)))
    assert_same(d_x, nr.dropout_backward(d_y, nr.dropout_mask(nr.key(7), p, shape), p))


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
@pytest.mark.parametrize("p", [0.1, 1 / 3, 0.75, 1e-7, 0.999])
def test_every_16_bit_value_is_scaled_and_rounded_as_the_reference(dtype, p):
    """Subnormals, overflow to inf, ties, NaNs: the C code's own float16 and bfloat16 conversions."""
    x = np.arange(2**16, dtype=np.uint16).view(dtype)
    assert_same(ti.dropout(ti.asarray(x), p, ti.key(3)), nr.dropout(x, p, nr.key(3)))


def test_a_transposed_input_is_read_in_its_logical_order():
    x = sample((40, 70), "float32", 5)
    assert_same(
        ti.dropout(torch.from_numpy(x).T, 0.3, ti.key(5)), nr.dropout(np.ascontiguousarray(x.T), 0.3, nr.key(5))
    )


def test_words_masks_and_broadcast_dropout_are_drawn_by_the_kernel():
    x = sample((6, 50, 3), "float32", 4)
    assert_same(ti.random_bits(ti.key(4), (9, 70_001)), nr.random_bits(nr.key(4), (9, 70_001)))
    assert_same(ti.uniform(ti.key(4), (33,)), nr.uniform(nr.key(4), (33,)))
    assert_same(ti.bernoulli(ti.key(4), 0.3, (9, 70_001)), nr.bernoulli(nr.key(4), 0.3, (9, 70_001)))
    assert_same(
        ti.dropout_mask(ti.key(4), 0.6, (6, 50, 3), broadcast_dims=(1,)),
        nr.dropout_mask(nr.key(4), 0.6, (6, 50, 3), broadcast_dims=(1,)),
    )
    y = ti.dropout(torch.from_numpy(x), 0.5, ti.key(4), broadcast_dims=(0, 2))
    assert_same(y, nr.dropout(x, 0.5, nr.key(4), broadcast_dims=(0, 2)))
    assert kernels.status() == {"bits-cpu": "c"}  # broadcast dropout: the kernel's mask, then torch.where


@pytest.mark.parametrize("base", [2**32, 2**33, 2**64 - 2**12])
def test_words_across_the_counter_high_word(base):
    """A draw whose counters cross a multiple of 2**32: the high word takes part, as in the reference."""
    start, n = base - 1000, 3000 if base < 2**64 - 2**12 else 2**12
    index = np.arange(start, start + n, dtype=np.uint64)
    b0, b1 = nr.random.threefry2x32(nr.key(9), ((index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)))
    out = torch.empty(n, dtype=torch.int32)
    words = [int(w) for w in nr.key(9)]
    cpu._library("stream").regref_words(*words, start, n, out.data_ptr(), 2)
    np.testing.assert_array_equal(out.view(torch.uint32).numpy(), b0 ^ b1)


@pytest.mark.parametrize("threads", [1, 3, 7])
def test_the_number_of_threads_does_not_change_a_bit(threads):
    before = torch.get_num_threads()
    x = sample((3, 100_003), "bfloat16", 6)
    try:
        torch.set_num_threads(threads)
        y = ti.dropout(ti.asarray(x), 0.2, ti.key(6))
        ws, _ = ti.adamw_step([ti.asarray(x)], [ti.asarray(x)], ti.adam_init([ti.asarray(x)]), lr=0.1)
    finally:
        torch.set_num_threads(before)
    assert_same(y, nr.dropout(x, 0.2, nr.key(6)))
    with np.errstate(all="ignore"):
        assert_same(ws[0], nr.adamw_step([x], [x], nr.adam_init([x]), lr=0.1)[0][0])


def leaves(dtype, seed):
    out = [sample(s, dtype, seed) for s in SHAPES]
    out[0][0, :3] = [np.inf, np.nan, 0.0]  # IEEE propagation is part of the contract
    return out


def tensors(arrays):
    return [ti.asarray(a) for a in arrays]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", SGD_OPTIONS)
def test_sgd_in_place_matches_the_reference(dtype, options):
    ws = leaves(dtype, 0)
    state = nr.sgd_init(ws)
    w_t, b_t = tensors(ws), tensors(state.momentum)
    for step in range(3):
        gs = leaves(dtype, 1 + step)
        with np.errstate(all="ignore"):  # inf − inf: the NaN is part of the contract
            ws, state = nr.sgd_step(ws, gs, state, decay_mask=DECAY, **options)
        cpu.sgd_(w_t, tensors(gs), b_t, DECAY, step, **options)
    for got, want in [*zip(w_t, ws), *zip(b_t, state.momentum)]:
        assert_same(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", ADAM_OPTIONS)
def test_adam_in_place_matches_the_reference(dtype, options):
    ws = leaves(dtype, 0)
    state = nr.adam_init(ws)
    w_t, moments = tensors(ws), [tensors(state.m), tensors(state.v), tensors(state.v_max)]
    for step in range(3):
        gs = leaves(dtype, 1 + step)
        with np.errstate(all="ignore"):
            ws, state = nr.adam_step(ws, gs, state, decay_mask=DECAY, **options)
        cpu.adam_(w_t, tensors(gs), *moments, DECAY, step, **options)
    for got, want in [
        *zip(w_t, ws),
        *zip(moments[0], state.m),
        *zip(moments[1], state.v),
        *zip(moments[2], state.v_max),
    ]:
        assert_same(got, want)


def test_functional_steps_run_the_kernels_on_copies():
    ws = [sample((30, 7), "float32", 1), sample((9,), "bfloat16", 2)]
    gs = [sample((30, 7), "float32", 3), sample((9,), "bfloat16", 4)]
    w_t, g_t = tensors(ws), tensors(gs)
    options = dict(lr=0.1, momentum=0.9, weight_decay=0.1)
    with np.errstate(all="ignore"):
        new, state = ti.sgd_step(
            *ti.sgd_step(w_t, g_t, ti.sgd_init(w_t), **options)[:1], g_t, ti.sgd_init(w_t), **options
        )
        want, want_state = nr.sgd_step(
            nr.sgd_step(ws, gs, nr.sgd_init(ws), **options)[0], gs, nr.sgd_init(ws), **options
        )
        adam, _ = ti.adam_step(w_t, g_t, ti.adam_init(w_t), lr=0.1, amsgrad=True, weight_decay=0.1)
        adam_want, _ = nr.adam_step(ws, gs, nr.adam_init(ws), lr=0.1, amsgrad=True, weight_decay=0.1)
    for got, expected in [*zip(new, want), *zip(state.momentum, want_state.momentum), *zip(adam, adam_want)]:
        assert_same(got, expected)
    for got, before in zip(w_t, ws):
        assert_same(got, before)  # written into copies only
    assert kernels.status() == {"sgd-cpu": "c", "adam-cpu": "c"}


def test_a_step_that_autograd_records_stays_on_tensor_ops():
    w = torch.ones(5, requires_grad=True)
    new, _ = ti.sgd_step([w], [torch.ones(5)], ti.sgd_init([w]), lr=0.1)
    assert new[0].grad_fn is not None and kernels.status() == {}
    with torch.no_grad():
        new, _ = ti.sgd_step([w], [torch.ones(5)], ti.sgd_init([w]), lr=0.1)
    assert new[0].grad_fn is None and kernels.status() == {"sgd-cpu": "c"}


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
        ("AdamW", dict(lr=0.01)),
        ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ],
)
def test_optimizers_step_in_place_as_the_tensor_op_path_does(name, options):
    """Mixed dtypes, a skipped gradient, a decay mask: the kernel's trajectory is the tensor ops' one."""
    ws = [*leaves("float32", 5)[:3], np.ones(4, np.float64), sample((8,), "bfloat16", 5)]
    params = [ti.asarray(w).requires_grad_(True) for w in ws]
    reference = [ti.asarray(w).requires_grad_(True) for w in ws]
    groups = lambda ps: [{"params": ps[:2], "decay_mask": [True, False]}, {"params": ps[2:]}]  # noqa: E731
    fused, eager = getattr(optim, name)(groups(params), **options), getattr(optim, name)(groups(reference), **options)
    for step in range(3):
        for ps, opt, on in [(params, fused, True), (reference, eager, False)]:
            gs = [*leaves("float32", 10 + step)[:3], np.full(4, 0.5), sample((8,), "bfloat16", step)]
            for i, (p, g) in enumerate(zip(ps, gs)):
                p.grad = None if (i == 1 and step == 1) else ti.asarray(g)
            with np.errstate(all="ignore"), contextlib.nullcontext() if on else kernels.disabled():
                opt.step()
    assert kernels.status()["sgd-cpu" if name == "SGD" else "adam-cpu"] == "c"
    for p, q in zip(params, reference):
        assert_same(p.detach(), ti.to_numpy(q.detach()))
        for key, value in eager.state[q].items():
            assert_same(fused.state[p][key], ti.to_numpy(value))


def test_tensor_subclasses_and_compiling_callers_take_the_tensor_op_path(monkeypatch):
    class Tagged(torch.Tensor):
        pass

    x = sample((10, 10), "float32")
    assert_same(ti.dropout(torch.from_numpy(x).as_subclass(Tagged), 0.5, ti.key(1)), nr.dropout(x, 0.5, nr.key(1)))
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    assert_same(ti.dropout(torch.from_numpy(x), 0.5, ti.key(1)), nr.dropout(x, 0.5, nr.key(1)))
    assert kernels.status() == {}
