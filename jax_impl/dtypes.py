"""The reference's dtype rules (C11) for JAX arrays, checked on shapes and dtypes alone.

Each check runs on a *stand-in*: a zero-strided NumPy view with the leaf's shape and dtype
(:func:`spec`), so :mod:`numpy_ref.dtypes` applies its own checks and messages to device arrays and
tracers without moving any data to the host.

**Departures.** float64 exists in JAX only with ``jax_enable_x64``. Without it ``jnp.asarray`` would
silently narrow a float64 input to float32; here a float64 input raises TypeError instead. And XLA
flushes subnormals to zero (on CPU and GPU, in compiled code): a subnormal float32, bfloat16 or
float64 input reads as 0, and such a result comes out as 0 where the reference keeps it (float16's
subnormals are normal numbers in its float32 computation dtype and survive).

**Port: two roundings where the reference has two.** XLA contracts ``a·b + c`` into a fused
multiply-add on CPU and GPU — one rounding where NumPy has two, about a quarter of float32 results
one ulp off — and has no switch to stop it. :func:`rounded` stops it: the product's bits pass
through an XOR with a zero that the compiler cannot prove is zero (:func:`opaque_zero` of a traced
value, the optimizer's step), so the product must be rounded first.
It costs one integer op per element and no memory traffic. Should a caller's ``jit`` make that value
a compile-time constant, the XOR folds away and results may differ from the reference by an ulp.
Likewise XLA rewrites ``x / s`` for a scalar ``s`` as ``x · (1/s)`` (two roundings); :func:`divide`
gives the divisor a dependence on ``x`` that XLA cannot see through, and keeps the division.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from numpy_ref import dtypes as ref
from numpy_ref.dtypes import compute_dtype
from numpy_ref.tree import PyTree, TreeDef, flatten, tree_map

__all__ = [
    "as_float_array",
    "check_x64",
    "compute_dtype",
    "divide",
    "matching_float_leaves",
    "opaque_zero",
    "rounded",
    "spec",
    "widest_float",
]


def spec(x: Any) -> np.ndarray:
    """A read-only NumPy stand-in with ``x``'s shape and dtype (no data copied, tracers welcome)."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        return np.asarray(x)
    return np.broadcast_to(np.zeros((), x.dtype), x.shape)


def check_x64(name: str, dtype: np.dtype) -> None:
    """TypeError for a float64 ``name`` while JAX's 64-bit mode is off (it would be narrowed)."""
    if dtype == np.float64 and not jax.config.jax_enable_x64:
        raise TypeError(f"{name} is float64, which JAX supports only with jax_enable_x64 = True")


def widest_float() -> np.dtype:
    """float64 with ``jax_enable_x64``, else float32: the most precise dtype JAX computes in."""
    return np.dtype(np.float64) if jax.config.jax_enable_x64 else np.dtype(np.float32)


def as_float_array(name: str, x: Any) -> jax.Array:
    """``x`` as a JAX array of a contract dtype; the reference's TypeError otherwise."""
    ref.as_float_array(name, x if isinstance(x, (list, tuple, dict)) else spec(x))
    check_x64(name, np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype)
    return jnp.asarray(x)


def matching_float_leaves(named_trees: dict[str, PyTree]) -> tuple[list[list[jax.Array]], TreeDef]:
    """:func:`numpy_ref.dtypes.matching_float_leaves` (same checks, same messages) on JAX leaves."""
    _, td = ref.matching_float_leaves({name: tree_map(spec, tree) for name, tree in named_trees.items()})
    groups = []
    for name, tree in named_trees.items():
        leaves = flatten(tree)[0]
        groups.append([as_float_array(f"{name} leaf {i}", w) for i, w in enumerate(leaves)])
    return groups, td


def opaque_zero(value: jax.Array) -> jax.Array:
    """A uint32 zero that the compiler cannot prove is zero, from a value it cannot know.

    For an integer step: ``step ∈ {min, max}`` of its dtype — false for every step an optimizer takes,
    and undecided on both sides of a first-step test ``step < 1`` (the compiler specializes the code
    for each side; a zero it could decide there would fold away). For a rate: ``value < 0``.
    """
    if jnp.issubdtype(value.dtype, jnp.integer):
        info = jnp.iinfo(value.dtype)
        return ((value == info.min) | (value == info.max)).astype(jnp.uint32)
    return (value < 0).astype(jnp.uint32)


def rounded(x: jax.Array, zero: jax.Array) -> jax.Array:
    """``x`` unchanged, but rounded before any addition it feeds (see the module docstring)."""
    bits = jnp.uint64 if x.dtype == np.float64 else jnp.uint32
    return lax.bitcast_convert_type(lax.bitcast_convert_type(x, bits) ^ zero.astype(bits), x.dtype)


def divide(x: jax.Array, scalar: jax.Array) -> jax.Array:
    """``x / scalar`` rounded once: the divisor is 1 where ``x`` is NaN (the quotient is NaN either way)."""
    return x / jnp.where(jnp.isnan(x), jnp.ones((), x.dtype), scalar)
