"""A compiling backend (its ``eager`` hook) gives the same results compiled as op by op (JAX: jit vs eager).

Draws are compared on replayable backends only. One test per reference module, drawing the function:
running op by op compiles every primitive anew, so this check is the suite's most expensive per example —
and it leaves out the large draw shape (past 2**16 elements: the stream's concern, checked by the values).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import ops
from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.strategies import any_call
from conformance.tolerances import scale, tolerance


@pytest.mark.needs("eager")
@given(data=st.data())
def test_compiled_equals_eager(backend: Backend, family: str, data: st.DataObject) -> None:
    members = ops.members(family, draws=backend.replayable)
    call = data.draw(any_call(members, backend.dtypes, backend.subnormals, large=False), label="call")
    compiled = call.on(backend)
    with backend.eager():
        eager = call.on(backend)
    bound = scale(call.op, call.args, call.kwargs)
    note = "compared: compiled (got) with eager (want); fused multiply-adds may differ within the tolerance"
    tol = tolerance(call.op, call.dtype)
    assert_match(compiled, eager, backend=backend, call=call, tol=tol, scale=bound, note=note)
