"""Every public function leaves its inputs as they were and returns memory of its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance import ops
from conformance.assertions import assert_pure, snapshot
from conformance.backends import Backend
from conformance.strategies import any_call


@given(data=st.data())
def test_inputs_unchanged_and_not_aliased(backend: Backend, family: str, data: st.DataObject) -> None:
    call = data.draw(any_call(ops.members(family), backend.dtypes), label="call")
    if call.op == "dropout":
        call = call.with_arguments(training=True)  # evaluation mode returns x itself, by contract (C9)
    inputs = backend.native((call.args, call.kwargs))
    before = snapshot(backend, inputs)
    outputs = backend.fn(call.op)(*inputs[0], **inputs[1])
    assert_pure(backend, call, before, inputs, outputs)
