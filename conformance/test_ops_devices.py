"""Every device a backend lists (its ``devices`` hook) gives the first device's results: masks bit for bit.

Draws are compared on replayable backends only (a framework's own generators differ between devices), at the
small shapes (the large draw shape is the stream's concern, checked by the values).
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


@pytest.mark.needs("devices")
@given(data=st.data())
def test_every_device_matches_the_first(backend: Backend, family: str, data: st.DataObject) -> None:
    members = ops.members(family, draws=backend.replayable)
    call = data.draw(any_call(members, backend.dtypes, backend.subnormals, large=False), label="call")
    first, *others = backend.devices()
    want = call.on(backend, first)
    bound = scale(call.op, call.args, call.kwargs)
    tol = tolerance(call.op, call.dtype)
    for device in others:
        note = f"compared: {device} (got) with {first} (want)"
        assert_match(call.on(backend, device), want, backend=backend, call=call, tol=tol, scale=bound, note=note)
