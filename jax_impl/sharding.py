"""Sharded JAX arrays: dropout of one block of a global array, for code that sees only its block.

Under ``jit`` with ``NamedSharding`` nothing here is needed: every ``jax_impl`` op gives the unsharded
result bit for bit, because a mask element is a function of ``(key, global flat index)`` and XLA's
partitioner hands each shard the global positions of its elements (the README's "Many devices and hosts" lists what is
identical and what is not). Inside ``jax.shard_map`` a function sees only its block, and
``jax_impl.dropout(block)`` would draw the mask of a small array of the block's shape: the same mask on
every shard. :func:`dropout_block` draws the words of the block's *global* flat indices instead, so
the blocks together are ``jax_impl.dropout(global array)``, bit for bit; :func:`shard_block` says
where this device's block lies.

A block is given by ``start`` (its first index along each axis; entries may be traced, e.g. from
``lax.axis_index``) and ``global_shape`` (static). Global arrays may exceed 2**32 elements: the flat
index is then formed in two uint32 words (no uint64 without ``jax_enable_x64``); a single axis must
stay below 2**32.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import PartitionSpec

from numpy_ref.validation import check_block, check_broadcast_dims, check_probability, check_shape

from .dropout import dropout_at, threshold_and_scale
from .dtypes import as_float_array
from .random import block_bits_at, key_words
from .validation import checked, is_traced

__all__ = ["block_bits", "dropout_block", "shard_block"]

_WORD = 1 << 32


def _check_block(start: Any, shape: tuple[int, ...], global_shape: Any) -> tuple[jax.Array, tuple[int, ...]]:
    """:func:`numpy_ref.validation.check_block`, plus: every axis below 2**32; ``start`` as a uint32 vector."""
    dims = check_block(start, shape, global_shape, known=lambda s: not is_traced(s))
    if any(d >= _WORD for d in dims):
        raise ValueError(f"global_shape {global_shape!r} has an axis of 2**32 or more elements")
    return jnp.stack([jnp.asarray(s).astype(jnp.uint32) for s in start]) if dims else jnp.zeros(0, jnp.uint32), dims


@partial(jax.jit, static_argnums=(2, 3))
def _block_bits(k: jax.Array, origin: jax.Array, shape: tuple[int, ...], global_shape: tuple[int, ...]) -> jax.Array:
    return block_bits_at(k, origin, shape, global_shape)


def block_bits(key: Any, shape: Any, start: Sequence[Any], global_shape: Any) -> jax.Array:
    """``random_bits(key, global_shape)[start[0] : start[0] + shape[0], …]`` without drawing the rest."""
    k = key_words(key)
    dims = check_shape(shape)
    origin, whole = _check_block(start, dims, global_shape)
    return _block_bits(k, origin, dims, whole)


def dropout_block(
    x: Any,
    p: Any,
    key: Any,
    start: Sequence[Any],
    global_shape: Any,
    *,
    training: bool = True,
    broadcast_dims: Sequence[int] = (),
) -> Any:
    """The block at ``start`` of ``jax_impl.dropout(g, p, key)`` for a ``g`` of ``global_shape`` holding ``x`` there.

    Differentiable, the mask regenerated in the backward pass (as :func:`jax_impl.dropout`).
    """
    arr = as_float_array("x", x)
    p = checked(check_probability, "p", p)
    k = key_words(key)
    origin, whole = _check_block(start, arr.shape, global_shape)
    axes = check_broadcast_dims(broadcast_dims, arr.ndim)
    if not training:
        return x
    shared = [i in axes for i in range(arr.ndim)]  # the mask has size 1 there: one word for the whole axis
    layout = (
        tuple(1 if s else n for s, n in zip(shared, arr.shape)),
        tuple(1 if s else n for s, n in zip(shared, whole)),
        arr.shape,
    )
    origin = jnp.where(jnp.asarray(shared, bool), np.uint32(0), origin) if axes else origin
    return dropout_at(arr, k, *threshold_and_scale(p, arr.dtype), origin, layout)


def shard_block(spec: PartitionSpec, shape: Sequence[int]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """Inside ``jax.shard_map``: ``(start, global_shape)`` of this device's block of ``shape``, laid out by ``spec``.

    ``spec`` is the block's ``in_specs`` / ``out_specs`` entry. An axis sharded over several mesh axes
    (``P(("a", "b"))``) is split major-to-minor in the order named, as ``NamedSharding`` splits it.
    """
    start: list[Any] = []
    whole: list[int] = []
    for axis, size in enumerate(shape):
        names = spec[axis] if axis < len(spec) else None
        if names is None:
            start.append(0)
            whole.append(size)
            continue
        names = (names,) if isinstance(names, str) else tuple(names)
        start.append(lax.axis_index(names) * size)
        whole.append(size * lax.psum(1, names))  # the mesh axes' sizes, a Python int (lax.axis_size needs jax 0.6.1)
    return tuple(start), tuple(whole)
