"""Several steps of each optimizer from the backend's own init, its state carried natively, against the
reference's trajectory after every step (the tolerance grows by one step's worth per step).

Errors are measured at the largest term magnitude any step so far had, element by element: a rounding made at
step 1 is carried into later steps (at most 1:1), so a later step whose own terms cancel to nearly zero (β = 0
forgets the history, a weight that lands on 0) is still judged against the magnitudes the carried error was
made at. Judged at the last step's terms alone, the deep profile failed correct backends.
"""

from __future__ import annotations

import numpy as np
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
from numpy_ref.tree import PyTree, flatten, unflatten


def _largest(before: PyTree | None, now: PyTree) -> PyTree:
    """The element-wise maximum of two term-magnitude trees (``now`` where there is no ``before``, and for a leaf
    measured against its own value, ``None``)."""
    if before is None:
        return now
    (old, _), (new, td) = flatten(before), flatten(now)
    return unflatten(td, [b if a is None or b is None else np.maximum(a, b) for a, b in zip(old, new)])


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
    carried = None
    for t, g in enumerate(grads, start=1):
        call = Call(op, (want_params, g, want_state), hyper, dtype=dtype)  # step t, replayed from the reference's state
        want_params, want_state = call.on_reference()
        native_params, native_state = backend.fn(op)(native_params, backend.native(g), native_state, **native_hyper)
        got = backend.numpy((native_params, native_state))
        bound = _largest(carried, scale(op, call.args, call.kwargs, (want_params, want_state)))
        carried = bound
        note = f"after step {t} of {len(grads)} from {init}; the repro replays step {t} from the reference's state"
        tol = tolerance(op, dtype, steps=t)
        assert_match(got, (want_params, want_state), backend=backend, call=call, tol=tol, scale=bound, note=note)
