r"""Weight decay: the chapter's update rule and the two places decay can enter an optimizer.

One SGD step of size ``η`` on ``loss(w) + λ/2·‖w‖²`` is

.. math::

    w \leftarrow w - \eta(\nabla\mathrm{loss} + \lambda w) = (1 - \eta\lambda)\, w - \eta\, \nabla\mathrm{loss}

— the weights shrink by the factor ``1 − ηλ`` before the gradient step; hence "weight decay".
For plain SGD the two readings are the same update; for anything that rescales the gradient
(momentum, Adam) they are not, and frameworks choose differently:

- **coupled** (:func:`add_l2_grad`, C2): ``λw`` joins the gradient *before* momentum or Adam's
  moments, so Adam divides it by ``√v̂`` too (torch ``SGD``/``Adam`` ``weight_decay``);
- **decoupled** (:func:`shrink_weights`, C3): ``w ← w·(1 − lr·λ)`` before the step, untouched by the
  moments (torch ``AdamW``, optax ``adamw``, keras everywhere; "SGDW" for SGD).

**Convention.** The decoupled factor is ``1 − lr·λ``: the decay is multiplied by the learning rate,
as torch, optax and keras do. Loshchilov & Hutter ("Decoupled Weight Decay Regularization", ICLR
2019, Alg. 2) multiply λ by the schedule multiplier ``η_t`` instead, not by the step size ``α``; to
follow the paper pass ``weight_decay = λ·η_t/lr``. Scalars (``1 − lr·λ``, ``λ``, ``lr``) are computed
in Python floats and rounded once to the computation dtype.
"""

from __future__ import annotations

import numpy as np

from .dtypes import compute_dtype, matching_float_leaves
from .tree import PyTree, unflatten
from .validation import check_nonnegative

__all__ = ["add_l2_grad", "shrink_weights", "weight_decay_step"]


def add_l2_grad(d: np.ndarray, w: np.ndarray, weight_decay: float) -> np.ndarray:
    """Coupled decay (C2): ``d + λ·w``, the gradient of ``loss + λ/2‖w‖²``; ``d`` unchanged if λ = 0."""
    if weight_decay == 0.0:
        return d  # skipping keeps 0·inf from turning an infinite weight's gradient into NaN
    return d + d.dtype.type(weight_decay) * w


def shrink_weights(w: np.ndarray, lr: float, weight_decay: float) -> np.ndarray:
    """Decoupled decay (C3): ``w · (1 − lr·λ)``."""
    return w * w.dtype.type(1.0 - lr * weight_decay)


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # IEEE results (inf, NaN) are the contract
def weight_decay_step(w: PyTree, grad: PyTree, lr: float, weight_decay: float) -> PyTree:
    """The chapter's rule ``(1 − lr·λ)·w − lr·grad``: one SGD step on ``loss + λ/2‖w‖²``.

    ``w`` and ``grad`` are arrays or pytrees of one structure, shape and dtype.

    >>> weight_decay_step(np.array([1.0, -2.0]), np.array([0.5, 0.5]), 0.1, 1.0)
    array([ 0.85, -1.85])
    """
    lr = check_nonnegative("lr", lr)
    lam = check_nonnegative("weight_decay", weight_decay)
    (ws, gs), td = matching_float_leaves({"w": w, "grad": grad})
    out = []
    for w_i, g_i in zip(ws, gs):
        ct = compute_dtype(w_i.dtype)
        new_w = shrink_weights(w_i.astype(ct), lr, lam) - ct.type(lr) * g_i.astype(ct)
        out.append(np.asarray(new_w.astype(w_i.dtype)))
    return unflatten(td, out)  # type: ignore[arg-type]
