"""Many tensors in one launch: a table of their addresses and a map from each program to its tensor.

Program ``b`` of a launch works on elements ``[(b − first[t])·BLOCK, … + BLOCK)`` of tensor
``t = owner[b]``. The owner map depends only on the tensors' sizes and is cached on the device; the
address table is rebuilt per launch (gradients are often new tensors every step) and copied without a
host sync. A row holds the tensors' addresses, then ``numel``, ``first`` and one flag per tensor.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import accumulate

import torch
import triton
import triton.language as tl

__all__ = ["TL_DTYPES", "Launch", "row_pointer", "row_range"]

TL_DTYPES = {
    torch.float16: tl.float16,
    torch.bfloat16: tl.bfloat16,
    torch.float32: tl.float32,
    torch.float64: tl.float64,
}


@lru_cache(maxsize=32)
def _owners(blocks: tuple[int, ...], device: torch.device) -> torch.Tensor:
    counts = torch.tensor(blocks, dtype=torch.int64)
    return torch.repeat_interleave(torch.arange(len(blocks), dtype=torch.int32), counts).to(device, non_blocking=True)


@lru_cache(maxsize=64)
def _table(rows: tuple[tuple[int, ...], ...], device: torch.device) -> torch.Tensor:
    """The address table on the device, kept for the next launch with the same rows: an optimizer's
    parameters and state stay put between steps, and a table is only ever read, so equal contents are
    the same table whichever tensors they came from."""
    return torch.tensor(rows, dtype=torch.int64).to(device, non_blocking=True)


class Launch:
    """The grid, the owner map and the address table for the rows ``zip(*tensors)`` (each a tensor per column).

    Host time matters: a benchmark's CUDA events (and a training step with nothing queued before it)
    count the host work before the launch as device time. So the rows are plain integer tuples, and
    the device copies of the owner map and of the table are cached on them.
    """

    def __init__(self, columns: list[list[torch.Tensor]], flags: list[int], block: int) -> None:
        numels = [t.numel() for t in columns[0]]
        blocks = tuple(-(-n // block) for n in numels)
        firsts = list(accumulate(blocks, initial=0))
        addresses = [[t.data_ptr() for t in c] for c in columns]
        rows = tuple((*row, n, first, flag) for *row, n, first, flag in zip(*addresses, numels, firsts, flags))
        device = columns[0][0].device
        self.grid = (firsts[-1],)
        self.owners = _owners(blocks, device)
        self.table = _table(rows, device)
        self.width = len(columns) + 3
        #: every tensor starts at a multiple of 16 bytes and has a multiple of 16 elements: then loads and
        #: stores are vectorised (Triton cannot otherwise know a runtime bound's alignment)
        self.aligned = all(a % 16 == 0 for c in addresses for a in c) and all(n % 16 == 0 for n in numels)


@triton.jit
def row_pointer(row, column: tl.constexpr, dtype: tl.constexpr, ALIGNED: tl.constexpr):
    """The address in ``column`` of a table row, as a pointer to ``dtype``."""
    ptr = tl.load(row + column).to(tl.pointer_type(dtype))
    if ALIGNED:
        ptr = tl.multiple_of(ptr, 16)
    return ptr


@triton.jit
def row_range(
    table_ptr, owners_ptr, WIDTH: tl.constexpr, COLUMNS: tl.constexpr, ALIGNED: tl.constexpr, BLOCK: tl.constexpr
):
    """``(row, offsets, in_range, flag)`` of this program: its table row and its elements of that tensor."""
    pid = tl.program_id(0)
    row = table_ptr + tl.load(owners_ptr + pid).to(tl.int64) * WIDTH
    numel = tl.load(row + COLUMNS)
    if ALIGNED:  # the bounds mask is constant over 16 elements: loads and stores can be vectorised
        numel = tl.multiple_of(numel, 16)
    first = tl.load(row + COLUMNS + 1)
    offsets = (pid - first) * BLOCK + tl.arange(0, BLOCK)
    return row, offsets, offsets < numel, tl.load(row + COLUMNS + 2)
