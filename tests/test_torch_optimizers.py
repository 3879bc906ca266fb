"""torch_impl's update rules and L2 penalty against numpy_ref: bit-identical trajectories where torch's
arithmetic allows, a bounded error where it does not (float64 Adam: torch's CPU sqrt is one ULP off
for about 1% of inputs; its errors are measured in ULPs of 1, the scale of the parameters and moments,
since a weight that cancels to nearly zero has tiny ULPs)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import scaled_error, ulp_distance
from numpy_ref.tree import flatten, tree_map

DTYPES = ["float16", "bfloat16", "float32", "float64"]
STEPS = 6
ADAM_FLOAT64_UNIT_ULPS = 2  # measured: at most 1 after 20 steps over 16 configurations

sgd_options = st.fixed_dictionaries(
    {
        "lr": st.sampled_from([0.0, 0.01, 0.3]),
        "momentum": st.sampled_from([0.0, 0.9]),
        "weight_decay": st.sampled_from([0.0, 0.1]),
        "decoupled": st.booleans(),
        "maximize": st.booleans(),
        "decay_mask": st.sampled_from([None, {"w": True, "b": [False]}, "matrices"]),
    },
    optional={"dampening": st.sampled_from([0.0, 0.5])},
).map(lambda o: {**o, "nesterov": o["momentum"] > 0 and "dampening" not in o})
adam_options = st.fixed_dictionaries(
    {
        "lr": st.sampled_from([1e-3, 0.1]),
        "betas": st.sampled_from([(0.9, 0.999), (0.5, 0.0)]),
        "eps": st.sampled_from([1e-8, 1e-3]),
        "weight_decay": st.sampled_from([0.0, 0.01, 0.3]),
        "decoupled": st.booleans(),
        "amsgrad": st.booleans(),
        "maximize": st.booleans(),
        "decay_mask": st.sampled_from([None, {"w": False, "b": [True]}, "matrices"]),
    }
)


def tree(dtype, rng):
    cast = nr.dtypes.FLOAT_DTYPES[dtype]
    return {"w": rng.standard_normal((4, 3)).astype(cast), "b": [rng.standard_normal(3).astype(cast)]}


def to_torch(t):
    return tree_map(ti.asarray, t)


def worst_ulps(got, want, unit_scale: bool = False) -> float:
    """The largest ULP distance over the leaves; with ``unit_scale``, in ULPs of ``max(|want|, 1)``."""
    worst = 0.0
    for g, w in zip(flatten(got)[0], flatten(want)[0]):
        g, w = ti.to_numpy(g), np.asarray(w)
        d = scaled_error(g, w, np.ones_like(w)) if unit_scale else ulp_distance(g, w)
        worst = max(worst, float(d.max(initial=0)))
    return worst


def run_both(init, step, dtype, options, seed, unit_scale=False):
    """STEPS steps from the same params and gradients; the worst ULP distance over params and state."""
    if options.get("decay_mask") == "matrices":
        options = {**options, "decay_mask": lambda w: w.ndim > 1}
    rng = np.random.default_rng(seed)
    params = tree(dtype, rng)
    ref_state, state, t_params = getattr(nr, init)(params), getattr(ti, init)(to_torch(params)), to_torch(params)
    worst = 0.0
    for _ in range(STEPS):
        grads = tree(dtype, rng)
        params, ref_state = getattr(nr, step)(params, grads, ref_state, **options)
        t_params, state = getattr(ti, step)(t_params, to_torch(grads), state, **options)
        assert int(state.step) == int(ref_state.step)
        worst = max(worst, worst_ulps((t_params, state[1:]), (params, ref_state[1:]), unit_scale))
    return worst


@pytest.mark.parametrize("dtype", DTYPES)
@given(sgd_options, st.integers(0, 2**16))
def test_sgd_trajectory_is_bit_identical(dtype, options, seed):
    assert run_both("sgd_init", "sgd_step", dtype, options, seed) == 0


@pytest.mark.parametrize("step", ["adam_step", "adamw_step"])
@pytest.mark.parametrize("dtype", DTYPES)
@given(adam_options, st.integers(0, 2**16))
def test_adam_trajectory_matches(step, dtype, options, seed):
    if step == "adamw_step":
        options = {k: v for k, v in options.items() if k != "decoupled"}
    if dtype == "float64":
        assert run_both("adam_init", step, dtype, options, seed, unit_scale=True) <= ADAM_FLOAT64_UNIT_ULPS
    else:
        assert run_both("adam_init", step, dtype, options, seed) == 0


@pytest.mark.parametrize("dtype", DTYPES)
@given(st.integers(0, 2**16), st.sampled_from([0.0, 0.1, 3.0]), st.sampled_from([0.0, 0.003, 1.0]))
def test_weight_decay_step_and_l2_grad_are_bit_identical(dtype, seed, lr, lam):
    rng = np.random.default_rng(seed)
    w, g = tree(dtype, rng), tree(dtype, rng)
    assert worst_ulps(ti.weight_decay_step(to_torch(w), to_torch(g), lr, lam), nr.weight_decay_step(w, g, lr, lam)) == 0
    assert worst_ulps(ti.l2_penalty_grad(to_torch(w), lam), nr.l2_penalty_grad(w, lam)) == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_l2_penalty_is_float64_and_within_summation_rounding(dtype):
    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal((300, 200)), "b": [rng.standard_normal(200)]}
    params = tree_map(lambda a: a.astype(nr.dtypes.FLOAT_DTYPES[dtype]), params)
    got = ti.l2_penalty(to_torch(params), 0.3, decay_mask={"w": True, "b": [False]})
    want = nr.l2_penalty(params, 0.3, decay_mask={"w": True, "b": [False]})
    assert got.dtype == torch.float64 and got.shape == ()
    assert abs(float(got) - float(want)) <= 1e-13 * float(want)  # two summation orders of 60000 squares


def test_l2_penalty_differentiates_to_the_hand_written_gradient():
    rng = np.random.default_rng(1)
    params = tree("float64", rng)
    mask = {"w": True, "b": [False]}
    got = ti.vjp(
        lambda p: ti.l2_penalty(p, 0.7, decay_mask=mask), to_torch(params), torch.tensor(1.0, dtype=torch.float64)
    )
    assert worst_ulps(got, nr.l2_penalty_grad(params, 0.7, decay_mask=mask)) <= 1
