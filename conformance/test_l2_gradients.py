"""The L2 penalty's gradient: the backend's autodiff (``vjp`` hook) against the hand-written ``λ·w``, and
the backend's ``l2_penalty_grad`` against float64 central differences of its ``l2_penalty``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.calls import without_tiny
from conformance.strategies import arrays, calls
from conformance.tolerances import l2_difference_bound, tolerance
from numpy_ref.tree import flatten, unflatten


@pytest.mark.needs("vjp")
@given(data=st.data())
def test_autodiff_of_the_penalty_is_the_gradient(backend: Backend, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = data.draw(calls("l2_penalty_grad", dtype, subnormals=backend.subnormals), label="call")
    (params, lam), kwargs = call.args, call.kwargs
    penalty = backend.fn("l2_penalty")
    out_dtype = backend.run("l2_penalty", call.args, kwargs).dtype
    grad = backend.vjp(lambda p: penalty(p, lam, **kwargs), params, np.ones((), out_dtype))
    note = "got: the backend's autodiff gradient of l2_penalty; want: numpy_ref.l2_penalty_grad (λ·w)"
    tol = tolerance("l2_penalty:vjp", dtype)
    assert_match(grad, call.on_reference(), backend=backend, call=call, tol=tol, note=note)


@pytest.mark.dtypes("float64")
@given(data=st.data())
def test_gradient_matches_finite_differences(backend: Backend, dtype: str, data: st.DataObject) -> None:
    """``(R(w + v) − R(w − v))/2 = <∇R(w), v>`` exactly in real arithmetic (R is quadratic, so any step will
    do); in float64 the two sides lie within :func:`~conformance.tolerances.l2_difference_bound`."""
    call = data.draw(calls("l2_penalty_grad", dtype, subnormals=backend.subnormals), label="call")
    (params, lam), kwargs = call.args, call.kwargs
    leaves, td = flatten(params)
    v = [data.draw(arrays(dtype, w.shape, bound=1e150), label="v") for w in leaves]
    v = v if backend.subnormals else without_tiny(v)
    shifted = [unflatten(td, [w + sign * d for w, d in zip(leaves, v)]) for sign in (1.0, -1.0)]
    plus, minus = (float(backend.run("l2_penalty", (p, lam), kwargs)) for p in shifted)
    grad = flatten(backend.run("l2_penalty_grad", call.args, kwargs))[0]
    fd, hand = (plus - minus) / 2.0, float(sum(np.sum(g * d) for g, d in zip(grad, v)))
    bound = l2_difference_bound(leaves, v, lam, plus, minus)
    assert abs(fd - hand) <= bound, (
        f"{backend.name}: {call.describe()}: (R(w + v) − R(w − v))/2 = {fd!r} but <l2_penalty_grad(w), v> = {hand!r} "
        f"(rounding bound {bound:.3g})"
    )
