r"""The L2 penalty ``λ/2 · Σ‖w‖²`` and its gradient ``λ·w`` (convention C1).

.. math::

    R(w) = \frac{\lambda}{2} \sum_{\ell \in \text{decayed}} \sum_i w_{\ell,i}^2,
    \qquad \frac{\partial R}{\partial w_{\ell,i}} = \lambda\, w_{\ell,i}

The ½ makes the gradient ``λw`` (d2l's ``l2_penalty``, torch's and optax's ``weight_decay``);
keras's ``regularizers.L2(l2)`` has no ½, so its gradient is ``2·l2·w``.

**Convention.** Leaves where ``decay_mask`` is False contribute nothing and get a zero gradient
(C6); biases are commonly spared with ``decay_mask=lambda w: w.ndim > 1``. The penalty is accumulated
in float64 whatever the parameters' dtype and returned as a NumPy float64; the gradient has each
leaf's dtype (``λ·w`` formed in the computation dtype, then rounded).
"""

from __future__ import annotations

import numpy as np

from .dtypes import as_float_array, compute_dtype
from .tree import PyTree, flatten, resolve_decay_mask, unflatten
from .validation import check_nonnegative

__all__ = ["l2_penalty", "l2_penalty_grad"]


def _float_leaves(params: PyTree) -> tuple[list[np.ndarray], object]:
    leaves, td = flatten(params)
    return [as_float_array(f"params leaf {i}", w) for i, w in enumerate(leaves)], td


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # IEEE results (inf, NaN) are the contract
def l2_penalty(params: PyTree, weight_decay: float, *, decay_mask: object = None) -> np.float64:
    """``λ/2 · Σ w²`` over the decayed leaves, accumulated in float64.

    >>> l2_penalty({"w": np.array([3.0, 4.0]), "b": np.array([1.0])}, 0.1, decay_mask=lambda w: w.size > 1)
    np.float64(1.25)
    """
    lam = check_nonnegative("weight_decay", weight_decay)
    leaves, _ = _float_leaves(params)
    decayed = resolve_decay_mask(params, decay_mask)
    sum_sq = sum((np.sum(np.square(w.astype(np.float64))) for w, on in zip(leaves, decayed) if on), np.float64(0.0))
    return np.float64(0.5 * lam * sum_sq)


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # IEEE results (inf, NaN) are the contract
def l2_penalty_grad(params: PyTree, weight_decay: float, *, decay_mask: object = None) -> PyTree:
    """``λ·w`` for each decayed leaf and zeros elsewhere, in a tree shaped like ``params``.

    >>> l2_penalty_grad([np.array([1.0, -2.0])], 0.5)
    [array([ 0.5, -1. ])]
    """
    lam = check_nonnegative("weight_decay", weight_decay)
    leaves, td = _float_leaves(params)
    decayed = resolve_decay_mask(params, decay_mask)
    grads = []
    for w, on in zip(leaves, decayed):
        ct = compute_dtype(w.dtype)
        d_w = ct.type(lam) * w.astype(ct) if on else np.zeros(w.shape, ct)
        grads.append(np.asarray(d_w.astype(w.dtype)))
    return unflatten(td, grads)  # type: ignore[arg-type]
