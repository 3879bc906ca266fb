"""The portable random stream: Threefry-2x32 in JAX's counter layout (convention C10).

Every random number in regref comes from the Threefry-2x32 block function (Salmon et al., "Parallel
random numbers: as easy as 1, 2, 3", SC'11) applied to a *counter*: element ``i`` of an array is a
function of ``(key, i)`` alone. That is what makes masks replayable on any backend, regenerable in a
backward pass, and independent of how an array is split across devices.

Layout (JAX's default, ``jax_threefry_partitionable=True``; bit-identical to ``jax.random`` for raw
``uint32[2]`` keys, which is tested, not assumed):

- ``key(seed) = (seed >> 32, seed & 0xffffffff)``;
- ``split(key, n)[j] = threefry2x32(key, (0, j))``, ``fold_in(key, d) = threefry2x32(key, (0, d))``;
- ``random_bits(key, shape).flat[i] = b0 ^ b1`` with ``(b0, b1) = threefry2x32(key, (i >> 32, i & 0xffffffff))``;
- ``uniform = bitcast_f32((bits >> 9) | 0x3F800000) - 1`` (23 random mantissa bits, in [0, 1 - 2**-23]);
- ``bernoulli(key, q, shape) = uniform(key, shape) < float32(q)``.

>>> [hex(int(w)) for w in threefry2x32((0, 0), (np.uint32([0]), np.uint32([0])))[:, 0]]
['0x6b200159', '0x99ba4efe']
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from .validation import check_probability, check_seed, check_shape

__all__ = ["bernoulli", "fold_in", "key", "random_bits", "split", "threefry2x32", "uniform"]

ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))  # groups 0, 2, 4 use the first, 1 and 3 the second
PARITY = 0x1BD11BDA
# Elements per chunk: large enough to amortise the ~105 ufunc calls a chunk makes, small enough that its
# 3 arrays stay in the last-level cache and that every core gets a chunk (measured on 2 cores, 2^22
# words: 2^16 → 121 M words/s, 2^17 → 139, 2^18 → 152).
_CHUNK_MIN, _CHUNK_MAX = 1 << 16, 1 << 18


def key(seed: int) -> np.ndarray:
    """A raw key ``uint32[2] = (seed >> 32, seed & 0xffffffff)`` for an integer ``0 <= seed < 2**64``.

    >>> key(1)
    array([0, 1], dtype=uint32)
    """
    s = check_seed(seed)
    return np.array([s >> 32, s & 0xFFFFFFFF], dtype=np.uint32)


def check_key(k: object) -> np.ndarray:
    """``k`` as a ``uint32[2]`` array: TypeError for another dtype, ValueError for another shape."""
    arr = np.asarray(k)
    if arr.dtype != np.uint32:
        raise TypeError(f"key must be a uint32 array of shape (2,), got dtype {arr.dtype}")
    if arr.shape != (2,):
        raise ValueError(f"key must have shape (2,), got shape {arr.shape}")
    return arr


def threefry2x32(k: object, counter: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The Threefry-2x32 block function (20 rounds) on uint32 counter words; returns ``uint32[2, n]``.

    Math, all words uint32 and additions mod 2**32: ``ks = (k0, k1, k0 ^ k1 ^ 0x1BD11BDA)``;
    ``x += ks[0:2]``; then 5 groups of 4 rounds ``x0 += x1; x1 = rotl(x1, r) ^ x0``, each group ``i``
    followed by the key injection ``x0 += ks[(i+1) % 3]; x1 += ks[(i+2) % 3] + i + 1``.
    """
    k0, k1 = (int(w) for w in np.asarray(k, dtype=np.uint32))
    ks = (k0, k1, k0 ^ k1 ^ PARITY)
    injections = [(np.uint32(ks[(g + 1) % 3]), np.uint32((ks[(g + 2) % 3] + g + 1) & 0xFFFFFFFF)) for g in range(5)]
    x0 = np.array(counter[0], dtype=np.uint32)  # copies: the rounds below work in place
    x1 = np.array(counter[1], dtype=np.uint32)
    tmp = np.empty_like(x1)
    x0 += np.uint32(k0)
    x1 += np.uint32(k1)
    for group, (inject0, inject1) in enumerate(injections):
        for r in ROTATIONS[group % 2]:
            x0 += x1
            np.left_shift(x1, r, out=tmp)
            x1 >>= 32 - r
            x1 |= tmp  # x1 = rotl(x1, r)
            x1 ^= x0
        x0 += inject0
        x1 += inject1
    return np.stack([x0, x1])


