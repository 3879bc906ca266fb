"""The strategies reach what the issue promises, every call they draw runs on the reference, and a
repro's literals evaluate back to the inputs bit for bit."""

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, find, given, settings
from hypothesis import strategies as st

import numpy_ref
from conformance import ops
from conformance.calls import TINY, Call, literal, without_tiny
from conformance.strategies import (
    CANCELLING,
    HARD_RATES,
    arrays,
    boundary_probabilities,
    calls,
    edge_probabilities,
    elements,
    seeds,
    shapes,
    trajectories,
)
from conformance.ulp import bits_equal, ordinal
from numpy_ref.dropout import dropout_scale
from numpy_ref.dtypes import FLOAT_DTYPES
from numpy_ref.tree import flatten

DTYPES = list(FLOAT_DTYPES)
FIND = settings(max_examples=2000, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("dtype", DTYPES)
def test_elements_reach_the_edges(dtype: str) -> None:
    info = ml_dtypes.finfo(FLOAT_DTYPES[dtype])
    for wanted in (
        lambda v: v == 0 and math.copysign(1, v) < 0,
        lambda v: 0 < abs(v) < float(info.smallest_normal),
        lambda v: abs(v) == float(info.max),
        lambda v: math.isinf(v),
        lambda v: math.isnan(v),
    ):
        find(elements(dtype, finite=False), wanted, settings=FIND)
    find(elements(dtype), lambda v: 1 < abs(v) < float(info.max), settings=FIND)


@given(data=st.data())
def test_arrays_are_exactly_the_dtype(data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    x = data.draw(arrays(dtype, data.draw(shapes()), bound=1e3))
    assert x.dtype == FLOAT_DTYPES[dtype]
    assert np.all(np.abs(x.astype(np.float64)) <= 1e3)


def test_shapes_and_seeds_span_the_contract() -> None:
    for wanted in (lambda s: s == (), lambda s: 0 in s, lambda s: len(s) == 4, lambda s: any(d % 2 for d in s)):
        find(shapes(), wanted, settings=FIND)
    find(shapes(large=True), lambda s: math.prod(s) > 2**16, settings=FIND)
    find(seeds(), lambda s: s >= 2**63, settings=FIND)
    find(seeds(), lambda s: 2**32 < s < 2**63, settings=FIND)


@given(data=st.data())
def test_every_call_runs_on_the_reference(data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(ops.FUNCTIONS))
    call = data.draw(calls(op, data.draw(st.sampled_from(DTYPES)) if op in ops.FLOAT_OPS else None))
    call.on_reference()


def test_hyperparameter_edges_are_drawn() -> None:
    find(calls("dropout", "float32"), lambda c: c.args[1] == 1.0, settings=FIND)
    find(calls("dropout", "float32"), lambda c: c.args[1] == 0.0, settings=FIND)
    find(calls("adam_step", "float32"), lambda c: c.kwargs["betas"][1] >= 0.9999, settings=FIND)
    find(calls("sgd_step", "float32"), lambda c: c.kwargs["momentum"] == c.kwargs["weight_decay"] == 0, settings=FIND)
    find(calls("l2_penalty", "float32"), lambda c: isinstance(c.args[0], dict), settings=FIND)
    find(trajectories("adamw_step", "float16"), lambda t: len(t[1]) == 4, settings=FIND)


@given(call=st.sampled_from(ops.FLOAT_OPS).flatmap(lambda op: calls(op, "float32")))
def test_without_tiny_leaves_no_tiny_magnitudes(call: Call) -> None:
    cleaned = call.without_tiny()
    for x in flatten((cleaned.args, cleaned.kwargs))[0]:
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            magnitudes = np.abs(x[np.isfinite(x)].astype(np.float64))
            assert np.all((magnitudes == 0) | (magnitudes >= TINY))
        elif isinstance(x, float):
            assert x == 0 or abs(x) >= TINY
    assume(call.op != "sgd_step" or not call.kwargs["nesterov"])
    cleaned.on_reference()  # still valid input


def test_without_tiny_keeps_signs() -> None:
    x = without_tiny(np.array([1e-20, -1e-20, 1.0, -np.inf], np.float32))
    assert ordinal(x).tolist()[:2] == [0, -1] and x[2] == 1 and x[3] == -np.inf


@given(data=st.data())
def test_literals_evaluate_to_the_same_bits(data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(ops.FUNCTIONS))
    call = data.draw(calls(op, data.draw(st.sampled_from(DTYPES)) if op in ops.FLOAT_OPS else None))
    namespace = {"np": np, "ml_dtypes": ml_dtypes, "ref": numpy_ref}
    args = eval(literal(call.args), namespace)
    for got, want in zip(flatten(args)[0], flatten(call.args)[0]):
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype and got.shape == want.shape
            assert np.all(bits_equal(got, want) if want.dtype in FLOAT_DTYPES.values() else got == want)
        else:
            assert got == want or repr(got) == repr(want)


def test_hard_rates_are_hard() -> None:
    """Each rate tells the dropout scale fl(1/fl(1 − p)) from 1/(1 − p) rounded once, and from the scale
    rounded to a 16-bit dtype; and the strategy draws them."""
    f32 = np.dtype(np.float32)
    for p in HARD_RATES:
        s = dropout_scale(p, f32)
        assert s != np.float32(1 / (1 - p)) and s.astype(np.float16) != s and s.astype(ml_dtypes.bfloat16) != s
    assert len(HARD_RATES) >= 10
    find(calls("dropout", "float16"), lambda c: c.args[1] in HARD_RATES, settings=FIND)


@given(data=st.data())
def test_boundary_probabilities_sit_on_a_drawn_uniform(data: st.DataObject) -> None:
    seed, shape, drop = data.draw(seeds()), data.draw(shapes(min_side=1)), data.draw(st.booleans())
    key = numpy_ref.key(seed)
    p = data.draw(boundary_probabilities(key, shape, drop=drop))
    q = 1.0 - p if drop else p
    uniforms = numpy_ref.uniform(key, shape).astype(np.float64)
    assert np.any((uniforms == q) | (uniforms == np.float32(q)) | (np.abs(uniforms - q) == 2**-24))


def test_edge_probabilities_split_the_comparisons() -> None:
    """Between them, the edges of a uniform tell ``u < q`` from ``u <= q``, from a float64 comparison and
    from an integer threshold rounded down."""
    u = float(numpy_ref.uniform(numpy_ref.key(3), (1,))[0])
    qs = edge_probabilities(u, drop=False)
    keeps = [1.0 - p for p in edge_probabilities(u, drop=True)]  # the same keep-probabilities, for dropout
    assert keeps[:3] == qs[:3] and keeps[3] > u and np.float32(keeps[3]) == u == np.float32(qs[3]) and qs[3] > u
    ref = [u < np.float32(q) for q in qs]
    assert ref != [u <= np.float32(q) for q in qs]
    assert ref != [u < q for q in qs]
    assert ref != [int(u * 2**23) < np.floor(np.float64(np.float32(q)) * 2**23) for q in qs]


def test_cancelling_hyperparameters_are_drawn() -> None:
    find(calls("weight_decay_step", "float32"), lambda c: 0 < 1 - c.args[2] * c.args[3] < 1e-2, settings=FIND)
    find(calls("sgd_step", "float32"), lambda c: c.kwargs["dampening"] in CANCELLING, settings=FIND)
    find(
        calls("adamw_step", "float32"),
        lambda c: 0 < 1 - c.kwargs["lr"] * c.kwargs["weight_decay"] < 1e-2,
        settings=FIND,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_elements_reach_ordinary_values(dtype: str) -> None:
    """Values with every mantissa bit in use and no risk of overflow, where a scalar rounded the wrong way shows."""
    find(elements(dtype), lambda v: 0.5 < abs(v) < 4 and v * 2**4 != int(v * 2**4), settings=FIND)
