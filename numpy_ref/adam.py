r"""Adam with coupled L2 (``adam_step``) or decoupled decay (``adamw_step``), and AMSGrad (C2, C3, C5, C6).

Per leaf, with ``t`` the 1-based step and ``d`` the (possibly negated) gradient:

.. math::

    d &= \pm g \;(+\, \lambda w \text{ if coupled}), \qquad
    w \leftarrow w\,(1 - \eta\lambda) \text{ if decoupled} \\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, d, \qquad v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, d^2 \\
    \hat m &= m_t / (1 - \beta_1^t), \qquad \hat v = v_t / (1 - \beta_2^t) \\
    w &\leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \varepsilon)

**Why Adam+L2 is not AdamW.** Coupled, ``λw`` enters ``m`` and ``v``: the decay is divided by
``√v̂`` and so is weaker for weights with large gradients. Decoupled, the weights shrink by
``1 − ηλ`` whatever the gradients; the only difference between the two functions below is where the
shared decay piece of :mod:`numpy_ref.weight_decay` sits.

**Convention** (torch.optim.Adam / AdamW): ε is added *after* the square root and the bias
correction (keras folds the correction into the step size and adds ε to ``√v``); AMSGrad keeps the
running maximum of ``v`` (not of ``v̂``) and bias-corrects that; ``adamw_step`` defaults to
``weight_decay = 0.01`` as torch's AdamW does (optax's ``adamw`` defaults to 1e-4). The bias
corrections ``1 − β^t`` are computed in Python floats and rounded once to the computation dtype.

References: Kingma & Ba, ICLR 2015; Reddi et al., ICLR 2018 (AMSGrad); Loshchilov & Hutter, ICLR 2019.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .dtypes import compute_dtype, matching_float_leaves
from .sgd import check_state
from .tree import PyTree, resolve_decay_mask, unflatten
from .validation import check_adam_hyperparameters
from .weight_decay import add_l2_grad, shrink_weights

__all__ = ["AdamState", "adam_init", "adam_step", "adamw_step"]


class AdamState(NamedTuple):
    """``step`` (int scalar), the moments ``m`` and ``v``, and AMSGrad's running maximum ``v_max``."""

    step: object
    m: PyTree
    v: PyTree
    v_max: PyTree


def adam_init(params: PyTree) -> AdamState:
    """Step 0 and zero moments, each in its leaf's dtype."""
    (leaves,), td = matching_float_leaves({"params": params})
    zeros = [unflatten(td, [np.zeros_like(w) for w in leaves]) for _ in range(3)]
    return AdamState(np.array(0, np.int64), *zeros)


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # IEEE results (inf, NaN) are the contract
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
    """One Adam step (coupled L2 unless ``decoupled``); returns new params and state.

    Worked by hand (lr = 0.1, first step, g = 2, λ = 0): ``m = 0.1·2 = 0.2``, ``v = 0.001·4 = 0.004``,
    ``m̂ = 0.2/0.1 = 2``, ``v̂ = 0.004/0.001 = 4``, so ``w ← w − 0.1·2/(2 + 1e-8) ≈ w − 0.1``: the
    first step moves every weight by about lr, whatever the gradient's scale.

    >>> adam_step(np.zeros(1), np.full(1, 2.0), adam_init(np.zeros(1)), lr=0.1)[0].round(6)
    array([-0.1])
    """
    lr, (beta1, beta2), eps, lam = check_adam_hyperparameters(lr, betas, eps, weight_decay)
    step = check_state(state, AdamState)
    (ws, gs, ms, vs, vmaxs), td = matching_float_leaves(
        {"params": params, "grads": grads, "state.m": state.m, "state.v": state.v, "state.v_max": state.v_max}
    )
    t = int(step) + 1
    correction1, correction2 = 1.0 - beta1**t, 1.0 - beta2**t
    decayed = resolve_decay_mask(params, decay_mask)
    out: list[list[np.ndarray]] = [[], [], [], []]
    for w, g, m, v, v_max, decay in zip(ws, gs, ms, vs, vmaxs, decayed):
        ct = compute_dtype(w.dtype)
        c = ct.type
        w_c, d = w.astype(ct), (-g if maximize else g).astype(ct)
        if decay and not decoupled:
            d = add_l2_grad(d, w_c, lam)
        if decay and decoupled:
            w_c = shrink_weights(w_c, lr, lam)
        m_c = c(beta1) * m.astype(ct) + c(1.0 - beta1) * d
        v_c = c(beta2) * v.astype(ct) + c(1.0 - beta2) * (d * d)
        v_max_c = np.maximum(v_max.astype(ct), v_c) if amsgrad else v_max.astype(ct)
        m_hat = m_c / c(correction1)
        v_hat = (v_max_c if amsgrad else v_c) / c(correction2)
        w_c = w_c - c(lr) * m_hat / (np.sqrt(v_hat) + c(eps))
        for slot, value in zip(out, (w_c, m_c, v_c, v_max_c)):
            slot.append(np.array(value, dtype=w.dtype))
    new_ws, new_ms, new_vs, new_vmaxs = (unflatten(td, slot) for slot in out)
    return new_ws, AdamState(step + 1, new_ms, new_vs, new_vmaxs)


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
    """AdamW: :func:`adam_step` with ``decoupled=True`` and torch's default ``weight_decay = 0.01``."""
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
