"""torch port of :mod:`numpy_ref.adam` (C2, C3, C5, C6); the state is :class:`numpy_ref.AdamState`.

**Departures**, both to round as the reference does:

- the bias corrections divide by a 0-d tensor on the leaf's device, not by a Python float: with a
  Python divisor, torch's CUDA kernel multiplies by the reciprocal instead;
- a float32 square root is taken in float64 and rounded: torch's CPU ``sqrt`` is not correctly rounded
  (torch 2.13, AVX512: 17% of float32 inputs and 1.3% of float64 inputs land one ULP off), and
  rounding a float64 square root to float32 is exact (53 ≥ 2·24 + 2 bits). float64 has no wider type,
  so float64 Adam on the CPU can differ from the reference by an ULP per step.
"""

from __future__ import annotations

import torch

from numpy_ref.adam import AdamState
from numpy_ref.tree import PyTree, resolve_decay_mask, unflatten
from numpy_ref.validation import check_adam_hyperparameters

from . import kernels
from .dtypes import compute_dtype, matching_float_leaves, owned
from .sgd import check_state
from .weight_decay import add_l2_grad, shrink_weights

__all__ = ["AdamState", "adam_init", "adam_step", "adamw_step"]


def adam_init(params: PyTree) -> AdamState:
    """See :func:`numpy_ref.adam.adam_init`."""
    (leaves,), td = matching_float_leaves({"params": params})
    zeros = [unflatten(td, [torch.zeros_like(w) for w in leaves]) for _ in range(3)]
    return AdamState(torch.tensor(0), *zeros)


def _divide(t: torch.Tensor, divisor: float) -> torch.Tensor:
    return t / torch.full((), divisor, dtype=t.dtype, device=t.device)


def _sqrt(t: torch.Tensor) -> torch.Tensor:
    return t.sqrt() if t.dtype == torch.float64 else t.double().sqrt().to(t.dtype)


def adam_step(
    params: PyTree,
    grads: PyTree,
    state: AdamState,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    decoupled: bool = False,
    amsgrad: bool = False,
    maximize: bool = False,
    decay_mask: object = None,
) -> tuple[PyTree, AdamState]:
    """See :func:`numpy_ref.adam.adam_step`; on the CPU by a C kernel (:func:`torch_impl.kernels.functional_step`)."""
    lr, betas, eps, lam = check_adam_hyperparameters(lr, betas, eps, weight_decay)
    step = check_state(state, AdamState)
    (ws, gs, ms, vs, vmaxs), td = matching_float_leaves(
        {"params": params, "grads": grads, "state.m": state.m, "state.v": state.v, "state.v_max": state.v_max}
    )
    decayed = resolve_decay_mask(params, decay_mask)
    hyper = dict(lr=lr, betas=betas, eps=eps, weight_decay=lam, decoupled=decoupled, amsgrad=amsgrad, maximize=maximize)
    new = kernels.functional_step("adam", [ws, gs, ms, vs, vmaxs], decayed, step, **hyper)
    if new is None:
        new = _adam_leaves(ws, gs, ms, vs, vmaxs, decayed, step, **hyper)
    new_ws, new_ms, new_vs, new_vmaxs = (unflatten(td, slot) for slot in new)
    return new_ws, AdamState(torch.tensor(step + 1), new_ms, new_vs, new_vmaxs)


def _adam_leaves(
    ws: list[torch.Tensor],
    gs: list[torch.Tensor],
    ms: list[torch.Tensor],
    vs: list[torch.Tensor],
    vmaxs: list[torch.Tensor],
    decayed: list[bool],
    step: int,
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    decoupled: bool,
    amsgrad: bool,
    maximize: bool,
) -> list[list[torch.Tensor]]:
    """The step in tensor ops, leaf by leaf: any device, and differentiable. The new params, m, v, v_max."""
    (beta1, beta2), t = betas, step + 1
    correction1, correction2 = 1.0 - beta1**t, 1.0 - beta2**t
    out: list[list[torch.Tensor]] = [[], [], [], []]
    for w, g, m, v, v_max, decay in zip(ws, gs, ms, vs, vmaxs, decayed):
        ct = compute_dtype(w.dtype)
        w_c, d = w.to(ct), (-g if maximize else g).to(ct)
        if decay and not decoupled:
            d = add_l2_grad(d, w_c, weight_decay)
        if decay and decoupled:
            w_c = shrink_weights(w_c, lr, weight_decay)
        m_c = m.to(ct) * beta1 + d * (1.0 - beta1)
        v_c = v.to(ct) * beta2 + (d * d) * (1.0 - beta2)
        v_max_c = torch.maximum(v_max.to(ct), v_c) if amsgrad else v_max.to(ct)
        m_hat = _divide(m_c, correction1)
        v_hat = _divide(v_max_c if amsgrad else v_c, correction2)
        w_c = w_c - m_hat * lr / (_sqrt(v_hat) + eps)
        for slot, value in zip(out, (w_c, m_c, v_c, v_max_c)):
            slot.append(owned(value, w.dtype, w, g, m, v, v_max))
    return out


def adamw_step(
    params: PyTree,
    grads: PyTree,
    state: AdamState,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
    amsgrad: bool = False,
    maximize: bool = False,
    decay_mask: object = None,
) -> tuple[PyTree, AdamState]:
    """See :func:`numpy_ref.adam.adamw_step`."""
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
