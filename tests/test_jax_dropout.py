"""jax_impl dropout against numpy_ref: masks, values, the regenerating gradient, p = 1, and the edge values."""

from __future__ import annotations

import contextlib

import jax
import jax.ad_checkpoint
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jax_impl as jx
import numpy_ref as nr

DTYPES = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64}
SPECIALS = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 65000.0, -1.5], np.float64)
SHAPES = [(1,), (7,), (3, 5), (2, 3, 4)]

seeds = st.integers(0, 2**64 - 1)
probabilities = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 2.0**-24, 1 - 2.0**-24]), st.floats(0.0, 1.0))


@st.composite
def cases(draw: st.DrawFn, names: tuple[str, ...] = tuple(DTYPES)) -> tuple[np.ndarray, float, np.ndarray, tuple, str]:
    """(x, p, key, broadcast_dims, dtype name): normal values with inf, NaN and ±0 mixed in (no subnormals:
    XLA flushes them to zero, a documented deviation)."""
    name = draw(st.sampled_from(sorted(names)))
    shape = draw(st.sampled_from(SHAPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)
    x.flat[rng.integers(0, x.size, 3)] = rng.choice(SPECIALS, 3)
    dims = tuple(draw(st.sets(st.integers(-len(shape), len(shape) - 1), max_size=2)))
    return x.astype(DTYPES[name]), draw(probabilities), nr.key(draw(seeds)), dims, name


def x64_if(name: str) -> contextlib.AbstractContextManager[None]:
    return jax.enable_x64(True) if name == "float64" else contextlib.nullcontext()


def assert_bits_equal(got: jax.Array, want: np.ndarray) -> None:
    got = jx.to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    # Compared as float64 (exact for every contract dtype): NaN matches NaN, and numpy's NaN matching
    # does not work for ml_dtypes' bfloat16 in every numpy state.
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))
    np.testing.assert_array_equal(np.signbit(got.astype(np.float64)), np.signbit(want.astype(np.float64)))


@given(cases())
def test_dropout_and_its_mask_are_the_reference(case):
    x, p, k, dims, name = case
    with x64_if(name):
        assert_bits_equal(
            jx.dropout_mask(k, p, x.shape, broadcast_dims=dims), nr.dropout_mask(k, p, x.shape, broadcast_dims=dims)
        )
        assert_bits_equal(jx.dropout(x, p, k, broadcast_dims=dims), nr.dropout(x, p, k, broadcast_dims=dims))


@given(cases())
def test_autodiff_gradient_is_dropout_backward(case):
    x, p, k, dims, name = case
    d_y = np.random.default_rng(0).permutation(np.resize(np.concatenate([SPECIALS, [1.0, -2.0]]), x.size))
    d_y = d_y.reshape(x.shape).astype(x.dtype)
    with x64_if(name):
        got = jx.vjp(lambda a: jx.dropout(a, p, k, broadcast_dims=dims), jx.asarray(x), jx.asarray(d_y))
        assert_bits_equal(got, nr.dropout_backward(d_y, nr.dropout_mask(k, p, x.shape, broadcast_dims=dims), p))


@given(cases())
def test_forward_and_backward_with_a_given_mask_are_the_reference(case):
    x, p, k, _, name = case
    keep = nr.dropout_mask(k, p, x.shape)
    with x64_if(name):
        assert_bits_equal(jx.dropout_forward(x, keep, p), nr.dropout_forward(x, keep, p))
        assert_bits_equal(jx.dropout_backward(x, keep, p), nr.dropout_backward(x, keep, p))


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_p_one_gives_zeros_and_zero_gradients_never_nan(name):
    x = SPECIALS.astype(DTYPES[name])
    with x64_if(name):
        y, pullback = jax.vjp(lambda a: jx.dropout(a, 1.0, jx.key(3)), jx.asarray(x))
        (d_x,) = pullback(jx.asarray(x))  # a cotangent full of inf and NaN
        for out in (y, d_x):
            out = jx.to_numpy(out)
            assert out.dtype == x.dtype
            assert np.all(out == 0) and not np.any(np.signbit(out))


def test_dropped_inf_and_nan_become_positive_zero():
    x = np.resize(SPECIALS, 4000).astype(np.float32)
    keep = nr.dropout_mask(jx.key(8), 0.5, x.shape)
    y = jx.to_numpy(jx.dropout(x, 0.5, jx.key(8)))
    assert np.all(y[~keep] == 0) and not np.any(np.signbit(y[~keep]))
    assert np.isnan(y[keep & np.isnan(x)]).all() and np.isinf(y[keep & np.isinf(x)]).all()


@pytest.mark.parametrize("x", [np.ones(3, np.float32), jnp.ones(3, jnp.bfloat16)])
def test_training_false_returns_the_input_itself(x):
    assert jx.dropout(x, 0.3, jx.key(0), training=False) is x


@given(seeds, probabilities)
def test_a_traced_p_draws_the_same_mask(seed, p):
    x = np.linspace(-3, 3, 60, dtype=np.float32).reshape(6, 10)
    y = jx.to_numpy(jax.jit(jx.dropout)(x, np.float32(p), nr.key(seed)))
    want = nr.dropout(x, float(np.float32(p)), nr.key(seed))
    np.testing.assert_array_equal(y == 0, want == 0)
    np.testing.assert_allclose(y, want, rtol=2**-22)  # s = 1/(1 − p) formed in float32 on the device: ≤ 2 ulp


@given(cases(names=("float32", "bfloat16")))  # eager dispatch compiles per primitive and dtype: two dtypes
def test_compiled_equals_eager(case):
    x, p, k, dims, name = case
    with x64_if(name):
        with jx.eager():
            eager = jx.to_numpy(jx.dropout(x, p, k, broadcast_dims=dims))
        assert_bits_equal(jx.dropout(x, p, k, broadcast_dims=dims), eager)


def test_the_backward_pass_saves_the_key_not_a_mask(capsys):
    x = jnp.ones((64, 32))
    jax.ad_checkpoint.print_saved_residuals(lambda a: jx.dropout(a, 0.5, jx.key(0)), x)
    saved = capsys.readouterr().out
    assert "u32[2]" in saved and "64,32" not in saved and "bool" not in saved


def test_float64_needs_x64():
    with jax.enable_x64(False), pytest.raises(TypeError, match=r"x is float64.*jax_enable_x64"):
        jx.dropout(np.ones(3), 0.5, jx.key(0))
