"""torch port of :mod:`numpy_ref.sgd` (C2, C3, C4, C6); the state is :class:`numpy_ref.SGDState`.

``state.step`` is a 0-d int64 CPU tensor (read on the host without a device sync); buffers are
tensors in their parameter's dtype and on its device.
"""

from __future__ import annotations

import torch

from numpy_ref.sgd import SGDState
from numpy_ref.sgd import check_state as _check_state_array
from numpy_ref.tree import PyTree, resolve_decay_mask, unflatten
from numpy_ref.validation import check_sgd_hyperparameters

from . import kernels
from .dtypes import compute_dtype, matching_float_leaves, owned
from .weight_decay import add_l2_grad, shrink_weights

__all__ = ["SGDState", "check_state", "sgd_init", "sgd_step"]


def sgd_init(params: PyTree) -> SGDState:
    """See :func:`numpy_ref.sgd.sgd_init`."""
    (leaves,), td = matching_float_leaves({"params": params})
    return SGDState(torch.tensor(0), unflatten(td, [torch.zeros_like(w) for w in leaves]))


def check_state(state: object, cls: type) -> int:
    """The reference's checks on ``state`` (a ``cls`` with a non-negative integer step); the step."""
    if isinstance(state, cls) and isinstance(state.step, torch.Tensor):  # type: ignore[attr-defined]
        step = state.step  # type: ignore[attr-defined]
        if step.dtype == torch.int64 and step.dim() == 0 and (value := int(step)) >= 0:
            return value  # what the checks pass (the steps this port makes), without NumPy (~6 µs)
        state = state._replace(step=step.cpu().numpy())  # type: ignore[attr-defined]
    return int(_check_state_array(state, cls))


def sgd_step(
    params: PyTree,
    grads: PyTree,
    state: SGDState,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    decoupled: bool = False,
    maximize: bool = False,
    decay_mask: object = None,
) -> tuple[PyTree, SGDState]:
    """See :func:`numpy_ref.sgd.sgd_step`; on the CPU by a C kernel (:func:`torch_impl.kernels.functional_step`)."""
    lr, mu, tau, lam = check_sgd_hyperparameters(lr, momentum, dampening, weight_decay, nesterov)
    step = check_state(state, SGDState)
    (ws, gs, bs), td = matching_float_leaves({"params": params, "grads": grads, "state.momentum": state.momentum})
    decayed = resolve_decay_mask(params, decay_mask)
    hyper = dict(
        lr=lr, momentum=mu, dampening=tau, nesterov=nesterov, weight_decay=lam, decoupled=decoupled, maximize=maximize
    )
    new = kernels.functional_step("sgd", [ws, gs, bs], decayed, step, **hyper)
    if new is None:
        new = _sgd_leaves(ws, gs, bs, decayed, step, **hyper)
    new_ws, new_bs = (unflatten(td, slot) for slot in new)
    return new_ws, SGDState(torch.tensor(step + 1), new_bs)


def _sgd_leaves(
    ws: list[torch.Tensor],
    gs: list[torch.Tensor],
    bs: list[torch.Tensor],
    decayed: list[bool],
    step: int,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    decoupled: bool,
    maximize: bool,
) -> list[list[torch.Tensor]]:
    """The step in tensor ops, leaf by leaf: any device, and differentiable. The new params and buffers."""
    new_ws, new_bs = [], []
    for w, g, b, decay in zip(ws, gs, bs, decayed):
        ct = compute_dtype(w.dtype)
        w_c, d = w.to(ct), (-g if maximize else g).to(ct)
        if decay and not decoupled:
            d = add_l2_grad(d, w_c, weight_decay)
        if decay and decoupled:
            w_c = shrink_weights(w_c, lr, weight_decay)
        b_c = b.to(ct)
        if momentum != 0.0:
            b_c = d if step == 0 else b_c * momentum + d * (1.0 - dampening)
            d = d + b_c * momentum if nesterov else b_c
        new_ws.append((w_c - d * lr).to(w.dtype))
        new_bs.append(owned(b_c, w.dtype, b, g))
    return [new_ws, new_bs]
