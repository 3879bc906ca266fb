"""torch_impl's dropout: bit-identical to numpy_ref forward and backward, autograd, and the C7/C8 edge cases.

On the CPU the default path is the C kernel (tests/test_kernels_cpu.py); the chunking tests force the
tensor-op path, which the conformance suite also runs in full (``REGREF_CPU_COMPILE=0``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from torch_impl import kernels, threefry

DTYPES = ["float16", "bfloat16", "float32", "float64"]
seeds = st.one_of(st.integers(0, 2**64 - 1), st.integers(2**64 - 2**10, 2**64 - 1))
probabilities = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 1e-9, 1 - 1e-9]), st.floats(0, 1))


@st.composite
def shapes_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(0, 6), max_size=4)))
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), max_size=len(shape))) if shape else []
    return shape, tuple(dims)


def sample(shape, dtype, seed=0):
    """Normal values with inf, -inf, NaN, -0.0 and 0.0 mixed in, in ``dtype``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    specials = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0], size=shape)
    x = np.where(rng.random(shape) < 0.2, specials, x)
    return x.astype(nr.dtypes.FLOAT_DTYPES[dtype])


def assert_same(got: torch.Tensor, want: np.ndarray) -> None:
    got = ti.to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert bits_equal(got, want).all(), f"{got} != {want}"


@pytest.mark.parametrize("dtype", DTYPES)
@given(seeds, shapes_and_dims(), probabilities)
def test_dropout_and_its_gradient_equal_the_reference(dtype, seed, shape_dims, p):
    shape, dims = shape_dims
    x, d_y = sample(shape, dtype, seed % 1000), sample(shape, dtype, seed % 1000 + 1)
    keep = nr.dropout_mask(nr.key(seed), p, shape, broadcast_dims=dims)
    x_t = ti.asarray(x).requires_grad_(True)
    y = ti.dropout(x_t, p, ti.key(seed), broadcast_dims=dims)
    assert_same(y, nr.dropout(x, p, nr.key(seed), broadcast_dims=dims))
    (d_x,) = torch.autograd.grad(y, x_t, ti.asarray(d_y))
    assert_same(d_x, nr.dropout_backward(d_y, keep, p))
    assert_same(ti.dropout_mask(ti.key(seed), p, shape, broadcast_dims=dims), keep)
    assert_same(ti.dropout_forward(ti.asarray(x), ti.asarray(keep), p), nr.dropout_forward(x, keep, p))
    assert_same(ti.dropout_backward(ti.asarray(d_y), ti.asarray(keep), p), nr.dropout_backward(d_y, keep, p))


@pytest.mark.parametrize("dtype", DTYPES)
def test_several_chunks_of_the_tensor_op_path_match_the_reference(dtype, monkeypatch):
    monkeypatch.setattr(threefry, "CPU_CHUNK", 4096)
    x = sample((3, 4096 + 777), dtype)
    with kernels.disabled():
        assert_same(ti.dropout(ti.asarray(x), 0.3, ti.key(5)), nr.dropout(x, 0.3, nr.key(5)))


def test_two_full_chunks_of_the_tensor_op_path_match_the_reference():
    x = sample((threefry.CPU_CHUNK + 777,), "float32")
    with kernels.disabled():
        assert_same(ti.dropout(ti.asarray(x), 0.3, ti.key(5)), nr.dropout(x, 0.3, nr.key(5)))


def test_dropped_elements_are_positive_zero_whatever_x_holds():
    x = torch.tensor([np.inf, -np.inf, np.nan, -0.0, -1.0] * 200)
    y = ti.dropout(x, 0.5, ti.key(1))
    dropped = ~ti.dropout_mask(ti.key(1), 0.5, x.shape)
    assert dropped.any() and (y[dropped] == 0).all() and not torch.signbit(y[dropped]).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_p_one_gives_zeros_and_a_zero_gradient_never_nan(dtype):
    x = ti.asarray(sample((50,), dtype)).requires_grad_(True)
    y = ti.dropout(x, 1.0, ti.key(0))
    (d_x,) = torch.autograd.grad(y, x, torch.full_like(y, np.inf))
    for t in (y, d_x):
        assert t.dtype == x.dtype and (t == 0).all() and not torch.signbit(t).any()


def test_training_false_returns_the_input_itself():
    x = torch.ones(3)
    assert ti.dropout(x, 0.5, ti.key(0), training=False) is x


def test_non_contiguous_input_uses_its_logical_order():
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    got = ti.dropout(torch.from_numpy(x.copy()).T, 0.5, ti.key(2))
    assert_same(got, nr.dropout(np.ascontiguousarray(x.T), 0.5, nr.key(2)))


def test_backward_regenerates_the_mask_instead_of_storing_it():
    x = torch.ones(1000, requires_grad=True)
    y = ti.dropout(x, 0.5, ti.key(3))
    saved = y.grad_fn.saved_tensors
    assert [tuple(t.shape) for t in saved] == [(2,)]  # the key: no 1000-element mask


def test_second_order_gradient_is_the_same_mask_again():
    x = ti.asarray(sample((40,), "float64", 3)).requires_grad_(True)
    y = ti.dropout(x, 0.4, ti.key(9))
    d_y = torch.randn(40, dtype=torch.float64, requires_grad=True)
    (d_x,) = torch.autograd.grad(y, x, d_y, create_graph=True)
    (dd,) = torch.autograd.grad(d_x, d_y, torch.ones(40, dtype=torch.float64))
    keep = nr.dropout_mask(nr.key(9), 0.4, (40,))
    assert_same(dd, nr.dropout_backward(np.ones(40), keep, 0.4))


def test_torch_func_grad_equals_the_hand_written_backward():
    x = ti.asarray(sample((7, 5), "float64", 4))
    d_x = torch.func.grad(lambda t: (ti.dropout(t, 0.3, ti.key(8)) * 3.0).sum())(x)
    assert_same(d_x, nr.dropout_backward(np.full((7, 5), 3.0), nr.dropout_mask(nr.key(8), 0.3, (7, 5)), 0.3))


def test_vjp_hook_equals_the_hand_written_backward():
    x, ct = sample((7, 5), "float32", 4), sample((7, 5), "float32", 5)
    got = ti.vjp(lambda t: ti.dropout(t, 0.3, ti.key(8)), ti.asarray(x), ti.asarray(ct))
    assert_same(got, nr.dropout_backward(ct, nr.dropout_mask(nr.key(8), 0.3, (7, 5)), 0.3))
