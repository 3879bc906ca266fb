"""Weight decay in JAX: :mod:`numpy_ref.weight_decay`'s rule and its two shared decay pieces (C2, C3).

**Port.** The decoupled factor ``1 − lr·λ`` is formed by :func:`decay_factor` before entering a
kernel — on the host in Python floats when ``lr`` and ``λ`` are concrete, so it is rounded once to the
computation dtype as in the reference — and the kernels take it as a traced scalar: a new ``lr`` or
``λ`` does not recompile. Whether ``λ`` is 0 is decided statically on its exact value, as the
reference's ``if`` is (only a traced ``λ`` is tested on the device), which keeps ``0 · inf`` out of an
infinite weight's gradient.
Products that feed an addition go through :func:`jax_impl.dtypes.rounded` (XLA would fuse them), so
the helpers take the kernel's opaque ``zero``; :func:`weight_decay_step`, having no step, takes it
from ``lr``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from numpy_ref.tree import PyTree, unflatten
from numpy_ref.validation import check_nonnegative

from .dtypes import compute_dtype, matching_float_leaves, opaque_zero, rounded
from .validation import checked

__all__ = ["add_l2_grad", "decay_factor", "shrink_weights", "weight_decay_step"]


def add_l2_grad(d: jax.Array, w: jax.Array, weight_decay: Any, zero: jax.Array, mode: str) -> jax.Array:
    """Coupled decay (C2): ``d + λ·w``, and ``d`` itself where ``λ = 0`` (``mode`` from :func:`zero_or_not`)."""
    if mode == "off":
        return d
    lam = jnp.asarray(weight_decay, d.dtype)
    decayed = d + rounded(lam * w, zero)
    return jnp.where(lam == 0, d, decayed) if mode == "traced" else decayed


def decay_factor(lr: Any, weight_decay: Any) -> Any:
    """``1 − lr·λ``: a Python float for concrete arguments, an array for traced ones."""
    return 1.0 - lr * weight_decay


def shrink_weights(w: jax.Array, factor: Any, zero: jax.Array) -> jax.Array:
    """Decoupled decay (C3): ``w · (1 − lr·λ)``, with the factor from :func:`decay_factor`."""
    return rounded(w * jnp.asarray(factor, w.dtype), zero)


@jax.jit
def _weight_decay_step(ws: list[jax.Array], gs: list[jax.Array], lr: Any, factor: Any) -> list[jax.Array]:
    zero, out = opaque_zero(jnp.asarray(lr)), []
    for w, g in zip(ws, gs):
        ct = compute_dtype(w.dtype)
        step = rounded(jnp.asarray(lr, ct) * g.astype(ct), zero)
        out.append((shrink_weights(w.astype(ct), factor, zero) - step).astype(w.dtype))
    return out


def weight_decay_step(w: PyTree, grad: PyTree, lr: Any, weight_decay: Any) -> PyTree:
    """:func:`numpy_ref.weight_decay_step`: ``(1 − lr·λ)·w − lr·grad``."""
    lr = checked(check_nonnegative, "lr", lr)
    lam = checked(check_nonnegative, "weight_decay", weight_decay)
    (ws, gs), td = matching_float_leaves({"w": w, "grad": grad})
    return unflatten(td, _weight_decay_step(ws, gs, lr, decay_factor(lr, lam)))
