"""Threefry-2x32 with int32 tensor ops, drawn in cache-sized chunks.

The block function and counter layout are :mod:`numpy_ref.random`'s. torch has no uint32 arithmetic,
so words live in int32 tensors: two's-complement wrap makes ``+``, ``^`` and ``<<`` bit-identical to
uint32; a logical right shift is ``(x >> s) & (2**(32 - s) - 1)``; constants above 2**31 become
``c - 2**32``.

Word ``i`` depends on ``(key, i)`` alone, so any index range can be drawn on its own, in chunks: on
the CPU ``2**18`` words, whose ~125 in-place ops each run on torch's intra-op threads over 3 MiB of
scratch that stays in the cores' L2; on an accelerator ``2**26`` words. A chunk never straddles a
multiple of 2**32, where the counter's high word changes.

Measured alternative, not taken: a Python thread per core, each drawing chunks of ``2**15`` words with
serial ops, avoids the ~250 OpenMP fork/joins per chunk (which collapse when another process holds a
core), but the GIL serialises the ops' dispatch: on 2 quiet Xeon cores it ran at half the speed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import NamedTuple

import torch

from numpy_ref.random import PARITY, ROTATIONS

__all__ = ["CPU_CHUNK", "Scratch", "block", "for_each_words", "to_int32"]

CPU_CHUNK = 1 << 18  # 3 int32 buffers of 1 MiB: each core's half of an op stays in its L2
_DEVICE_CHUNK = 1 << 26  # accelerators: few launches per op; scratch bounded at 1.1 GiB

Constant = int | torch.Tensor  # an int32 scalar: a Python int, or a 0-d tensor on the device


def to_int32(c: int) -> int:
    """A uint32 value (or any int, mod 2**32) as the int32 with the same bits."""
    c &= 0xFFFFFFFF
    return c - (1 << 32) if c >= 1 << 31 else c


def _schedule(key_words: torch.Tensor, device: torch.device) -> list[Constant]:
    """``[k0, k1]`` then the 5 key injections ``(ks[(g+1) % 3], ks[(g+2) % 3] + g + 1)``, as int32 scalars.

    A CPU key's constants are Python ints, which reach the kernels of any device as scalar arguments,
    with no copy and no host sync; a key on an accelerator stays there as 0-d tensors (reading it would
    sync), whose arithmetic wraps by itself.
    """
    if key_words.device.type == "cpu":
        k0, k1 = (w & 0xFFFFFFFF for w in key_words.tolist())
        wrap: Callable[[Constant], Constant] = to_int32  # type: ignore[assignment]
    else:
        k0, k1 = key_words.to(device).unbind()
        wrap = lambda c: c  # noqa: E731
    ks = (k0, k1, k0 ^ k1 ^ PARITY)
    injections = [c for g in range(5) for c in (ks[(g + 1) % 3], ks[(g + 2) % 3] + (g + 1))]
    return [wrap(c) for c in (k0, k1, *injections)]


def _plus(c: Constant, value: int) -> Constant:
    """``c + value`` mod 2**32, as an int32 scalar of ``c``'s kind."""
    return to_int32(c + value) if isinstance(c, int) else c + to_int32(value)


def _rounds(consts: list[Constant], x0: torch.Tensor, x1: torch.Tensor, tmp: torch.Tensor) -> None:
    """The 20 rounds and 5 key injections, in place, on counters that already hold ``x + (k0, k1)``.

    ``rotl(x1, r) = (x1 << r) + lsr(x1, 32 - r)``: the two parts share no bit, so ``+`` is ``|``, and
    ``add(lsr, x1, alpha=2**r)`` forms the rotation in one op after the two of the logical shift.
    """
    for group in range(5):
        for r in ROTATIONS[group % 2]:
            x0 += x1
            torch.bitwise_right_shift(x1, 32 - r, out=tmp)
            tmp &= (1 << r) - 1
            torch.add(tmp, x1, alpha=1 << r, out=x1)
            x1 ^= x0
        x0 += consts[2 + 2 * group]
        x1 += consts[3 + 2 * group]


def block(key_words: torch.Tensor, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """The block function on int32 counter words, which it takes over (in place); returns int32[2, n]."""
    consts = _schedule(key_words, x0.device)
    x0 += consts[0]
    x1 += consts[1]
    _rounds(consts, x0, x1, torch.empty_like(x1))
    return torch.stack([x0, x1])


class Scratch(NamedTuple):
    x0: torch.Tensor
    x1: torch.Tensor
    tmp: torch.Tensor
    ramp: torch.Tensor  # 0, 1, 2, …: a chunk's low counter words before its offset
    keep: torch.Tensor  # for a consumer's bool mask


_idle_cpu_scratch = threading.local()


def _new_scratch(size: int, device: torch.device) -> Scratch:
    words = [torch.empty(size, dtype=torch.int32, device=device) for _ in range(3)]
    ramp = torch.arange(size, dtype=torch.int32, device=device)
    return Scratch(*words, ramp, torch.empty(size, dtype=torch.bool, device=device))


def _ranges(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """``(offset, length)`` pieces of ``[start, stop)``, none longer than ``size`` or across a 2**32 multiple."""
    out, offset = [], start
    while offset < stop:
        n = min(size, stop - offset, (1 << 32) - (offset & 0xFFFFFFFF))
        out.append((offset, n))
        offset += n
    return out


def _draw(s: Scratch, consts: list[Constant], offset: int, n: int) -> torch.Tensor:
    x0, x1 = s.x0[:n], s.x1[:n]
    x0.fill_(_plus(consts[0], offset >> 32))
    torch.add(s.ramp[:n], _plus(consts[1], offset), out=x1)
    _rounds(consts, x0, x1, s.tmp[:n])
    return x0.bitwise_xor_(x1)


def for_each_words(
    key_words: torch.Tensor,
    start: int,
    stop: int,
    device: torch.device,
    consume: Callable[[int, torch.Tensor, Scratch], None],
) -> None:
    """Call ``consume(offset, words, scratch)`` for chunks covering the flat indices ``[start, stop)``, in order.

    ``words[j]`` is the 32-bit word of element ``offset + j`` as int32, in ``scratch``, which the next
    chunk overwrites and which the consumer may use too (``scratch.keep``). ``key_words`` is a checked
    key viewed as int32 (:func:`torch_impl.random.check_key`).

    On the CPU one full-size scratch per thread is kept between calls and lent out: malloc maps buffers
    this large afresh on every call, and faulting their pages in cost as much as the arithmetic at 1e5
    elements. A scratch in use is not in the pool, so a consumer that draws gets one of its own.
    """
    consts = _schedule(key_words, device)
    on_cpu = device.type == "cpu"
    size = CPU_CHUNK if on_cpu else min(_DEVICE_CHUNK, max(stop - start, 1))
    idle: list[Scratch] = _idle_cpu_scratch.__dict__.setdefault("sets", []) if on_cpu else []
    s = idle.pop() if idle else None
    if s is None or s.x0.numel() < size:
        s = _new_scratch(size, device)
    try:
        for offset, n in _ranges(start, stop, size):
            consume(offset, _draw(s, consts, offset, n), s)
    finally:
        if on_cpu:
            idle.append(s)
