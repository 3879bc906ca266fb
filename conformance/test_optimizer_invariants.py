"""Update rules' conventions, each a statement a wrong convention breaks: lr = 0 moves nothing (the decay
is multiplied by lr, C3); SGD's first momentum step copies the direction (no dampening then, C4); AdamW is
Adam with decoupled decay; SGD without momentum, decoupled, is the chapter's ``weight_decay_step``; each
factor ``1 − x`` is formed on the host, which shows where it nearly cancels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref
from conformance.assertions import assert_match
from conformance.backends import Backend
from conformance.calls import Call
from conformance.strategies import ADAM_BOUND, CANCELLING, arrays, calls
from conformance.tolerances import scale, tolerance
from numpy_ref.tree import PyTree, tree_map


def _draw(data: st.DataObject, backend: Backend, op: str, dtype: str, **fixed: object) -> Call:
    call = data.draw(calls(op, dtype, subnormals=backend.subnormals), label="call")
    return call.with_arguments(**fixed)


def _plus_zero(tree: PyTree) -> PyTree:
    """``x + 0``: turns −0.0 into +0.0 and changes nothing else; the sign of a zero is not what these
    conventions are about (a weight of −0.0 minus 0 may become +0.0, and μ·0 + (−0.0) is +0.0)."""
    return tree_map(lambda a: a + a.dtype.type(0), tree)


@pytest.mark.ops("weight_decay_step", "sgd_step", "adam_step", "adamw_step")
@given(data=st.data())
def test_zero_learning_rate_leaves_the_weights(backend: Backend, op: str, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = _draw(data, backend, op, dtype, lr=0.0)
    if op.startswith("adam"):
        call = call.with_arguments(eps=max(call.argument("eps"), 1e-8))  # with ε = 0, 0·(m̂/0) is NaN
    got = call.on(backend)
    new_params = got if op == "weight_decay_step" else got[0]
    lam = call.argument("weight_decay")
    note = f"lr = 0 must leave the weights unchanged: the decay multiplies lr, w·(1 − lr·λ) with λ = {lam!r}"
    assert_match(_plus_zero(new_params), _plus_zero(call.args[0]), backend=backend, call=call, note=note)


@pytest.mark.ops("sgd_step")
@given(data=st.data())
def test_first_momentum_step_copies_the_gradient(backend: Backend, op: str, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = _draw(data, backend, op, dtype, weight_decay=0.0, maximize=False, nesterov=False)
    momentum, tau = call.argument("momentum") or 0.9, call.argument("dampening") or 0.5  # both must matter
    grads = call.argument("grads")
    start = numpy_ref.SGDState(0, tree_map(np.zeros_like, grads))
    call = call.with_arguments(momentum=momentum, dampening=tau, state=start)
    buffer = call.on(backend)[1].momentum
    note = f"step 1 must copy the gradient into the momentum buffer; dampening (τ = {tau!r}) applies from step 2 on"
    assert_match(_plus_zero(buffer), _plus_zero(grads), backend=backend, call=call, note=note)


@pytest.mark.ops("adamw_step")
@given(data=st.data())
def test_adamw_is_adam_with_decoupled_decay(backend: Backend, op: str, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = _draw(data, backend, op, dtype)
    adam = Call("adam_step", call.args, {**call.kwargs, "decoupled": True}, dtype=dtype)
    note = "compared: adamw_step (got) with adam_step(decoupled=True) (want), both on the backend"
    assert_match(call.on(backend), adam.on(backend), backend=backend, call=call, note=note)


@pytest.mark.ops("sgd_step")
@given(data=st.data())
def test_plain_decoupled_sgd_is_weight_decay_step(backend: Backend, op: str, data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(backend.dtypes), label="dtype")
    call = _draw(data, backend, op, dtype, momentum=0.0, nesterov=False, decoupled=True, maximize=False)
    call = call.with_arguments(decay_mask=None)
    params, grads, lr, lam = (call.argument(name) for name in ("params", "grads", "lr", "weight_decay"))
    chapter = Call("weight_decay_step", (params, grads, lr, lam), dtype=dtype)
    note = "compared: sgd_step(momentum=0, decoupled=True) weights (got) with weight_decay_step (want), on the backend"
    assert_match(call.on(backend)[0], chapter.on(backend), backend=backend, call=call, note=note)


# One layout for every call of the test below: its subject is the scalar factors, and a compiling backend
# then compiles each update rule once per dtype and regime instead of once per example.
_LAYOUT = {"b": (5,), "w": (5, 3)}


def _cancelling(data: st.DataObject, op: str, dtype: str, near_one: float) -> Call:
    """A call that leaves one factor ``1 − x`` alone in its term, with ``x = near_one``: decoupled decay on zero
    gradients from a zero state, or (SGD, Adam) the moments of a zero state at a later step, with no decay."""
    params, grads = (
        {k: data.draw(arrays(dtype, s, bound=ADAM_BOUND), label=k) for k, s in _LAYOUT.items()} for _ in "pg"
    )
    zeros = tree_map(np.zeros_like, params)
    lr = data.draw(st.sampled_from([1e-3, 0.1, 1.0, 1 / 3, 2.5]), label="lr")
    step = data.draw(st.sampled_from([0, 1, 2, 7, 10**6]), label="step")
    if op == "weight_decay_step":
        return Call(op, (params, zeros, lr, near_one / lr), dtype=dtype)
    sgd, decay = op == "sgd_step", data.draw(st.booleans(), label="decay")
    if decay:  # w·(1 − lr·λ), and nothing else moves
        hyper = {"weight_decay": near_one / lr} | ({} if op == "adamw_step" else {"decoupled": True})
        grads = zeros
    elif sgd:  # b = (1 − τ)·d
        hyper, step = {"dampening": near_one}, max(step, 1)
    else:  # m = (1 − β1)·d, v = (1 − β2)·d²
        hyper, step = {"weight_decay": 0.0, "betas": (near_one, data.draw(st.sampled_from(CANCELLING)))}, max(step, 1)
    if sgd:
        hyper["momentum"] = data.draw(st.sampled_from([0.9, 0.99, 1.0]), label="momentum")
    state = numpy_ref.SGDState(step, zeros) if sgd else numpy_ref.AdamState(step, zeros, zeros, zeros)
    return Call(op, (params, grads, state), {"lr": lr, **hyper, **({} if sgd else {"eps": 1e-8})}, dtype=dtype)


@pytest.mark.ops("weight_decay_step", "sgd_step", "adam_step", "adamw_step")
@pytest.mark.dtypes("float32")
@given(data=st.data())
def test_factors_near_cancellation_match_reference(backend: Backend, op: str, dtype: str, data: st.DataObject) -> None:
    """``1 − lr·λ``, ``1 − τ`` and ``1 − β`` are formed in Python floats and rounded once (the protocol). With
    ``x`` just below 1 and the factor alone in its term, one formed on the device from a rounded ``x`` is off
    by about ``u/(1 − x)`` relatively — hundreds to thousands of ULPs — where in a random draw the other terms
    hide it. In float32: float64 forms the factor as Python does, and a 16-bit result rounds most of it away."""
    near_one = data.draw(st.sampled_from(CANCELLING), label="x")
    call = _cancelling(data, op, dtype, near_one)
    call = call if backend.subnormals else call.without_tiny()
    want = call.on_reference()
    bound = scale(op, call.args, call.kwargs, want)
    note = f"each factor 1 − x is formed in Python floats and rounded once; here x = {near_one!r}"
    assert_match(call.on(backend), want, backend=backend, call=call, tol=tolerance(op, dtype), scale=bound, note=note)
