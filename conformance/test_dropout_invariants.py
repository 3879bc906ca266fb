"""Inverted dropout's contract (C7–C9), checked on the backend's own outputs — so also for its own RNG.

Each element of ``dropout(x)`` is ``+0.0`` or exactly ``x·s`` with ``s = fl(1 / fl(1 − p))`` in the
computation dtype (``1 − p`` rounded to it, then the reciprocal rounded there); p = 0 is the identity,
p = 1 gives zeros, evaluation mode returns ``x``; a key
fixes the mask; ``broadcast_dims`` share one draw; the backward pass is the forward map.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref
from conformance.assertions import explain
from conformance.backends import Backend
from conformance.calls import Call
from conformance.strategies import calls, seeds, shapes
from conformance.ulp import bits_equal, ordinal, ulp_distance
from numpy_ref.dtypes import compute_dtype


def _dropout(data: st.DataObject, backend: Backend, **fixed: object) -> Call:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = data.draw(calls("dropout", dtype, subnormals=backend.subnormals), label="call")
    return call.with_arguments(training=True, **fixed)


def _fail_unless(ok: np.ndarray, backend: Backend, call: Call, headline: str, hint: str = "", **arrays: object) -> None:
    """Fail naming the first element where ``ok`` is False, with each array's value there."""
    __tracebackhide__ = True
    ok = np.asarray(ok)
    if not ok.all():
        first = tuple(int(i) for i in np.argwhere(~ok)[0])
        values = ", ".join(f"{name} = {np.asarray(a)[first]!r}" for name, a in arrays.items())
        lines = [f"{int((~ok).sum())} of {ok.size} elements; first at {first}: {values}", hint]
        raise AssertionError(explain(backend, call, headline, lines))


@given(data=st.data())
def test_each_element_is_dropped_or_scaled(backend: Backend, data: st.DataObject) -> None:
    call = _dropout(data, backend)
    x, p = call.args[0], call.args[1]
    y = call.on(backend)
    ct = compute_dtype(x.dtype)
    with np.errstate(all="ignore"):
        s = ct.type(0.0) if p == 1 else ct.type(1.0) / ct.type(1.0 - p)
        scaled = (x.astype(ct) * s).astype(x.dtype)
    assert y.shape == x.shape and y.dtype == x.dtype, f"{backend.name}: dropout gave {y.dtype} {y.shape}"
    ok = (ordinal(y) == 0) | bits_equal(y, scaled)
    with np.errstate(all="ignore"):
        ratio = np.unique(np.asarray(y, np.float64)[~ok] / np.asarray(x, np.float64)[~ok])
    apart = np.unique(ulp_distance(y[~ok], scaled[~ok]))
    headline = f"an element is neither +0.0 (dropped) nor x·s (kept), s = fl(1/fl(1 − p)) = {s!r} in {ct.name}"
    hint = f"pattern: y/x = {ratio[0]:.9g} on every such element (1 − p = {1 - p:.9g})" if ratio.size == 1 else ""
    hint += f"; y is {apart[0]:.0f} ULP(s) from x·s on every one" if apart.size == 1 else ""
    _fail_unless(ok, backend, call, headline, hint, x=x, y=y, x_times_s=scaled)


@given(data=st.data())
def test_p_zero_is_the_identity(backend: Backend, data: st.DataObject) -> None:
    call = _dropout(data, backend, p=0.0)
    x, y = call.args[0], call.on(backend)
    _fail_unless(bits_equal(y, x), backend, call, "p = 0 must return x unchanged", x=x, y=y)


@given(data=st.data())
def test_p_one_drops_everything_and_its_gradient(backend: Backend, data: st.DataObject) -> None:
    call = _dropout(data, backend, p=1.0)
    x, y = call.args[0], call.on(backend)
    _fail_unless(ordinal(y) == 0, backend, call, "p = 1 must give +0.0 everywhere", y=y)
    d_x = backend.run("dropout_backward", (x, np.zeros(x.shape, bool), 1.0), {})
    why = "p = 1 must give a +0.0 gradient whatever d_y holds (never 0·inf)"
    _fail_unless(ordinal(d_x) == 0, backend, call, why, d_y=x, d_x=d_x)


@given(data=st.data())
def test_evaluation_is_the_identity(backend: Backend, data: st.DataObject) -> None:
    call = _dropout(data, backend).with_arguments(training=False)
    x, y = call.args[0], call.on(backend)
    why = "training=False must return x"
    _fail_unless(bits_equal(y, x), backend, call, why, x=x, y=y)


@given(data=st.data())
def test_a_key_fixes_the_mask(backend: Backend, data: st.DataObject) -> None:
    call = _dropout(data, backend)
    first, second = call.on(backend), call.on(backend)
    why = "two calls with one key gave different outputs: randomness must come from the key alone"
    _fail_unless(bits_equal(first, second), backend, call, why, first=first, second=second)


@given(pair=st.tuples(seeds(), seeds()).filter(lambda s: s[0] != s[1]))
def test_different_keys_give_different_masks(backend: Backend, pair: tuple[int, int]) -> None:
    """128 fair coins: a correct stream repeats a mask for another key with probability 2**-128."""
    calls_ = [Call("dropout_mask", (numpy_ref.key(s), 0.5, (8, 16)), seed=s) for s in pair]
    a, b = (c.on(backend) for c in calls_)
    assert not np.array_equal(a, b), explain(backend, calls_[1], f"keys from seeds {pair} gave one mask", [])


@given(data=st.data())
def test_broadcast_dims_share_one_draw(backend: Backend, data: st.DataObject) -> None:
    shape = data.draw(shapes(min_dims=2, min_side=2), label="shape")
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape)), label="dims")
    seed = data.draw(seeds(), label="seed")
    call = Call("dropout_mask", (numpy_ref.key(seed), 0.5, shape), {"broadcast_dims": tuple(dims)}, seed=seed)
    mask = call.on(backend)
    for axis in sorted({d % len(shape) for d in dims}):
        why = f"the mask varies along axis {axis}, one of broadcast_dims={tuple(dims)}: it must be one draw there"
        at_zero = np.broadcast_to(mask.take([0], axis=axis), mask.shape)
        _fail_unless(mask == at_zero, backend, call, why, mask=mask, mask_at_index_0_of_that_axis=at_zero)


@given(data=st.data())
def test_backward_is_the_forward_map(backend: Backend, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = data.draw(calls("dropout_backward", dtype, subnormals=backend.subnormals), label="call")
    backward, forward = call.on(backend), backend.run("dropout_forward", call.args, {})
    why = "dropout_backward(d, keep, p) must equal dropout_forward(d, keep, p): the Jacobian is diag(keep·s)"
    _fail_unless(bits_equal(backward, forward), backend, call, why, backward=backward, forward=forward)


@given(data=st.data())
def test_dropout_is_the_forward_of_its_mask(backend: Backend, data: st.DataObject) -> None:
    call = _dropout(data, backend)
    x, p, key = call.args
    dims = call.argument("broadcast_dims")
    mask = backend.run("dropout_mask", (key, p, x.shape), {"broadcast_dims": dims})
    y, via_mask = call.on(backend), backend.run("dropout_forward", (x, mask, p), {})
    why = "dropout(x, p, key) must equal dropout_forward(x, dropout_mask(key, p, x.shape), p)"
    _fail_unless(bits_equal(y, via_mask), backend, call, why, dropout=y, forward_of_mask=via_mask)
