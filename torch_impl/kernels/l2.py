"""``Σ w²`` over many tensors, accumulated in float64 without a float64 copy: one read of each weight.

Each program squares and sums its block in float64 and writes one partial sum; torch sums the
partials. The eager path (``w.to(float64).square().sum()``) moves 8 + 8 + 8 bytes per float32
element more than the 4 this reads. The block sum is ``tl.reduce`` with this module's combiner rather
than ``tl.sum``, which Triton's interpreter cannot run once triton was imported without
``TRITON_INTERPRET``.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from .groups import TL_DTYPES, Launch, row_pointer, row_range

__all__ = ["sum_squares"]

BLOCK = 4096
_NUM_WARPS = 8


@triton.jit
def _add(a, b):
    return a + b


@triton.jit
def _sum_squares_kernel(
    table_ptr, owners_ptr, partials_ptr, DTYPE: tl.constexpr, ALIGNED: tl.constexpr, BLOCK: tl.constexpr
):
    row, i, in_range, _ = row_range(table_ptr, owners_ptr, 4, 1, ALIGNED, BLOCK)
    w = tl.load(row_pointer(row, 0, DTYPE, ALIGNED) + i, mask=in_range, other=0.0).to(tl.float64)
    tl.store(partials_ptr + tl.program_id(0), tl.reduce(w * w, 0, _add))


def sum_squares(leaves: list[torch.Tensor]) -> torch.Tensor:
    """``Σ_leaves Σ w²`` as a 0-d float64 tensor on the leaves' device (contiguous leaves, one device)."""
    total = torch.zeros((), dtype=torch.float64, device=leaves[0].device)
    for dtype in dict.fromkeys(w.dtype for w in leaves):
        columns = [[w for w in leaves if w.dtype == dtype]]
        launch = Launch(columns, [0] * len(columns[0]), BLOCK)
        partials = torch.empty(launch.grid[0], dtype=torch.float64, device=total.device)
        if launch.grid[0]:
            _sum_squares_kernel[launch.grid](
                launch.table,
                launch.owners,
                partials,
                DTYPE=TL_DTYPES[dtype],
                ALIGNED=launch.aligned,
                BLOCK=BLOCK,
                num_warps=_NUM_WARPS,
            )
        total = total + partials.sum()
    return total
