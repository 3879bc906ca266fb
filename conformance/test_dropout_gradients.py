"""Dropout's gradients: the backend's autodiff (its ``vjp`` hook) against the hand-written backward, and
the backend's hand-written backward against float64 central differences of its forward."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref
from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.calls import Call, without_tiny
from conformance.strategies import arrays, calls, masks, shapes
from conformance.tolerances import dropout_difference_bound


def _cotangent(data: st.DataObject, backend: Backend, call: Call) -> np.ndarray:
    x = call.args[0]
    d_y = data.draw(arrays(x.dtype.name, x.shape, finite=False), label="d_y")
    return d_y if backend.subnormals else without_tiny(d_y)


def check_autodiff_of_dropout(backend: Backend, data: st.DataObject, **fixed: object) -> None:
    __tracebackhide__ = True
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = data.draw(calls("dropout", dtype, subnormals=backend.subnormals), label="call")
    call = call.with_arguments(training=True, **fixed)
    (x, p, key), dims = call.args, call.argument("broadcast_dims")
    d_y = _cotangent(data, backend, call)
    keep = numpy_ref.dropout_mask(key, p, x.shape, broadcast_dims=dims)
    native_key, dropout = backend.asarray(key), backend.fn("dropout")
    grad = backend.vjp(lambda x_: dropout(x_, p, native_key, broadcast_dims=dims), x, d_y)
    note = "got: the backend's autodiff gradient of dropout(x, p, key); want: numpy_ref.dropout_backward(d_y, mask, p)"
    want = Call("dropout_backward", (d_y, keep, p), dtype=dtype, seed=call.seed)
    assert_match(grad, want.on_reference(), backend=backend, call=want, note=note)


@pytest.mark.needs("vjp", "replayable")
@given(data=st.data())
def test_autodiff_of_dropout_is_the_backward(backend: Backend, data: st.DataObject) -> None:
    check_autodiff_of_dropout(backend, data)


@pytest.mark.needs("vjp")
@given(data=st.data())
def test_autodiff_gradient_at_p_one_is_zero(backend: Backend, data: st.DataObject) -> None:
    """At p = 1 nothing survives whatever the generator: +0.0 everywhere, never 0·inf, on every backend."""
    check_autodiff_of_dropout(backend, data, p=1.0)


@pytest.mark.needs("vjp")
@given(data=st.data())
def test_autodiff_of_the_forward_is_the_backward(backend: Backend, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = data.draw(calls("dropout_backward", dtype, subnormals=backend.subnormals), label="call")
    d_y, keep, p = call.args
    x = data.draw(arrays(dtype, d_y.shape), label="x")
    native_keep = backend.asarray(keep)
    forward = backend.fn("dropout_forward")
    grad = backend.vjp(lambda x_: forward(x_, native_keep, p), x, d_y)
    note = "got: the backend's autodiff gradient of dropout_forward; want: numpy_ref.dropout_backward"
    assert_match(grad, call.on_reference(), backend=backend, call=call, note=note)


@pytest.mark.dtypes("float64")
@given(data=st.data())
def test_backward_matches_finite_differences(backend: Backend, dtype: str, data: st.DataObject) -> None:
    """``<d_y, J v>`` by central differences of the forward equals ``<backward(d_y), v>``. Dropout is linear,
    so the difference quotient is exact in real arithmetic for any step h; h = 1 leaves only rounding, within
    :func:`~conformance.tolerances.dropout_difference_bound`."""
    shape = data.draw(shapes(), label="shape")
    x, v, d_y = (data.draw(arrays(dtype, shape, bound=1e6), label=name) for name in ("x", "v", "d_y"))
    if not backend.subnormals:
        x, v, d_y = without_tiny((x, v, d_y))
    keep, p = data.draw(masks(shape), label="keep"), data.draw(st.floats(0.0, 0.99), label="p")
    plus, minus = (backend.run("dropout_forward", (x + sign * v, keep, p), {}) for sign in (1.0, -1.0))
    d_x = backend.run("dropout_backward", (d_y, keep, p), {})
    fd, hand = float(np.sum(d_y * (plus - minus) / 2.0)), float(np.sum(d_x * v))
    bound = dropout_difference_bound(x, v, d_y, p)
    call = Call("dropout_backward", (d_y, keep, p), dtype=dtype)
    assert abs(fd - hand) <= bound, (
        f"{backend.name}: {call.describe()}: <d_y, (f(x + v) − f(x − v))/2> = {fd!r} "
        f"but <dropout_backward(d_y), v> = {hand!r} (rounding bound {bound:.3g})"
    )
