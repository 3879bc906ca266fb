"""torch port of :mod:`numpy_ref.dropout` (C7, C8, C9), with autograd through :class:`_Dropout`.

The mask is drawn from the key in the forward pass and drawn again in the backward pass; it is never
stored (see :class:`_Dropout` for why).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import lru_cache

import torch

from numpy_ref.dropout import check_keep
from numpy_ref.dropout import dropout_scale as _reference_scale
from numpy_ref.validation import check_broadcast_dims, check_probability, check_shape

from . import kernels
from .dtypes import as_float_tensor, compute_dtype, shadow
from .interop import numpy_dtype
from .keep import KEEP_ALL, for_each_keep, keep_mask, keep_threshold
from .random import bernoulli, check_key

__all__ = ["dropout", "dropout_backward", "dropout_forward", "dropout_mask", "dropout_scale"]


@lru_cache(maxsize=256)  # a few µs of NumPy scalar arithmetic per call otherwise; a run uses a few p
def dropout_scale(p: float, dtype: torch.dtype) -> float:
    """See :func:`numpy_ref.dropout.dropout_scale`; a Python float that the computation dtype holds exactly."""
    return float(_reference_scale(p, numpy_dtype(dtype)))


def _mask_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def dropout_mask(key: object, p: float, shape: object, *, broadcast_dims: Sequence[int] = ()) -> torch.Tensor:
    """See :func:`numpy_ref.dropout.dropout_mask`; on the key's device."""
    p = check_probability("p", p)
    dims = check_shape(shape)
    axes = check_broadcast_dims(broadcast_dims, len(dims))
    return bernoulli(key, 1.0 - p, _mask_shape(dims, axes)).expand(dims).contiguous()


def dropout_forward(x: object, keep: object, p: float) -> torch.Tensor:
    """See :func:`numpy_ref.dropout.dropout_forward`."""
    x = as_float_tensor("x", x)
    check_keep(shadow(keep), shadow(x))
    p = check_probability("p", p)
    keep = torch.as_tensor(keep, device=x.device)
    scale = dropout_scale(p, x.dtype)
    x_c = x.to(compute_dtype(x.dtype))
    return torch.where(keep, x_c * scale, 0.0).to(x.dtype)


def dropout_backward(d_y: object, keep: object, p: float) -> torch.Tensor:
    """See :func:`numpy_ref.dropout.dropout_backward`: the forward map applied to ``d_y``."""
    return dropout_forward(d_y, keep, p)


def _masked_scale(x: torch.Tensor, key_words: torch.Tensor, p: float, axes: tuple[int, ...]) -> torch.Tensor:
    """``where(keep, x·s, +0.0)`` for the mask of ``(key, p)``, in the computation dtype, rounded to ``x.dtype``.

    Dropout's forward, and its backward applied to ``d_y``. This is the dispatch point for fused
    kernels (``torch_impl/kernels``: Triton on CUDA, C on the CPU): one pass that draws each word and
    scales the element in registers replaces the eager path below for the tensors it supports, with the
    same arguments and result. A constant mask (``p`` = 0 or 1) draws nothing and stays here.

    Eager path: each chunk of the mask (:func:`torch_impl.keep.for_each_keep`) is applied while it is
    still in cache, writing straight into the output.
    """
    scale = dropout_scale(p, x.dtype)
    threshold = keep_threshold(1.0 - p)
    if threshold not in (0, KEEP_ALL):
        fused = kernels.masked_scale(x, key_words, threshold, scale, axes)
        if fused is not None:
            return fused
    x_c = x.to(compute_dtype(x.dtype))
    if axes:
        keep = keep_mask(key_words, 1.0 - p, _mask_shape(tuple(x.shape), axes), x.device)
        return torch.where(keep, x_c * scale, 0.0).to(x.dtype)
    flat_x = x_c.reshape(-1)
    flat_y = torch.empty_like(flat_x)
    zero = torch.zeros((), dtype=x_c.dtype, device=x.device)

    def apply(offset: int, keep: torch.Tensor) -> None:
        y = flat_y[offset : offset + keep.numel()]
        torch.mul(flat_x[offset : offset + keep.numel()], scale, out=y)
        torch.where(keep, y, zero, out=y)

    for_each_keep(key_words, 1.0 - p, flat_x.numel(), x.device, apply)
    return flat_y.reshape(x.shape).to(x.dtype)


