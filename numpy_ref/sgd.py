r"""SGD with momentum, dampening, Nesterov, and coupled or decoupled weight decay (C2, C3, C4, C6).

Per leaf, with ``g`` the gradient, ``b`` the momentum buffer and ``t`` the 1-based step:

.. math::

    d &= \pm g \;(+\, \lambda w \text{ if coupled}) \\
    b_t &= d \text{ if } t = 1 \text{ else } \mu\, b_{t-1} + (1 - \tau)\, d \\
    w &\leftarrow w\,(1 - \eta\lambda \text{ if decoupled}) - \eta\,(d + \mu b_t \text{ if nesterov else } b_t)

**Convention** (torch.optim.SGD): the first step *copies* ``d`` into the buffer — dampening is not
applied then; lr multiplies the whole direction (it is outside the velocity; keras keeps it inside:
``m = μm − lr·g``, which differs once lr changes); ``maximize`` negates the gradient before the
decay is added; ``momentum = 0`` uses ``d`` directly (the buffer stays zero). Nesterov needs
``μ > 0`` and ``τ = 0``. With ``momentum = 0`` and ``decoupled=True`` one step is exactly
:func:`numpy_ref.weight_decay.weight_decay_step`.

References: Sutskever et al., ICML 2013 (momentum, Nesterov); torch.optim.SGD documentation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .dtypes import compute_dtype, matching_float_leaves
from .tree import PyTree, resolve_decay_mask, unflatten
from .validation import check_sgd_hyperparameters
from .weight_decay import add_l2_grad, shrink_weights

__all__ = ["SGDState", "sgd_init", "sgd_step"]


class SGDState(NamedTuple):
    """``step``: steps taken (int scalar); ``momentum``: the buffer ``b``, shaped like the params."""

    step: object
    momentum: PyTree


def sgd_init(params: PyTree) -> SGDState:
    """Step 0 and a zero buffer per leaf, in each leaf's dtype.

    >>> sgd_init({"w": np.ones(2, np.float32)})
    SGDState(step=array(0), momentum={'w': array([0., 0.], dtype=float32)})
    """
    (leaves,), td = matching_float_leaves({"params": params})
    return SGDState(np.array(0, np.int64), unflatten(td, [np.zeros_like(w) for w in leaves]))


def check_state(state: object, cls: type) -> np.ndarray:
    """``state.step`` after checking that ``state`` is a ``cls`` with a non-negative integer step."""
    if not isinstance(state, cls):
        raise TypeError(f"state must be a {cls.__name__}, got {type(state).__name__}")
    step = np.asarray(state.step)  # type: ignore[attr-defined]
    if step.shape != () or step.dtype.kind not in "iu" or step < 0:
        raise ValueError(f"state.step must be a non-negative integer scalar, got {state.step!r}")  # type: ignore[attr-defined]
    return step


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # IEEE results (inf, NaN) are the contract
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
    """One SGD step; returns new params and state and writes into nothing.

    Worked by hand (lr = 0.1, μ = 0.9, τ = 0.5, λ = 0 and g = 1 twice, w₀ = 0):
    step 1 sets ``b = 1`` (no dampening) so ``w = −0.1``; step 2 gives ``b = 0.9·1 + 0.5·1 = 1.4``
    and ``w = −0.1 − 0.14 = −0.24``.

    >>> w, s = sgd_step(np.zeros(1), np.ones(1), sgd_init(np.zeros(1)), lr=0.1, momentum=0.9, dampening=0.5)
    >>> sgd_step(w, np.ones(1), s, lr=0.1, momentum=0.9, dampening=0.5)[0]
    array([-0.24])
    """
    lr, mu, tau, lam = check_sgd_hyperparameters(lr, momentum, dampening, weight_decay, nesterov)
    step = check_state(state, SGDState)
    (ws, gs, bs), td = matching_float_leaves({"params": params, "grads": grads, "state.momentum": state.momentum})
    decayed = resolve_decay_mask(params, decay_mask)
    new_ws, new_bs = [], []
    for w, g, b, decay in zip(ws, gs, bs, decayed):
        ct = compute_dtype(w.dtype)
        w_c, d = w.astype(ct), (-g if maximize else g).astype(ct)
        if decay and not decoupled:
            d = add_l2_grad(d, w_c, lam)
        if decay and decoupled:
            w_c = shrink_weights(w_c, lr, lam)
        b_c = b.astype(ct)
        if mu != 0.0:
            b_c = d if step == 0 else ct.type(mu) * b_c + ct.type(1.0 - tau) * d
            d = d + ct.type(mu) * b_c if nesterov else b_c
        new_ws.append(np.asarray((w_c - ct.type(lr) * d).astype(w.dtype)))
        new_bs.append(np.array(b_c, dtype=w.dtype))
    new_state = SGDState(step + 1, unflatten(td, new_bs))
    return unflatten(td, new_ws), new_state
