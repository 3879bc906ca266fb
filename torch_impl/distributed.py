"""torch.distributed: dropout of one block of a global tensor, for DTensors and data-parallel ranks.

A mask element is a function of ``(key, global flat index)`` (C10), so a rank that holds a block of a
larger tensor draws its part of the global mask alone: :func:`dropout_block` gives, bit for bit, the
block of ``torch_impl.dropout(global tensor)`` that its input is. Built on it:

- :func:`dtensor_dropout`, where :func:`torch_impl.dropout` sends a ``DTensor``: each rank draws its
  shard's block (``Shard``, ``Replicate`` and ``Partial`` placements; a ``Partial`` tensor is masked
  summand by summand, which dropout's linearity allows);
- :func:`batch_block`, the block of a data-parallel rank (DDP, FSDP): ``dropout_block(h, p, key,
  *batch_block(h))`` masks this rank's rows as one process would mask the global batch.

**Port.** The counters are formed from the block's global flat indices in int64 (``(i >> 32, i mod
2**32)``) and drawn in one :func:`torch_impl.threefry.block` call rather than in cache-sized chunks:
a block's indices are not one contiguous range in general (a column shard is one run per row).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.distributed as dist
from torch.distributed.tensor import DTensor, Partial, Replicate, Shard
from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

from numpy_ref.validation import check_block, check_broadcast_dims, check_probability

from .dropout import dropout_forward
from .dtypes import as_float_tensor
from .keep import keep_from_words, keep_threshold
from .random import check_key
from .threefry import block

__all__ = ["batch_block", "dropout_block", "dtensor_dropout"]

Layout = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # the mask's block, the global mask, x's shape


def _check_block(
    start: object, shape: tuple[int, ...], global_shape: object
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """:func:`numpy_ref.validation.check_block`; ``start`` and ``global_shape`` as ints."""
    dims = check_block(start, shape, global_shape)
    return tuple(int(s) for s in start), dims  # type: ignore[union-attr]


def _counters(
    origin: tuple[int, ...], shape: tuple[int, ...], global_shape: tuple[int, ...], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """int32 counter words ``(i >> 32, i mod 2**32)`` of the global row-major flat index ``i`` of each element."""
    index = torch.zeros(shape, dtype=torch.int64, device=device)
    stride = 1
    for axis in reversed(range(len(shape))):
        coordinate = torch.arange(origin[axis], origin[axis] + shape[axis], dtype=torch.int64, device=device)
        index += (coordinate * stride).view(-1, *(1,) * (len(shape) - axis - 1))
        stride *= global_shape[axis]
    flat = index.reshape(-1)
    return (flat >> 32).to(torch.int32), flat.to(torch.int32)  # int64 → int32 wraps mod 2**32


def _keep(
    key_words: torch.Tensor, p: float, origin: tuple[int, ...], layout: Layout, device: torch.device
) -> torch.Tensor:
    mask_block, mask_whole, shape = layout
    words = block(key_words, *_counters(origin, mask_block, mask_whole, device))
    bits = words[0].bitwise_xor_(words[1])
    keep = keep_from_words(bits, keep_threshold(1.0 - p), torch.empty_like(bits, dtype=torch.bool))
    return keep.reshape(mask_block).expand(shape)


class _DropoutBlock(torch.autograd.Function):
    """``where(keep, x·s, +0.0)`` with the block's part of the mask, regenerated in the backward pass."""

    @staticmethod
    def forward(
        x: torch.Tensor, key_words: torch.Tensor, p: float, origin: tuple[int, ...], layout: Layout
    ) -> torch.Tensor:
        return dropout_forward(x, _keep(key_words, p, origin, layout, x.device), p)

    @staticmethod
    def setup_context(ctx: torch.autograd.function.FunctionCtx, inputs: tuple, output: torch.Tensor) -> None:
        _, key_words, ctx.p, ctx.origin, ctx.layout = inputs
        ctx.save_for_backward(key_words)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, d_y: torch.Tensor) -> tuple:
        (key_words,) = ctx.saved_tensors
        return _DropoutBlock.apply(d_y, key_words, ctx.p, ctx.origin, ctx.layout), None, None, None, None


def _prepared(
    x: object, p: float, key: object, start: object, global_shape: object, broadcast_dims: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor, float, tuple[int, ...], Layout]:
    """The checked arguments of :class:`_DropoutBlock`: broadcast axes have a mask of size 1 at index 0."""
    arr = as_float_tensor("x", x)
    p = check_probability("p", p)
    key_words = check_key(key)
    origin, whole = _check_block(start, tuple(arr.shape), global_shape)
    axes = check_broadcast_dims(broadcast_dims, arr.ndim)
    layout = (
        tuple(1 if i in axes else n for i, n in enumerate(arr.shape)),
        tuple(1 if i in axes else n for i, n in enumerate(whole)),
        tuple(arr.shape),
    )
    return arr, key_words, p, tuple(0 if i in axes else o for i, o in enumerate(origin)), layout


def dropout_block(
    x: object,
    p: float,
    key: object,
    start: Sequence[int],
    global_shape: Sequence[int],
    *,
    training: bool = True,
    broadcast_dims: Sequence[int] = (),
) -> torch.Tensor:
    """Block ``start`` of ``torch_impl.dropout(g, p, key)``, for a ``g`` of ``global_shape`` holding ``x`` there."""
    args = _prepared(x, p, key, start, global_shape, broadcast_dims)
    return _DropoutBlock.apply(*args) if training else x  # type: ignore[return-value]


def dtensor_dropout(
    x: DTensor, p: float, key: object, *, training: bool = True, broadcast_dims: Sequence[int] = ()
) -> DTensor:
    """``torch_impl.dropout`` of a DTensor: each rank masks its local shard; the result has ``x``'s layout."""
    if not all(type(pl) in (Shard, Replicate) or isinstance(pl, Partial) for pl in x.placements):
        raise ValueError(f"x has placements {x.placements}; dropout supports Shard, Replicate and Partial")
    # No public API gives a shard's offset; this helper (torch's checkpointing uses it) is stable since 2.2.
    _, offset = compute_local_shape_and_global_offset(x.shape, x.device_mesh, x.placements)
    args = _prepared(x.to_local(), p, key, offset, tuple(x.shape), broadcast_dims)
    if not training:
        return x
    y = _DropoutBlock.apply(*args)
    return DTensor.from_local(y, x.device_mesh, x.placements, run_check=False, shape=x.shape, stride=x.stride())


def batch_block(x: torch.Tensor, group: dist.ProcessGroup | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(start, global_shape)`` of this rank's batch ``x`` within the global batch of a data-parallel step.

    The global batch is the ranks' batches concatenated in rank order (``all_gather``'s order); every rank
    of ``group`` must hold as many examples as ``x``. For uneven batches pass the block to
    :func:`dropout_block` directly.
    """
    rank, world, n = dist.get_rank(group), dist.get_world_size(group), x.shape[0]
    return (rank * n, *(0,) * (x.ndim - 1)), (world * n, *x.shape[1:])