class _Dropout(torch.autograd.Function):
    """Inverted dropout whose backward *regenerates* the mask from the key instead of storing it.

    Why: the map is ``x ↦ keep·s·x``, linear and diagonal, so its backward is the same map applied to
    ``d_y`` (the reference's ``dropout_backward``), and ``keep`` is a function of ``(key, index)``
    alone. Saving the 8-byte key instead of the mask saves 1 byte per element of activation memory
    (256 MiB for 2**28 elements) at the price of drawing the words a second time: what a fused kernel
    (Triton on CUDA, C on the CPU) does in one pass anyway, and about the cost of the forward pass on
    the eager path. Since the backward is this same function, gradients of every order work.

    Written in the form whose ``forward`` takes ``ctx``: with a separate ``setup_context``,
    ``Function.apply`` binds the arguments through ``inspect.signature`` on every call (~30 µs on
    2 cores, more than the whole C kernel below ~1e5 elements). ``torch.func`` transforms need that
    form, so under them :class:`_DropoutForTransforms` runs instead (:func:`_apply`).
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, key_words: torch.Tensor, p: float, axes: tuple
    ) -> torch.Tensor:
        ctx.p, ctx.axes = p, axes
        ctx.save_for_backward(key_words)
        return _masked_scale(x, key_words, p, axes)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, d_y: torch.Tensor) -> tuple:
        (key_words,) = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: the backward differentiable in turn, by this same function
            return _apply(d_y, key_words, ctx.p, ctx.axes), None, None, None
        return _masked_scale(d_y, key_words, ctx.p, ctx.axes), None, None, None


class _DropoutForTransforms(_Dropout):
    """:class:`_Dropout` with ``setup_context``, the form ``torch.func.grad`` requires (neither has a vmap rule)."""

    @staticmethod
    def forward(x: torch.Tensor, key_words: torch.Tensor, p: float, axes: tuple) -> torch.Tensor:  # type: ignore[override]
        return _masked_scale(x, key_words, p, axes)

    @staticmethod
    def setup_context(ctx: torch.autograd.function.FunctionCtx, inputs: tuple, output: torch.Tensor) -> None:
        _, key_words, ctx.p, ctx.axes = inputs
        ctx.save_for_backward(key_words)


def _apply(x: torch.Tensor, key_words: torch.Tensor, p: float, axes: tuple) -> torch.Tensor:
    transforms = getattr(torch._C, "_are_functorch_transforms_active", lambda: False)()
    return (_DropoutForTransforms if transforms else _Dropout).apply(x, key_words, p, axes)


def dropout(
    x: object, p: float, key: object, *, training: bool = True, broadcast_dims: Sequence[int] = ()
) -> torch.Tensor:
    """See :func:`numpy_ref.dropout.dropout`; differentiable, the mask regenerated in the backward pass."""
    dtensor = sys.modules.get("torch.distributed.tensor")  # a DTensor exists only once its module is loaded
    if dtensor is not None and isinstance(x, dtensor.DTensor):
        from .distributed import dtensor_dropout  # imported here: torch_impl.distributed imports this module

        return dtensor_dropout(x, p, key, training=training, broadcast_dims=broadcast_dims)
    arr = as_float_tensor("x", x)
    p = check_probability("p", p)
    key_words = check_key(key)
    axes = (
        () if type(broadcast_dims) is tuple and not broadcast_dims else check_broadcast_dims(broadcast_dims, arr.ndim)
    )
    if not training:
        return x  # type: ignore[return-value]
    return _apply(arr, key_words, p, axes)
