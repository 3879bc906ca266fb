"""Every public function leaves its inputs as they were and returns memory of its own (C12) — except where an
identity rule of the contract says that an output *is* an input, which is then checked as strictly."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import ops
from conformance.assertions import assert_pure, explain, snapshot
from conformance.backends import Backend
from conformance.calls import Call
from conformance.strategies import any_call, calls


@dataclasses.dataclass(frozen=True)
class Identity:
    """``op`` called with ``fixed`` returns its argument ``returns`` itself (the very object), unchanged."""

    op: str
    fixed: dict
    returns: str
    rule: str

    def __str__(self) -> str:
        return f"{self.op}-{'-'.join(f'{k}={v}' for k, v in self.fixed.items())}"


IDENTITIES = [Identity("dropout", {"training": False}, "x", "C8: dropout(..., training=False) returns x itself")]


@given(data=st.data())
def test_inputs_unchanged_and_not_aliased(backend: Backend, family: str, data: st.DataObject) -> None:
    call = data.draw(any_call(ops.members(family), backend.dtypes), label="call")
    if call.op == "dropout":
        call = call.with_arguments(training=True)  # evaluation mode returns x itself: test_identity_rules
    inputs = backend.native((call.args, call.kwargs))
    before = snapshot(backend, inputs)
    outputs = backend.fn(call.op)(*inputs[0], **inputs[1])
    assert_pure(backend, call, before, inputs, outputs)


@pytest.mark.parametrize("case", IDENTITIES, ids=str)
@given(data=st.data())
def test_identity_rules(backend: Backend, case: Identity, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = data.draw(calls(case.op, dtype, subnormals=backend.subnormals), label="call").with_arguments(**case.fixed)
    args, kwargs = backend.native((call.args, call.kwargs))
    before = snapshot(backend, (args, kwargs))
    output = backend.fn(call.op)(*args, **kwargs)
    expected = Call(call.op, args, kwargs).argument(case.returns)
    if output is not expected:
        got = f"got a {type(output).__name__}, not the object passed as {case.returns}"
        raise AssertionError(
            explain(backend, call, f"must return its argument {case.returns} itself", [case.rule, got])
        )
    assert_pure(backend, call, before, (args, kwargs), ())
