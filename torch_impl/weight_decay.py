"""torch port of :mod:`numpy_ref.weight_decay`: the chapter's rule and the two places decay can enter (C2, C3).

Each scalar is a Python float that torch rounds once to the tensor's dtype, as the reference's
``dtype.type(...)`` does; products and sums are separate ops (no ``alpha=``/``addcmul``, whose fused
multiply-add rounds once where the reference rounds twice).
"""

from __future__ import annotations

import torch

from numpy_ref.tree import PyTree, unflatten
from numpy_ref.validation import check_nonnegative

from .dtypes import compute_dtype, matching_float_leaves

__all__ = ["add_l2_grad", "shrink_weights", "weight_decay_step"]


def add_l2_grad(d: torch.Tensor, w: torch.Tensor, weight_decay: float) -> torch.Tensor:
    """See :func:`numpy_ref.weight_decay.add_l2_grad`: ``d + λ·w`` (coupled, C2); ``d`` itself if λ = 0."""
    if weight_decay == 0.0:
        return d  # skipping keeps 0·inf from turning an infinite weight's gradient into NaN
    return d + w * weight_decay


def shrink_weights(w: torch.Tensor, lr: float, weight_decay: float) -> torch.Tensor:
    """See :func:`numpy_ref.weight_decay.shrink_weights`: ``w · (1 − lr·λ)`` (decoupled, C3)."""
    return w * (1.0 - lr * weight_decay)


def weight_decay_step(w: PyTree, grad: PyTree, lr: float, weight_decay: float) -> PyTree:
    """See :func:`numpy_ref.weight_decay.weight_decay_step`."""
    lr = check_nonnegative("lr", lr)
    lam = check_nonnegative("weight_decay", weight_decay)
    (ws, gs), td = matching_float_leaves({"w": w, "grad": grad})
    out = []
    for w_i, g_i in zip(ws, gs):
        ct = compute_dtype(w_i.dtype)
        new_w = shrink_weights(w_i.to(ct), lr, lam) - g_i.to(ct) * lr
        out.append(new_w.to(w_i.dtype))
    return unflatten(td, out)