def split(k: object, num: int = 2) -> np.ndarray:
    """``num`` new keys, ``uint32[num, 2]``: row ``j`` is ``threefry2x32(key, (0, j))``."""
    arr = check_key(k)
    (n,) = check_shape(num, "num")
    counters = np.zeros(n, np.uint32), np.arange(n, dtype=np.uint32)
    return np.ascontiguousarray(threefry2x32(arr, counters).T)


def fold_in(k: object, data: int) -> np.ndarray:
    """A new key ``threefry2x32(key, (0, data mod 2**32))``; equals ``split(key, n)[data]``."""
    arr = check_key(k)
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (int, np.integer)):
        raise TypeError(f"data must be an integer, got {data!r}")
    word = np.uint32(int(data) & 0xFFFFFFFF)
    return threefry2x32(arr, (np.zeros(1, np.uint32), np.array([word])))[:, 0]


def _bits_chunk(k: np.ndarray, out: np.ndarray, start: int) -> None:
    stop = start + out.size
    if stop <= 1 << 32:
        hi = np.zeros(out.size, np.uint32)
        lo = np.arange(start, stop, dtype=np.uint32)
    else:
        index = np.arange(start, stop, dtype=np.uint64)
        hi, lo = (index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)
    b0, b1 = threefry2x32(k, (hi, lo))
    np.bitwise_xor(b0, b1, out=out)


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="regref-threefry")


def random_bits(k: object, shape: object) -> np.ndarray:
    """32-bit words: ``flat[i] = b0 ^ b1`` with ``(b0, b1) = threefry2x32(key, (i >> 32, i & 0xffffffff))``.

    Computed in cache-sized chunks, spread over the CPU's cores (NumPy releases the GIL inside
    ufuncs); the chunking changes nothing in the result, since every word depends on its index alone.
    """
    arr = check_key(k)
    dims = check_shape(shape)
    flat = np.empty(int(np.prod(dims, dtype=np.int64)), np.uint32)
    cores = os.cpu_count() or 1
    chunk = min(max(flat.size // (2 * cores), _CHUNK_MIN), _CHUNK_MAX)
    starts = range(0, flat.size, chunk)
    if len(starts) <= 2:
        for s in starts:
            _bits_chunk(arr, flat[s : s + chunk], s)
    else:
        list(_pool().map(lambda s: _bits_chunk(arr, flat[s : s + chunk], s), starts))
    return flat.reshape(dims)


def uniform(k: object, shape: object) -> np.ndarray:
    """float32 in [0, 1): the top 23 bits of each word as a mantissa, ``(bits >> 9) | 0x3F800000`` − 1.

    The result takes the 2**23 values ``m · 2**-23``; the largest is ``1 − 2**-23``.
    """
    bits = random_bits(k, shape)
    one_to_two = ((bits >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32)
    return one_to_two - np.float32(1.0)


def bernoulli(k: object, q: float, shape: object) -> np.ndarray:
    """Bool array, True with probability ``q``: ``uniform(key, shape) < float32(q)``.

    ``q`` is rounded to float32 before the comparison, as ``jax.random.bernoulli`` does with 64-bit
    mode off; ``q = 0`` gives all False and ``q = 1`` all True.
    """
    q = check_probability("q", q)
    return uniform(k, shape) < np.float32(q)
