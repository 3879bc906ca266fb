"""Planted bug: decoupled weight decay shrinks by ``1 − λ`` instead of ``1 − lr·λ`` (weight_decay_step, AdamW)."""

import functools
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref import *  # noqa: F403
from numpy_ref.dtypes import compute_dtype
from numpy_ref.tree import flatten, resolve_decay_mask, tree_map, unflatten
from numpy_ref.validation import check_nonnegative


def _shrink(params: Any, lam: float, decay_mask: Any) -> Any:
    leaves, td = flatten(params)
    flags = resolve_decay_mask(params, decay_mask)
    shrunk = [w.astype(compute_dtype(w.dtype)) * (1.0 - lam) if on else w for w, on in zip(leaves, flags)]  # the bug
    return unflatten(td, [np.asarray(s, dtype=w.dtype) for s, w in zip(shrunk, leaves)])


def weight_decay_step(w: Any, grad: Any, lr: float, weight_decay: float) -> Any:
    lam = check_nonnegative("weight_decay", weight_decay)
    return numpy_ref.weight_decay_step(_shrink(tree_map(np.asarray, w), lam, None), grad, lr, 0.0)


@functools.wraps(numpy_ref.adamw_step)
def adamw_step(params: Any, grads: Any, state: Any, *, weight_decay: float = 0.01, **hyper: Any) -> Any:
    lam = check_nonnegative("weight_decay", weight_decay)
    return numpy_ref.adamw_step(_shrink(params, lam, hyper.get("decay_mask")), grads, state, weight_decay=0.0, **hyper)
