"""Every public function against the reference: structure, dtype, shape and values within the tolerance table.

Functions that draw from the random stream are compared only on backends whose masks are replayable;
the others are held to the same draws by structure and statistics (``test_random_*``, ``test_dropout_*``).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import ops
from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.strategies import calls
from conformance.tolerances import scale, tolerance


@pytest.mark.ops(*ops.FUNCTIONS, replay=True)
@given(data=st.data())
def test_matches_reference(backend: Backend, op: str, dtype: str | None, data: st.DataObject) -> None:
    call = data.draw(calls(op, dtype, subnormals=backend.subnormals), label="call")
    want = call.on_reference()
    bound = scale(op, call.args, call.kwargs, want)
    assert_match(call.on(backend), want, backend=backend, call=call, tol=tolerance(op, dtype), scale=bound)
