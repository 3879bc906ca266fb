"""torch port of :mod:`numpy_ref.l2` (C1, C6).

**Departure.** :func:`l2_penalty` returns a 0-d float64 *tensor* on the parameters' device (the first
leaf's; CPU when there is none), not a NumPy float: it is meant to be added to a loss and
differentiated. ``float(...)`` gives the number. It is accumulated in float64 like the reference, but
torch (or, on CUDA, the fused kernel of :mod:`torch_impl.kernels.l2`, which reads each weight once
instead of making a float64 copy) sums in its own order, so the result may differ from NumPy's
pairwise sum in the last bits.
"""

from __future__ import annotations

import torch

from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten
from numpy_ref.validation import check_nonnegative

from . import kernels
from .dtypes import as_float_tensor, compute_dtype

__all__ = ["l2_penalty", "l2_penalty_grad"]


def _float_leaves(params: PyTree) -> tuple[list[torch.Tensor], object]:
    leaves, td = flatten(params)
    return [as_float_tensor(f"params leaf {i}", w) for i, w in enumerate(leaves)], td


def l2_penalty(params: PyTree, weight_decay: float, *, decay_mask: object = None) -> torch.Tensor:
    """See :func:`numpy_ref.l2.l2_penalty`; a differentiable 0-d float64 tensor."""
    lam = check_nonnegative("weight_decay", weight_decay)
    leaves, _ = _float_leaves(params)
    decayed = resolve_decay_mask(params, decay_mask)
    device = leaves[0].device if leaves else torch.device("cpu")
    decayed_leaves = [w for w, on in zip(leaves, decayed) if on]
    if decayed_leaves and kernels.usable("l2", *decayed_leaves):
        return _SumSquares.apply(*decayed_leaves) * (0.5 * lam)
    sum_sq = torch.zeros((), dtype=torch.float64, device=device)
    for w in decayed_leaves:
        sum_sq = sum_sq + w.to(device=device, dtype=torch.float64).square().sum()
    return sum_sq * (0.5 * lam)


class _SumSquares(torch.autograd.Function):
    """``Σ w²`` over the leaves in float64 by the fused kernel (:mod:`torch_impl.kernels.l2`) where it applies.

    The backward is the eager path's autograd, ``(g · 2w₆₄)`` rounded to each leaf's dtype, bit for bit.
    """

    @staticmethod
    def forward(*leaves: torch.Tensor) -> torch.Tensor:
        fused = kernels.sum_squares(list(leaves))
        if fused is not None:
            return fused
        return sum(w.to(torch.float64).square().sum() for w in leaves)  # type: ignore[return-value]

    @staticmethod
    def setup_context(ctx: torch.autograd.function.FunctionCtx, inputs: tuple, output: torch.Tensor) -> None:
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, d_sum: torch.Tensor) -> tuple:
        return tuple((d_sum * (2.0 * w.to(torch.float64))).to(w.dtype) for w in ctx.saved_tensors)


def l2_penalty_grad(params: PyTree, weight_decay: float, *, decay_mask: object = None) -> PyTree:
    """See :func:`numpy_ref.l2.l2_penalty_grad`."""
    lam = check_nonnegative("weight_decay", weight_decay)
    leaves, td = _float_leaves(params)
    decayed = resolve_decay_mask(params, decay_mask)
    grads = []
    for w, on in zip(leaves, decayed):
        ct = compute_dtype(w.dtype)
        d_w = w.to(ct) * lam if on else torch.zeros(w.shape, dtype=ct, device=w.device)
        grads.append(d_w.to(w.dtype))
    return unflatten(td, grads)  # type: ignore[arg-type]
