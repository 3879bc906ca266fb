"""Every public function against the reference: structure, dtype, shape and values within the tolerance table.

Functions that draw from the random stream are compared only on backends whose masks are replayable;
the others are held to the same draws by structure and statistics (``test_random_*``, ``test_dropout_*``).
Those draws are also compared at the edges of the stream's one comparison, ``uniform < float32(q)``, and
past the first 2**16 elements at fixed keys (where a counter that restarts in every tile goes wrong).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import numpy_ref
from conformance import ops
from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.calls import Call
from conformance.strategies import LARGE, SEED_EDGES, calls, edge_probabilities, mask_shape
from conformance.tolerances import scale, tolerance


@pytest.mark.ops(*ops.FUNCTIONS, replay=True)
@given(data=st.data())
def test_matches_reference(backend: Backend, op: str, dtype: str | None, data: st.DataObject) -> None:
    call = data.draw(calls(op, dtype, subnormals=backend.subnormals), label="call")
    want = call.on_reference()
    bound = scale(op, call.args, call.kwargs, want)
    assert_match(call.on(backend), want, backend=backend, call=call, tol=tolerance(op, dtype), scale=bound)


@pytest.mark.ops("bernoulli", "dropout_mask", "dropout", replay=True)
@given(data=st.data())
def test_draws_at_the_boundary_match_reference(backend: Backend, op: str, data: st.DataObject) -> None:
    """For one element of a drawn call, every probability on the edge of its uniform ``u`` — ``q = u``, a
    float64 ulp above (it rounds to ``u``), half a float32 step either side; ``1 − p`` the same for dropout —
    where ``u < q``, ``u <= q``, a float64 comparison and an integer threshold rounded down all differ."""
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype") if op in ops.FLOAT_OPS else None
    call = data.draw(calls(op, dtype, subnormals=backend.subnormals), label="call")
    key = call.argument("k" if op == "bernoulli" else "key")
    shape = call.argument("x").shape if op == "dropout" else call.argument("shape")
    dims = () if op == "bernoulli" else call.argument("broadcast_dims")
    uniforms = numpy_ref.uniform(key, mask_shape(shape, dims)).reshape(-1)
    assume(uniforms.size > 0)
    index = data.draw(st.integers(0, uniforms.size - 1), label="element")
    u, name = float(uniforms[index]), "q" if op == "bernoulli" else "p"
    for p in edge_probabilities(u, drop=op != "bernoulli"):
        edged = call.with_arguments(**{name: p, **({"training": True} if op == "dropout" else {})})
        edged = edged if backend.subnormals else edged.without_tiny()
        note = f"{name} = {p!r} is on the edge of the uniform u = {u!r} drawn for flat index {index} of the mask"
        assert_match(edged.on(backend), edged.on_reference(), backend=backend, call=edged, note=note)


@pytest.mark.ops("random_bits", "uniform", "bernoulli", "dropout_mask", replay=True)
def test_draws_past_a_tile_match_reference(backend: Backend, op: str) -> None:
    """A draw of more than 2**16 elements (a chunk of the reference's generator, a common tile size) at fixed
    keys: every element's counter is its global flat index, whatever the chunking."""
    for seed in SEED_EDGES[::5]:  # 0 and 2**64 − 1: key words of zeros and of ones
        rate = {"bernoulli": (0.3,), "dropout_mask": (0.7,)}.get(op, ())
        call = Call(op, (numpy_ref.key(seed), *rate, LARGE), seed=seed)
        assert_match(call.on(backend), call.on_reference(), backend=backend, call=call)
