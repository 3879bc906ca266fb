"""SGD in JAX: :mod:`numpy_ref.sgd` with momentum, dampening, Nesterov and either decay (C2–C4, C6).

**Port.** One jitted kernel updates every leaf. Static: ``nesterov``, ``decoupled``, ``maximize``, the
per-leaf decay mask (each picks which formula a leaf runs) and whether momentum is off, on or traced
(decided, like the reference's ``if``, on the exact value: a concrete ``momentum = 0`` neither reads nor
rewrites the buffer, and the state keeps the same arrays, which is safe since JAX arrays are immutable;
a traced one selects at run time). Traced: the arrays, ``state.step`` (the
first-step test is a select) and the hyperparameters, so a learning-rate schedule does not recompile.
Derived scalars (``1 − τ``, ``1 − lr·λ``) are formed on the host in Python floats when concrete, as in
the reference; traced hyperparameters skip validation and their derived scalars are computed on the
device. ``state.step`` is checked like every other concrete value; reading a concrete device step
waits for it to be computed, which jitting the caller avoids.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from numpy_ref.sgd import SGDState
from numpy_ref.sgd import check_state as reference_check_state
from numpy_ref.tree import PyTree, resolve_decay_mask, unflatten
from numpy_ref.validation import check_finite, check_nesterov, check_nonnegative

from .dtypes import compute_dtype, matching_float_leaves, opaque_zero, rounded, spec
from .validation import checked, is_traced, zero_or_not
from .weight_decay import add_l2_grad, decay_factor, shrink_weights

__all__ = ["SGDState", "check_state", "sgd_init", "sgd_step"]


def sgd_init(params: PyTree) -> SGDState:
    """:func:`numpy_ref.sgd_init`: step 0 (JAX's default integer) and zero buffers."""
    (leaves,), td = matching_float_leaves({"params": params})
    return SGDState(jnp.asarray(0), unflatten(td, [jnp.zeros_like(w) for w in leaves]))


def check_state(state: Any, cls: type) -> jax.Array:
    """:func:`numpy_ref.sgd.check_state`, on the step's value when concrete, its shape and dtype if traced."""
    if isinstance(state, cls):
        step = state.step  # type: ignore[attr-defined]
        reference_check_state(state._replace(step=spec(step) if is_traced(step) else np.asarray(step)), cls)  # type: ignore[attr-defined]
        return jnp.asarray(step)
    return reference_check_state(state, cls)


@partial(jax.jit, static_argnames=("decay", "nesterov", "decoupled", "maximize", "momentum", "l2"))
def _sgd(ws, gs, bs, step, h, *, decay, nesterov, decoupled, maximize, momentum, l2):  # type: ignore[no-untyped-def]
    zero, new_ws, new_bs = opaque_zero(step), [], []
    first = step < 1  # step == 0 for every valid step; a form that leaves `zero` undecided (see opaque_zero)
    for w, g, b, on in zip(ws, gs, bs, decay):
        ct = compute_dtype(w.dtype)

        def times(name: str, x: jax.Array, ct: Any = ct) -> jax.Array:
            return rounded(jnp.asarray(h[name], ct) * x, zero)

        w_c, d = w.astype(ct), (-g if maximize else g).astype(ct)
        if on and not decoupled:
            d = add_l2_grad(d, w_c, h["weight_decay"], zero, l2)
        if on and decoupled:
            w_c = shrink_weights(w_c, h["shrink"], zero)
        if momentum != "off":
            b_c = b.astype(ct)
            b_new = jnp.where(first, d, times("momentum", b_c) + times("one_minus_dampening", d))
            d_new = d + times("momentum", b_new) if nesterov else b_new
            if momentum == "traced":  # it may be 0: then, as in the reference, d is used as is and b stays
                off = jnp.asarray(h["momentum"]) == 0
                b_new, d_new = jnp.where(off, b_c, b_new), jnp.where(off, d, d_new)
            d = d_new
            new_bs.append(b_new.astype(w.dtype))
        new_ws.append((w_c - times("lr", d)).astype(w.dtype))
    return new_ws, new_bs, step + 1


def sgd_step(
    params: PyTree,
    grads: PyTree,
    state: SGDState,
    *,
    lr: Any,
    momentum: Any = 0.0,
    dampening: Any = 0.0,
    nesterov: bool = False,
    weight_decay: Any = 0.0,
    decoupled: bool = False,
    maximize: bool = False,
    decay_mask: object = None,
) -> tuple[PyTree, SGDState]:
    """:func:`numpy_ref.sgd_step`: one SGD step, returning new params and state."""
    lr = checked(check_nonnegative, "lr", lr)
    mu = checked(check_nonnegative, "momentum", momentum)
    tau = checked(check_finite, "dampening", dampening)
    lam = checked(check_nonnegative, "weight_decay", weight_decay)
    if not (is_traced(mu) or is_traced(tau)):
        check_nesterov(nesterov, mu, tau)
    step = check_state(state, SGDState)
    (ws, gs, bs), td = matching_float_leaves({"params": params, "grads": grads, "state.momentum": state.momentum})
    decay = tuple(resolve_decay_mask(params, decay_mask))
    h = {
        "lr": lr,
        "momentum": mu,
        "one_minus_dampening": 1.0 - tau,
        "weight_decay": lam,
        "shrink": decay_factor(lr, lam),
    }
    flags = {"nesterov": bool(nesterov), "decoupled": bool(decoupled), "maximize": bool(maximize)}
    momentum, l2 = zero_or_not(mu), zero_or_not(lam)
    new_ws, new_bs, new_step = _sgd(ws, gs, bs, step, h, decay=decay, momentum=momentum, l2=l2, **flags)
    return unflatten(td, new_ws), SGDState(new_step, unflatten(td, new_bs if momentum != "off" else bs))
