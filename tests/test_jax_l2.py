"""jax_impl's L2 penalty and its gradient against numpy_ref: exact gradients, a bounded penalty."""

from __future__ import annotations

import contextlib

import jax
import ml_dtypes
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import jax_impl as jx
import numpy_ref as nr
from conformance.ulp import ulp_distance

DTYPES = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64}
MASKS = {"all": None, "matrices": lambda w: w.ndim > 1, "tree": {"w": True, "b": [False, True]}}


@st.composite
def params(draw: st.DrawFn) -> tuple[dict, str]:
    """A small tree of leaves of one dtype spanning several magnitudes, and its dtype name."""
    name = draw(st.sampled_from(sorted(DTYPES)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = 10.0 ** draw(st.integers(-3, 3))
    leaves = [rng.standard_normal(shape) * scale for shape in [(4, 3), (3,), (50,)]]
    return {
        "w": leaves[0].astype(DTYPES[name]),
        "b": [leaves[1].astype(DTYPES[name]), leaves[2].astype(DTYPES[name])],
    }, name


weight_decays = st.sampled_from([0.0, 1e-4, 0.01, 0.5, 3.0])


def x64_if(name: str) -> contextlib.AbstractContextManager[None]:
    return jax.enable_x64(True) if name == "float64" else contextlib.nullcontext()


def assert_trees_bit_equal(got: object, want: object) -> None:
    got_leaves, want_leaves = jax.tree.leaves(got), jax.tree.leaves(want)
    assert jax.tree.structure(got) == jax.tree.structure(want)
    for g, w in zip(got_leaves, want_leaves):
        g = jx.to_numpy(g)
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


@given(params(), weight_decays, st.sampled_from(sorted(MASKS)))
def test_gradient_is_the_reference_gradient(tree, lam, mask):
    p, name = tree
    with x64_if(name):
        assert_trees_bit_equal(
            jx.l2_penalty_grad(p, lam, decay_mask=MASKS[mask]), nr.l2_penalty_grad(p, lam, decay_mask=MASKS[mask])
        )


@given(params(), weight_decays, st.sampled_from(sorted(MASKS)))
def test_autodiff_gradient_of_the_penalty_is_the_hand_written_one(tree, lam, mask):
    p, name = tree
    with x64_if(name):
        fn = lambda q: jx.l2_penalty(q, lam, decay_mask=MASKS[mask])  # noqa: E731
        one = jax.numpy.ones((), jx.l2_penalty(p, lam).dtype)
        got = jx.vjp(fn, jax.tree.map(jx.asarray, p), one)
        assert_trees_bit_equal(got, nr.l2_penalty_grad(p, lam, decay_mask=MASKS[mask]))


@given(params(), weight_decays, st.sampled_from(sorted(MASKS)), st.booleans())
def test_penalty_is_within_its_documented_bound(tree, lam, mask, x64):
    p, name = tree
    with jax.enable_x64(x64 or name == "float64"):
        got = jx.to_numpy(jx.l2_penalty(p, lam, decay_mask=MASKS[mask]))
        want = nr.l2_penalty(p, lam, decay_mask=MASKS[mask])
        if got.dtype == np.float64:  # summation order only: n terms, relative error below n · 2**-53
            n = sum(np.size(w) for w in jax.tree.leaves(p))
            assert abs(got - want) <= (n + 2) * 2.0**-53 * want
        else:  # compensated float32: four roundings of at most u each (module docstring)
            assert got.dtype == np.float32
            assert ulp_distance(got, np.float32(want)) <= 4


def test_a_traced_weight_decay_is_accepted():
    p = [np.arange(5, dtype=np.float32)]
    got = jax.jit(jx.l2_penalty_grad)(p, np.float32(0.25))
    assert_trees_bit_equal(got, nr.l2_penalty_grad(p, 0.25))
