"""Threefry-2x32 (20 rounds) as a Triton device function: :func:`numpy_ref.random.threefry2x32` in registers.

Words are ``uint32`` so that ``+`` wraps, ``>>`` is logical and ``(x << r) | (x >> (32 - r))`` is a
rotation, which LLVM recognises as a funnel shift (PTX ``shf.l.wrap.b32``: one instruction per
rotation). The rotation constants are :data:`numpy_ref.random.ROTATIONS`, written out because Triton
unrolls only literal ``constexpr`` arguments; the known-answer tests hold them to the reference.
"""

from __future__ import annotations

import triton
import triton.language as tl

from numpy_ref.random import PARITY

_PARITY = tl.constexpr(PARITY)


@triton.jit
def _rotl(x, r: tl.constexpr):
    return (x << r) | (x >> (32 - r))


@triton.jit
def _four_rounds(x0, x1, r0: tl.constexpr, r1: tl.constexpr, r2: tl.constexpr, r3: tl.constexpr):
    x0 += x1
    x1 = _rotl(x1, r0) ^ x0
    x0 += x1
    x1 = _rotl(x1, r1) ^ x0
    x0 += x1
    x1 = _rotl(x1, r2) ^ x0
    x0 += x1
    x1 = _rotl(x1, r3) ^ x0
    return x0, x1


@triton.jit
def threefry_word(k0, k1, hi, lo):
    """``b0 ^ b1`` of ``threefry2x32((k0, k1), (hi, lo))``: the stream's 32-bit word; all arguments uint32."""
    k2 = k0 ^ k1 ^ _PARITY
    x0 = hi + k0
    x1 = lo + k1
    x0, x1 = _four_rounds(x0, x1, 13, 15, 26, 6)
    x0 += k1
    x1 += k2 + 1
    x0, x1 = _four_rounds(x0, x1, 17, 29, 16, 24)
    x0 += k2
    x1 += k0 + 2
    x0, x1 = _four_rounds(x0, x1, 13, 15, 26, 6)
    x0 += k0
    x1 += k1 + 3
    x0, x1 = _four_rounds(x0, x1, 17, 29, 16, 24)
    x0 += k1
    x1 += k2 + 4
    x0, x1 = _four_rounds(x0, x1, 13, 15, 26, 6)
    x0 += k2
    x1 += k0 + 5
    return x0 ^ x1
