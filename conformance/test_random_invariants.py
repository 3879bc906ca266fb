"""What every draw must be, replayable or not: the reference's dtype and shape, values in range, certain edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import ops
from conformance.assertions import explain
from conformance.backends import Backend
from conformance.strategies import calls

# For each draw, the probability argument whose edges are certain: q = 1 or p = 0 keeps all, the other none.
_EDGES = {"bernoulli": ("q", {0.0: False, 1.0: True}), "dropout_mask": ("p", {0.0: True, 1.0: False})}


@pytest.mark.ops(*(op for op in ops.DRAWS if op != "dropout"))
@given(data=st.data())
def test_draws_have_the_contract_structure(backend: Backend, op: str, data: st.DataObject) -> None:
    call = data.draw(calls(op, None), label="call")
    if op in _EDGES:
        name, certain = _EDGES[op]
        edge = data.draw(st.sampled_from([None, *certain]), label="edge")
        call = call if edge is None else call.with_arguments(**{name: edge})
    got, want = call.on(backend), call.on_reference()
    problems = []
    if got.dtype != want.dtype or got.shape != want.shape:
        problems.append(f"got {got.dtype} {got.shape}, want {want.dtype} {want.shape}")
    elif op == "uniform" and not np.all((got >= 0) & (got < 1)):
        problems.append(f"values outside [0, 1): {got[(got < 0) | (got >= 1)][:5]}")
    elif op in _EDGES and call.argument(_EDGES[op][0]) in _EDGES[op][1]:
        name, certain = _EDGES[op]
        expected = certain[call.argument(name)]
        if not np.all(got == expected):
            problems.append(f"{name} = {call.argument(name)} must give {expected} everywhere")
    assert not problems, explain(backend, call, "a draw breaks the contract's structure", problems)
