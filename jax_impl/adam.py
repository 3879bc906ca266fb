"""Adam and AdamW in JAX: :mod:`numpy_ref.adam` with coupled or decoupled decay and AMSGrad (C2, C3, C5, C6).

**Port.** One jitted kernel updates every leaf; static and traced arguments as in :mod:`jax_impl.sgd`
(static: ``decoupled``, ``amsgrad``, ``maximize``, the decay mask; traced: arrays, step, lr, betas,
eps, weight_decay).

**Departure: bias corrections.** ``t`` is the traced ``state.step + 1``, so ``1 − β^t`` is computed on
the device, where the reference uses Python floats. With ``jax_enable_x64`` it is formed as the
reference forms it, ``1 − β**t`` in float64 (XLA's float64 ``pow`` matched Python's on every case
measured, so the corrections are the reference's). Without x64 only float32 exists, and ``β**t`` from
a float32 β would be off by about ``t · 2**-24`` relative (80 ulp at ``β = 0.999, t = 1000``) and
cancel at small ``t``; instead ``ln β`` is taken on the host in float64 and the correction is
``−expm1(t · ln β)``, within 6 ulp of the reference's (XLA's float32 ``expm1`` alone is 5 ulp).
Everything else is the reference's arithmetic in the reference's order (with products kept apart from
the sums they feed and true divisions, see :mod:`jax_impl.dtypes`), so on CPU the parameters deviate
only through ``m̂`` and ``v̂``, and only without x64; the measured worst cases are in
``tests/test_jax_optimizers.py``.

**Departure on GPU.** XLA lowers float32 division to PTX ``div.full`` (within 2 ulp, not correctly
rounded) and float32 ``sqrt`` to an approximation, so float32 Adam steps on a GPU differ from the
reference by a few ulp even with x64 (measured on an H200, jax 0.11.2: 2 ulp in ``w``).
``XLA_FLAGS=--xla_backend_extra_options=-nvptx-prec-divf32=2`` restores IEEE division; no flag was
found for ``sqrt``. SGD, weight decay, dropout and the stream are bit-identical on GPU too.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from numpy_ref.adam import AdamState
from numpy_ref.tree import PyTree, resolve_decay_mask, unflatten
from numpy_ref.validation import check_nonnegative

from .dtypes import compute_dtype, divide, matching_float_leaves, opaque_zero, rounded, widest_float
from .sgd import check_state
from .validation import checked, checked_betas, log, zero_or_not
from .weight_decay import add_l2_grad, decay_factor, shrink_weights

__all__ = ["AdamState", "adam_init", "adam_step", "adamw_step"]


def adam_init(params: PyTree) -> AdamState:
    """:func:`numpy_ref.adam_init`: step 0 (JAX's default integer) and zero moments."""
    (leaves,), td = matching_float_leaves({"params": params})
    zeros = [unflatten(td, [jnp.zeros_like(w) for w in leaves]) for _ in range(3)]
    return AdamState(jnp.asarray(0), *zeros)


def _bias_correction(t: jax.Array, beta: Any, log_beta: Any) -> jax.Array:
    """``1 − β^t`` in the widest float: as the reference forms it with x64, else ``−expm1(t · ln β)``."""
    wt = widest_float()
    if wt == np.float64:
        return 1.0 - jnp.power(jnp.asarray(beta, wt), t.astype(wt))
    return -jnp.expm1(t.astype(wt) * jnp.asarray(log_beta, wt))


@partial(jax.jit, static_argnames=("decay", "decoupled", "amsgrad", "maximize", "l2"))
def _adam(ws, gs, ms, vs, vmaxs, step, h, *, decay, decoupled, amsgrad, maximize, l2):  # type: ignore[no-untyped-def]
    correction1 = _bias_correction(step + 1, h["beta1"], h["log_beta1"])
    correction2 = _bias_correction(step + 1, h["beta2"], h["log_beta2"])
    zero, out = opaque_zero(step), [[], [], [], []]
    for w, g, m, v, v_max, on in zip(ws, gs, ms, vs, vmaxs, decay):
        ct = compute_dtype(w.dtype)

        def times(name: str, x: jax.Array, ct: Any = ct) -> jax.Array:
            return rounded(jnp.asarray(h[name], ct) * x, zero)

        w_c, d = w.astype(ct), (-g if maximize else g).astype(ct)
        if on and not decoupled:
            d = add_l2_grad(d, w_c, h["weight_decay"], zero, l2)
        if on and decoupled:
            w_c = shrink_weights(w_c, h["shrink"], zero)
        m_c = times("beta1", m.astype(ct)) + times("one_minus_beta1", d)
        v_c = times("beta2", v.astype(ct)) + times("one_minus_beta2", d * d)
        v_max_c = jnp.maximum(v_max.astype(ct), v_c)
        m_hat = divide(m_c, correction1.astype(ct))
        v_hat = divide(v_max_c if amsgrad else v_c, correction2.astype(ct))
        w_c = w_c - jnp.asarray(h["lr"], ct) * m_hat / (jnp.sqrt(v_hat) + jnp.asarray(h["eps"], ct))
        for slot, value in zip(out, (w_c, m_c, v_c, v_max_c) if amsgrad else (w_c, m_c, v_c)):
            slot.append(value.astype(w.dtype))
    return (*out, step + 1)


def adam_step(
    params: PyTree,
    grads: PyTree,
    state: AdamState,
    *,
    lr: Any = 1e-3,
    betas: tuple[Any, Any] = (0.9, 0.999),
    eps: Any = 1e-8,
    weight_decay: Any = 0.0,
    decoupled: bool = False,
    amsgrad: bool = False,
    maximize: bool = False,
    decay_mask: object = None,
) -> tuple[PyTree, AdamState]:
    """:func:`numpy_ref.adam_step`: one Adam step (coupled L2 unless ``decoupled``)."""
    lr = checked(check_nonnegative, "lr", lr)
    beta1, beta2 = checked_betas(betas)
    eps = checked(check_nonnegative, "eps", eps)
    lam = checked(check_nonnegative, "weight_decay", weight_decay)
    step = check_state(state, AdamState)
    (ws, gs, ms, vs, vmaxs), td = matching_float_leaves(
        {"params": params, "grads": grads, "state.m": state.m, "state.v": state.v, "state.v_max": state.v_max}
    )
    decay = tuple(resolve_decay_mask(params, decay_mask))
    h = {
        "lr": lr,
        "beta1": beta1,
        "beta2": beta2,
        "one_minus_beta1": 1.0 - beta1,
        "one_minus_beta2": 1.0 - beta2,
        "log_beta1": log(beta1),
        "log_beta2": log(beta2),
        "eps": eps,
        "weight_decay": lam,
        "shrink": decay_factor(lr, lam),
    }
    flags = {"decoupled": bool(decoupled), "amsgrad": bool(amsgrad), "maximize": bool(maximize)}
    l2 = zero_or_not(lam)
    new_ws, new_ms, new_vs, new_vmaxs, new_step = _adam(ws, gs, ms, vs, vmaxs, step, h, decay=decay, l2=l2, **flags)
    kept = new_vmaxs if amsgrad else vmaxs  # without AMSGrad v_max is not rewritten: the same (immutable) arrays
    new_state = AdamState(new_step, *(unflatten(td, leaves) for leaves in (new_ms, new_vs, kept)))
    return unflatten(td, new_ws), new_state


def adamw_step(
    params: PyTree,
    grads: PyTree,
    state: AdamState,
    *,
    lr: Any = 1e-3,
    betas: tuple[Any, Any] = (0.9, 0.999),
    eps: Any = 1e-8,
    weight_decay: Any = 0.01,
    amsgrad: bool = False,
    maximize: bool = False,
    decay_mask: object = None,
) -> tuple[PyTree, AdamState]:
    """:func:`numpy_ref.adamw_step`: :func:`adam_step` with ``decoupled=True`` and ``weight_decay = 0.01``."""
    return adam_step(
        params,
        grads,
        state,
        lr=lr,
        betas=betas,
        eps=eps,
        weight_decay=weight_decay,
        decoupled=True,
        amsgrad=amsgrad,
        maximize=maximize,
        decay_mask=decay_mask,
    )
