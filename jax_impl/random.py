"""The portable random stream in JAX: :mod:`numpy_ref.random`, bit for bit (convention C10).

**Port.** The Threefry-2x32 rounds and the counter layout are written here with ``jnp`` uint32 ops
rather than taken from ``jax.random``: JAX does not promise its stream across versions, and its
``jax_threefry_partitionable`` flag changes the layout, so neither can move these bits. They are
tested against the reference and the known-answer vectors, not against ``jax.random``.

Keys are raw ``uint32[2]`` arrays (JAX or NumPy). A typed threefry key (``jax.random.key``) is also
accepted and read through ``jax.random.key_data``; keys returned are always raw ``uint32[2]``.

Static under ``jit``: ``shape`` and ``num`` (they fix the output's shape). Traced: the key, ``q`` and
``fold_in``'s ``data`` — which may be a traced integer, e.g. a step counter (the reference takes only
Python integers). A traced ``q`` skips validation.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from numpy_ref.random import PARITY, ROTATIONS, check_key
from numpy_ref.validation import check_probability, check_seed, check_shape

from .dtypes import spec
from .validation import checked, is_traced

__all__ = [
    "bernoulli",
    "block_bits_at",
    "flat_index",
    "fold_in",
    "keep_below",
    "keep_threshold",
    "key",
    "key_words",
    "random_bits",
    "split",
    "threefry2x32",
    "uniform",
]

_BLOCK = 1 << 32  # counters (i >> 32, i & 0xffffffff): the high word is constant over blocks of 2**32 elements


def key(seed: int) -> jax.Array:
    """:func:`numpy_ref.random.key` as a JAX ``uint32[2]``; ``seed`` must be a Python integer (not traced)."""
    s = check_seed(seed)
    return jnp.array([s >> 32, s & 0xFFFFFFFF], dtype=jnp.uint32)


def key_words(k: Any) -> jax.Array:
    """A raw ``uint32[2]`` key from a raw key or a typed threefry key; the reference's errors otherwise."""
    if jax.dtypes.issubdtype(getattr(k, "dtype", None), jax.dtypes.prng_key):
        impl = str(jax.random.key_impl(k))
        if impl != "threefry2x32":
            raise TypeError(f"key must be a threefry2x32 key, got a {impl} key")
        k = jax.random.key_data(k)
    check_key(spec(k))
    return jnp.asarray(k)


def _block(k: jax.Array, x0: Any, x1: Any) -> tuple[jax.Array, jax.Array]:
    """Threefry-2x32 (20 rounds) of :func:`numpy_ref.random.threefry2x32` on broadcastable uint32 words."""
    ks = (k[0], k[1], k[0] ^ k[1] ^ np.uint32(PARITY))
    x0, x1 = x0 + ks[0], x1 + ks[1]
    for group in range(5):
        for r in ROTATIONS[group % 2]:
            x0 = x0 + x1
            x1 = ((x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r))) ^ x0
        x0 = x0 + ks[(group + 1) % 3]
        x1 = x1 + (ks[(group + 2) % 3] + np.uint32(group + 1))
    return x0, x1


def _uint32(x: Any) -> jax.Array:
    return x if isinstance(x, jax.Array) and x.dtype == jnp.uint32 else jnp.asarray(np.asarray(x, np.uint32))


@jax.jit
def _threefry(k: jax.Array, x0: jax.Array, x1: jax.Array) -> jax.Array:
    return jnp.stack(_block(k, x0, x1))


def threefry2x32(k: Any, counter: tuple[Any, Any]) -> jax.Array:
    """:func:`numpy_ref.random.threefry2x32`: the block function on counter words, ``uint32[2, n]``."""
    return _threefry(_uint32(k), _uint32(counter[0]), _uint32(counter[1]))


