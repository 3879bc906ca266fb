"""The fused update rules and L2 sum (torch_impl.kernels), run in Triton's interpreter: numpy_ref's bits.

Each kernel is checked over several steps against the reference (identical bits: the kernels round
each op as the reference does), and through the ``torch.optim`` adapters and ``l2_penalty`` with the
kernels made usable on CPU. bfloat16 is left to the GPU (see test_kernels_dropout.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("triton")

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from torch_impl import kernels, optim
from torch_impl.kernels.interpreter import interpreted

DTYPES = ["float16", "float32", "float64"]
SHAPES = [(3, 700), (5,), (2100,), (0,), (1,)]  # several blocks, a partial block, empty, one element
DECAY = [True, False, True, True, False]
STEPS = 3

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


@pytest.fixture(scope="module")
def k():
    with interpreted() as modules:
        yield modules


def leaves(dtype, seed):
    rng = np.random.default_rng(seed)
    out = [rng.standard_normal(s).astype(nr.dtypes.FLOAT_DTYPES[dtype]) for s in SHAPES]
    out[0][0, :3] = [np.inf, np.nan, 0.0]  # IEEE propagation is part of the contract
    return out


def assert_same_trees(got, want):
    for g, w in zip(got, want):
        g = ti.to_numpy(g)
        assert g.dtype == w.dtype and g.shape == w.shape
        assert bits_equal(g, w).all(), np.flatnonzero(~bits_equal(g, w))[:5]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", SGD_OPTIONS)
def test_sgd_matches_reference(k, dtype, options):
    ws, state = leaves(dtype, 0), None
    state = nr.sgd_init(ws)
    w_t, b_t = [torch.from_numpy(w.copy()) for w in ws], [torch.zeros(w.shape, dtype=ti.asarray(w).dtype) for w in ws]
    for step in range(STEPS):
        gs = leaves(dtype, 1 + step)
        with np.errstate(all="ignore"):  # inf − inf: the NaN is part of the contract
            ws, state = nr.sgd_step(ws, gs, state, decay_mask=DECAY, **options)
        with np.errstate(all="ignore"):  # the interpreter computes with NumPy
            k["optim"].sgd_(w_t, [torch.from_numpy(g) for g in gs], b_t, DECAY, step, **options)
    assert_same_trees(w_t, ws)
    assert_same_trees(b_t, state.momentum)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", ADAM_OPTIONS)
def test_adam_matches_reference(k, dtype, options):
    ws = leaves(dtype, 0)
    state = nr.adam_init(ws)
    w_t = [torch.from_numpy(w.copy()) for w in ws]
    moments = [[torch.from_numpy(np.zeros_like(w)) for w in ws] for _ in range(3)]
    for step in range(STEPS):
        gs = leaves(dtype, 1 + step)
        with np.errstate(all="ignore"):
            ws, state = nr.adam_step(ws, gs, state, decay_mask=DECAY, **options)
        with np.errstate(all="ignore"):
            k["optim"].adam_(w_t, [torch.from_numpy(g) for g in gs], *moments, DECAY, step, **options)
    assert_same_trees(w_t, ws)
    for got, want in zip(moments, (state.m, state.v, state.v_max)):
        assert_same_trees(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_squares_is_the_float64_sum(k, dtype):
    ws = [np.where(np.isfinite(w), w, 1.5) for w in leaves(dtype, 4)]
    got = float(k["l2"].sum_squares([torch.from_numpy(w) for w in ws]))
    want = sum(float(np.sum(np.square(w.astype(np.float64)))) for w in ws)
    n = sum(w.size for w in ws)
    assert abs(got - want) <= (n + 1) * 2**-53 * want


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
        ("AdamW", dict(lr=0.01)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
    ],
)
def test_optimizers_take_the_fused_path_with_the_reference_trajectory(k, monkeypatch, name, options):
    """``torch_impl.optim`` with the kernels usable on CPU: mixed dtypes, a skipped gradient, a decay mask."""
    ws = [w for w in leaves("float32", 5)[:3]] + [np.ones(4, np.float64)]
    params = [torch.from_numpy(w.copy()).requires_grad_(True) for w in ws]
    reference = [torch.from_numpy(w.copy()).requires_grad_(True) for w in ws]
    groups = lambda ps: [{"params": ps[:2], "decay_mask": [True, False]}, {"params": ps[2:]}]  # noqa: E731
    fused, eager = getattr(optim, name)(groups(params), **options), getattr(optim, name)(groups(reference), **options)
    for step in range(STEPS):
        for ps, opt, on in [(params, fused, True), (reference, eager, False)]:
            gs = [*leaves("float32", 10 + step)[:3], np.full(4, 0.5)]
            for i, (p, g) in enumerate(zip(ps, gs)):
                p.grad = None if (i == 1 and step == 1) else torch.from_numpy(g)
            monkeypatch.setattr(kernels, "usable", lambda _, *t, on=on: on)
            with np.errstate(all="ignore"):
                opt.step()
    assert kernels.status()["sgd" if name == "SGD" else "adam"] == "triton"
    for p, q in zip(params, reference):
        assert bits_equal(p.detach().numpy(), q.detach().numpy()).all()
    for p, q in zip(params, reference):
        for key, value in eager.state[q].items():
            assert bits_equal(fused.state[p][key].numpy(), value.numpy()).all(), key


def test_l2_penalty_dispatch_value_and_gradient(k, monkeypatch):
    ws = [np.where(np.isfinite(w), w, 2.0) for w in leaves("float32", 6)]
    want_value = ti.l2_penalty([torch.from_numpy(w) for w in ws], 0.3, decay_mask=DECAY)
    eager = [torch.from_numpy(w).requires_grad_(True) for w in ws]
    want_grads = torch.autograd.grad(ti.l2_penalty(eager, 0.3, decay_mask=DECAY), [eager[i] for i in (0, 2, 3)])
    monkeypatch.setattr(kernels, "usable", lambda name, *tensors: True)
    params = [torch.from_numpy(w).requires_grad_(True) for w in ws]
    value = ti.l2_penalty(params, 0.3, decay_mask=DECAY)
    grads = torch.autograd.grad(value, [params[i] for i in (0, 2, 3)])
    assert kernels.status()["l2"] == "triton"
    value, want_value = float(value.detach()), float(want_value)
    n = sum(w.size for w, on in zip(ws, DECAY) if on)
    assert abs(value - want_value) <= (n + 1) * 2**-53 * want_value  # two summation orders
    for g, w in zip(grads, want_grads):
        assert bits_equal(g.numpy(), w.numpy()).all()
