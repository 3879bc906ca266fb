"""Fused dropout: ``where(keep, x·s, +0.0)`` with each keep decision drawn in registers (one pass over memory).

Element ``i`` reads ``x[i]``, computes the stream word of its mask index (:mod:`.threefry`), compares
it with the integer threshold of :func:`torch_impl.keep.keep_threshold` and writes the scaled or zeroed
value: 4 bytes read and 4 written per float32 element, no mask in memory. With ``broadcast_dims`` the
mask index is computed from ``i``: the shape is collapsed into alternating runs of kept and broadcast
axes, and each kept run contributes ``(i // inner) % size · stride``; up to three kept runs (any
``broadcast_dims`` on tensors of rank ≤ 6), beyond which :func:`masked_scale` declines.
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl

from ..keep import KEEP_ALL
from ..threefry import to_int32
from .threefry import threefry_word

__all__ = ["CONFIG", "masked_scale"]

#: (elements per program, warps): set from the GPU benchmark's sweep (``benchmarks/``).
CONFIG = {"block": 2048, "num_warps": 8}
_MAX_KEPT_RUNS = 3
_INT32_INDEX_LIMIT = 2**31  # above it, indices are int64 and the counter's high word is formed


@triton.jit
def _kept_run(i, inner, size, stride):
    return (i // inner) % size * stride


@triton.jit(do_not_specialize=["k0", "k1", "bound"])
def _dropout_kernel(
    x_ptr,
    y_ptr,
    key_ptr,
    k0: tl.int32,
    k1: tl.int32,
    bound: tl.int32,
    scale: tl.float64,
    n,
    inner0,
    size0,
    stride0,
    inner1,
    size1,
    stride1,
    inner2,
    size2,
    stride2,
    KEY_IN_MEMORY: tl.constexpr,
    KEPT_RUNS: tl.constexpr,
    WIDE: tl.constexpr,
    BLOCK: tl.constexpr,
):
    if WIDE:
        i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    else:
        i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    if KEY_IN_MEMORY:  # a key on the device is read there: no host sync
        k0 = tl.load(key_ptr)
        k1 = tl.load(key_ptr + 1)
    j = i  # the mask index: i itself unless axes are broadcast
    if KEPT_RUNS >= 0:
        j = i * 0
        if KEPT_RUNS >= 1:
            j += _kept_run(i, inner0, size0, stride0)
        if KEPT_RUNS >= 2:
            j += _kept_run(i, inner1, size1, stride1)
        if KEPT_RUNS >= 3:
            j += _kept_run(i, inner2, size2, stride2)
    if WIDE:
        hi = (j >> 32).to(tl.uint32)
    else:
        hi = 0
    word = threefry_word(
        tl.cast(k0, tl.uint32, bitcast=True), tl.cast(k1, tl.uint32, bitcast=True), hi, j.to(tl.uint32)
    )
    keep = word < tl.cast(bound, tl.uint32, bitcast=True)  # bits >> 9 < T  ⟺  bits < T·2**9 (unsigned)
    in_range = i < n
    x = tl.load(x_ptr + i, mask=in_range)
    if x.dtype == tl.float64:
        y = tl.where(keep, x * scale, 0.0)
    else:
        y = tl.where(keep, x.to(tl.float32) * tl.cast(scale, tl.float32), 0.0)
    tl.store(y_ptr + i, y.to(y_ptr.dtype.element_ty), mask=in_range)


def _kept_runs(shape: tuple[int, ...], axes: tuple[int, ...]) -> list[tuple[int, int, int]] | None:
    """``(inner, size, stride)`` of each run of kept axes, outermost first; None if nothing is broadcast."""
    runs: list[list] = []  # [size, broadcast?], consecutive axes of one kind merged; size-1 axes dropped
    for d, size in enumerate(shape):
        if size != 1:
            if runs and runs[-1][1] == (d in axes):
                runs[-1][0] *= size
            else:
                runs.append([size, d in axes])
    if not any(broadcast for _, broadcast in runs):
        return None
    out = []
    for g, (size, broadcast) in enumerate(runs):
        if not broadcast:
            after = runs[g + 1 :]
            out.append((math.prod(s for s, _ in after), size, math.prod(s for s, b in after if not b)))
    return out


def masked_scale(
    x: torch.Tensor,
    key_words: torch.Tensor,
    threshold: int,
    scale: float,
    axes: tuple[int, ...],
    config: dict | None = None,
    key_in_memory: bool | None = None,
) -> torch.Tensor | None:
    """``torch_impl.dropout._masked_scale`` in one kernel; None where it declines (constant masks, > 3 kept runs)."""
    n = x.numel()
    runs = _kept_runs(tuple(x.shape), axes)
    if threshold in (0, KEEP_ALL) or n == 0 or (runs is not None and len(runs) > _MAX_KEPT_RUNS):
        return None
    config = config or CONFIG
    block = config["block"]
    x = x.contiguous()
    y = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    in_memory = key_words.device.type != "cpu" if key_in_memory is None else key_in_memory
    k0, k1 = (0, 0) if in_memory else key_words.tolist()
    key = key_words.to(x.device) if in_memory else y
    flat_runs = [v for run in (runs or []) for v in run] + [1, 1, 0] * (_MAX_KEPT_RUNS - len(runs or []))
    _dropout_kernel[(-(-n // block),)](
        x,
        y,
        key,
        k0,
        k1,
        to_int32(threshold << 9),
        scale,
        n,
        *flat_runs,
        KEY_IN_MEMORY=in_memory,
        KEPT_RUNS=-1 if runs is None else len(runs),
        WIDE=n + block > _INT32_INDEX_LIMIT,
        BLOCK=block,
        num_warps=config["num_warps"],
    )
    return y