def bits_at(k: jax.Array, high: int, size: int) -> jax.Array:
    """Words ``b0 ^ b1`` for the counters ``(high, 0) … (high, size − 1)``: one block of the stream."""
    b0, b1 = _block(k, np.uint32(high), lax.iota(jnp.uint32, size))
    return b0 ^ b1


def flat_bits(k: jax.Array, size: int) -> jax.Array:
    """The first ``size`` words of the stream of ``k`` (traceable; ``size`` static)."""
    blocks = [bits_at(k, start // _BLOCK, min(_BLOCK, size - start)) for start in range(0, max(size, 1), _BLOCK)]
    return jnp.concatenate(blocks) if len(blocks) > 1 else blocks[0]


def _times(hi: Any, lo: jax.Array, m: int) -> tuple[Any, jax.Array]:
    """``(hi·2**32 + lo) · m`` mod 2**64 in uint32 words, for an int ``m < 2**32``: 16-bit limbs, no uint64."""
    m0, m1 = np.uint32(m & 0xFFFF), np.uint32(m >> 16)
    l0, l1 = lo & np.uint32(0xFFFF), lo >> np.uint32(16)
    low, cross0, cross1 = l0 * m0, l0 * m1, l1 * m0  # each below 2**32
    mid = (low >> np.uint32(16)) + (cross0 & np.uint32(0xFFFF)) + (cross1 & np.uint32(0xFFFF))
    new_lo = (mid << np.uint32(16)) | (low & np.uint32(0xFFFF))
    carries = (cross0 >> np.uint32(16)) + (cross1 >> np.uint32(16)) + (mid >> np.uint32(16))
    return hi * np.uint32(m) + l1 * m1 + carries, new_lo


def flat_index(origin: Any, shape: tuple[int, ...], global_shape: tuple[int, ...]) -> tuple[Any, jax.Array]:
    """The row-major flat index in ``global_shape`` of each element of the block of ``shape`` at ``origin``,
    as uint32 words ``(hi, lo)``; every axis of ``global_shape`` below 2**32.

    One iota per axis, never a flat iota reshaped: XLA's partitioner offsets each axis's iota by the
    shard's position, so a sharded caller computes only its own elements, whichever axes are sharded.
    """
    wide = math.prod(global_shape) > _BLOCK
    hi: Any = np.uint32(0)
    lo = jnp.zeros(shape, jnp.uint32)
    for axis, size in enumerate(global_shape):
        coordinate = lax.broadcasted_iota(jnp.uint32, shape, axis) + origin[axis]
        if wide:
            hi, lo = _times(hi, lo, size)
            lo = lo + coordinate
            hi = hi + (lo < coordinate).astype(jnp.uint32)
        else:
            lo = lo * np.uint32(size) + coordinate
    return hi, lo


def block_bits_at(k: jax.Array, origin: Any, shape: tuple[int, ...], global_shape: tuple[int, ...]) -> jax.Array:
    """``random_bits(k, global_shape)`` restricted to the block of ``shape`` at ``origin`` (traceable).

    An axis of 2**32 elements or more cannot be counted with uint32 iotas; such an array is drawn
    whole from one flat iota (``origin`` must then be zero), which XLA does not split by axis.
    """
    if any(d >= _BLOCK for d in global_shape):
        return flat_bits(k, math.prod(shape)).reshape(shape)
    hi, lo = flat_index(origin, shape, global_shape)
    b0, b1 = _block(k, jnp.broadcast_to(hi, shape), lo)
    return b0 ^ b1


def keep_threshold(q: Any) -> Any:
    """The integer ``T`` with ``uniform(bits) < float32(q)  ⟺  (bits >> 9) < T``, for ``q`` in [0, 1].

    With ``m = bits >> 9`` (the 23 mantissa bits) the uniform is exactly ``u = m · 2**-23`` (the
    subtraction ``(1 + m · 2**-23) − 1`` is exact), so for ``qf = float32(q)``:
    ``u < qf  ⟺  m < qf · 2**23  ⟺  m < ceil(qf · 2**23) = T`` because ``m`` is an integer, and
    ``0 ≤ T ≤ 2**23`` fits a uint32. On the host ``T`` is computed in float64, where ``qf · 2**23`` and
    its ceiling are exact. A traced ``q`` is scaled on the device in float32, exact for a normal ``qf``
    (scaling by a power of two moves only the exponent); XLA flushes a subnormal ``qf`` (below
    ``2**-126``) to zero, which gives ``T = 0`` where the reference has 1 — a traced ``q`` that small is
    the one case where a draw can differ (``1 − p`` in dropout is never subnormal).
    """
    if not is_traced(q):
        return np.uint32(np.ceil(np.float64(np.float32(q)) * (1 << 23)))
    return jnp.ceil(jnp.asarray(q, jnp.float32) * np.float32(1 << 23)).astype(jnp.uint32)


def keep_below(bits: jax.Array, threshold: Any) -> jax.Array:
    """``uniform(bits) < float32(q)`` decided on the words, given ``threshold = keep_threshold(q)``."""
    return (bits >> np.uint32(9)) < threshold


@partial(jax.jit, static_argnums=1)
def _split(k: jax.Array, num: int) -> jax.Array:
    return jnp.stack(_block(k, np.uint32(0), lax.iota(jnp.uint32, num)), axis=1)


def split(k: Any, num: int = 2) -> jax.Array:
    """:func:`numpy_ref.random.split`: ``uint32[num, 2]``, row ``j`` is ``threefry2x32(key, (0, j))``."""
    words = key_words(k)
    (n,) = check_shape(num, "num")
    return _split(words, n)


@jax.jit
def _fold_in(k: jax.Array, data: jax.Array) -> jax.Array:
    return jnp.stack(_block(k, np.uint32(0), lax.convert_element_type(data, jnp.uint32)))


def fold_in(k: Any, data: Any) -> jax.Array:
    """:func:`numpy_ref.random.fold_in`; ``data`` may also be an integer scalar array (wrapped mod 2**32)."""
    words = key_words(k)
    if isinstance(data, jax.Array) and data.shape == () and jnp.issubdtype(data.dtype, jnp.integer):
        return _fold_in(words, data)
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (int, np.integer)):
        raise TypeError(f"data must be an integer, got {data!r}")
    return _fold_in(words, np.uint32(int(data) & 0xFFFFFFFF))


@partial(jax.jit, static_argnums=1)
def _random_bits(k: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    return block_bits_at(k, np.zeros(len(shape), np.uint32), shape, shape)


def random_bits(k: Any, shape: Any) -> jax.Array:
    """:func:`numpy_ref.random.random_bits`: ``flat[i] = b0 ^ b1`` of counter ``(i >> 32, i & 0xffffffff)``."""
    words = key_words(k)
    return _random_bits(words, check_shape(shape))


@partial(jax.jit, static_argnums=1)
def _uniform(k: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    one_to_two = lax.bitcast_convert_type((_random_bits(k, shape) >> np.uint32(9)) | np.uint32(0x3F800000), jnp.float32)
    return one_to_two - np.float32(1.0)


def uniform(k: Any, shape: Any) -> jax.Array:
    """:func:`numpy_ref.random.uniform`: float32 ``m · 2**-23`` from the top 23 bits of each word."""
    words = key_words(k)
    return _uniform(words, check_shape(shape))


@partial(jax.jit, static_argnums=2)
def _bernoulli(k: jax.Array, threshold: Any, shape: tuple[int, ...]) -> jax.Array:
    return keep_below(_random_bits(k, shape), threshold)


def bernoulli(k: Any, q: Any, shape: Any) -> jax.Array:
    """:func:`numpy_ref.random.bernoulli`: ``uniform(key, shape) < float32(q)``, decided by :func:`keep_below`."""
    q = checked(check_probability, "q", q)
    words = key_words(k)
    return _bernoulli(words, keep_threshold(q), check_shape(shape))
