"""Several steps of each optimizer from the backend's own init, its state carried natively, against the
reference's trajectory after every step (the tolerance grows by one step's worth per step)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref
from conformance import ops
from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.calls import Call
from conformance.strategies import trajectories
from conformance.tolerances import scale, tolerance


@pytest.mark.ops(*ops.OPTIMIZERS)
@given(data=st.data())
def test_trajectory_matches_reference(backend: Backend, op: str, dtype: str, data: st.DataObject) -> None:
    params, grads, hyper = data.draw(trajectories(op, dtype), label="trajectory")
    if not backend.subnormals:
        cleaned = Call(op, (params, *grads), hyper).without_tiny()
        (params, *grads), hyper = cleaned.args, cleaned.kwargs
    init = ops.OPTIMIZERS[op]
    want_params, want_state = params, getattr(numpy_ref, init)(params)
    native_params = backend.native(params)
    native_state = backend.fn(init)(native_params)
    native_hyper = backend.native(hyper)
    for t, g in enumerate(grads, start=1):
        call = Call(op, (want_params, g, want_state), hyper, dtype=dtype)  # step t, replayed from the reference's state
        want_params, want_state = call.on_reference()
        native_params, native_state = backend.fn(op)(native_params, backend.native(g), native_state, **native_hyper)
        got = backend.numpy((native_params, native_state))
        bound = scale(op, call.args, call.kwargs, (want_params, want_state))
        note = f"after step {t} of {len(grads)} from {init}; the repro replays step {t} from the reference's state"
        tol = tolerance(op, dtype, steps=t)
        assert_match(got, (want_params, want_state), backend=backend, call=call, tol=tol, scale=bound, note=note)
