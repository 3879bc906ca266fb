"""Bernoulli keep decisions on the integer words: ``uniform < float32(q)`` without forming a float.

:func:`numpy_ref.random.bernoulli` turns each word into a float32 in [0, 1) and compares it with
``float32(q)``. The same decision is an integer compare on the word (:func:`keep_threshold` has the
proof): two ops per element instead of four.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import torch

from . import kernels
from .threefry import Scratch, for_each_words

__all__ = ["KEEP_ALL", "for_each_keep", "keep_from_words", "keep_mask", "keep_threshold"]

KEEP_ALL = 1 << 23  # the threshold at which every word is kept (q = 1)
_SIGN = -(1 << 31)  # 0x80000000 as int32


@lru_cache(maxsize=256)  # called per dropout call; a run uses a few q
def keep_threshold(q: float) -> int:
    """The integer ``T`` in ``[0, 2**23]`` with ``uniform < float32(q)  ⟺  bits >> 9 < T`` for every word.

    Proof. Let ``m = bits >> 9`` (logical), an integer in ``[0, 2**23)``. ``1 + m·2**-23`` is a float32
    (23 mantissa bits) and subtracting 1 from a number in ``[1, 2)`` is exact (Sterbenz), so
    ``uniform = m·2**-23`` exactly. With ``f = float32(q)``: ``m·2**-23 < f ⟺ m < f·2**23`` (scaling by a
    power of two), and for an integer ``m``, ``m < x ⟺ m < ceil(x)``. ``f·2**23`` is exact in a double
    (a float32 times a power of two), so ``T = ceil(f·2**23)`` is exact too. On the word itself:
    ``floor(bits / 2**9) < T ⟺ bits < 2**9·T`` (unsigned), as :func:`keep_from_words` compares.
    """
    return math.ceil(float(np.float32(q)) * 2**23)


def keep_from_words(words: torch.Tensor, threshold: int, out: torch.Tensor) -> torch.Tensor:
    """``out = (bits >> 9 < threshold)`` for int32 ``words`` (which it overwrites); returns ``out``.

    ``bits >> 9 < T ⟺ bits < 2**9·T`` as uint32. Flipping the sign bit maps uint32 order onto int32
    order, so in int32 it is ``(bits ^ 0x80000000) < 2**9·T − 2**31``, which fits for ``T < 2**23``;
    ``T = 2**23`` keeps every word.
    """
    if threshold == KEEP_ALL:
        return out.fill_(True)
    return torch.lt(words.bitwise_xor_(_SIGN), (threshold << 9) + _SIGN, out=out)


def for_each_keep(
    key_words: torch.Tensor, q: float, stop: int, device: torch.device, consume: Callable[[int, torch.Tensor], None]
) -> None:
    """Call ``consume(offset, keep)`` for chunks covering ``[0, stop)``: the bool mask ``uniform < float32(q)``
    (as :func:`torch_impl.threefry.for_each_words`: concurrent chunks, scratch valid during the call).

    At ``q = 0`` and ``q = 1`` the mask is constant: no words are drawn, and one call gets the whole
    range as an expanded scalar.
    """
    threshold = keep_threshold(q)
    if threshold in (0, KEEP_ALL):
        consume(0, torch.full((), threshold == KEEP_ALL, device=device).expand(stop))
        return

    def compare(offset: int, words: torch.Tensor, s: Scratch) -> None:
        consume(offset, keep_from_words(words, threshold, s.keep[: words.numel()]))

    for_each_words(key_words, 0, stop, device, compare)


def keep_mask(key_words: torch.Tensor, q: float, dims: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """The whole mask of :func:`for_each_keep`, shaped ``dims``, on ``device`` (drawn by a C kernel on the CPU)."""
    n, threshold = math.prod(dims), keep_threshold(q)
    fused = kernels.keep_mask(key_words, threshold, n, device) if threshold not in (0, KEEP_ALL) else None
    if fused is not None:
        return fused.reshape(dims)
    flat = torch.empty(n, dtype=torch.bool, device=device)

    def store(offset: int, keep: torch.Tensor) -> None:
        flat[offset : offset + keep.numel()] = keep

    for_each_keep(key_words, q, n, device, store)
    return flat.reshape(dims)
