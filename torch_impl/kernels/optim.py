"""SGD and Adam updates in place, every tensor of a parameter group in one launch (:mod:`.groups`).

Each element follows :func:`numpy_ref.sgd_step` / :func:`numpy_ref.adam_step` op for op: the scalars
arrive as float64 and are rounded once to the computation dtype (as ``dtype.type(...)`` does), each
product and sum is its own IEEE operation (launched with ``enable_fp_fusion=False``: no contraction
into fused multiply-adds), and division and square root are the correctly rounded ``div_rn`` /
``sqrt_rn`` (Triton's ``/`` and ``sqrt`` on float32 are approximations). ``decay`` is a flag per
tensor (the decay mask); ``DECAY`` says where it enters (0 nowhere, 1 coupled, 2 decoupled).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

from .groups import TL_DTYPES, Launch, row_pointer, row_range
from .rules import COUPLED, DECOUPLED, adam_scalars, decay_kind, sgd_scalars

__all__ = ["BLOCK", "adam_", "sgd_"]

BLOCK = 1024
_NUM_WARPS = 4
_COUPLED, _DECOUPLED = tl.constexpr(COUPLED), tl.constexpr(DECOUPLED)


@triton.jit
def _c(x, ct: tl.constexpr):
    """A float64 scalar argument rounded once to ``ct`` (``tl.full`` also rounds in Triton's interpreter)."""
    return tl.full([], x, ct)


@triton.jit
def _div(a, b):
    if a.dtype == tl.float64:
        q = a / b  # div.rn.f64
    else:
        q = tl.div_rn(a, b)
    return q


@triton.jit
def _sqrt(a):
    if a.dtype == tl.float64:
        r = tl.sqrt(a)  # sqrt.rn.f64
    else:
        r = tl.sqrt_rn(a)
    return r


@triton.jit
def _direction(w, g, decay, lam, shrink, DECAY: tl.constexpr, MAXIMIZE: tl.constexpr):
    """``(w, d)`` after the decay piece: ``d = ±g (+ λw coupled)``, ``w·(1 − lr·λ)`` decoupled."""
    d = g * -1.0 if MAXIMIZE else g  # Triton's unary minus is 0 − g, which loses the sign of zero
    if DECAY == _COUPLED:
        d = tl.where(decay, d + _c(lam, w.dtype) * w, d)
    if DECAY == _DECOUPLED:
        w = tl.where(decay, w * _c(shrink, w.dtype), w)
    return w, d


@triton.jit
def _load(ptr, offsets, in_range, CT: tl.constexpr):
    return tl.load(ptr + offsets, mask=in_range).to(CT)


@triton.jit
def _sgd_kernel(
    table_ptr,
    owners_ptr,
    lr: tl.float64,
    mu: tl.float64,
    one_minus_tau: tl.float64,
    lam: tl.float64,
    shrink: tl.float64,
    DTYPE: tl.constexpr,
    CT: tl.constexpr,
    DECAY: tl.constexpr,
    MAXIMIZE: tl.constexpr,
    MOMENTUM: tl.constexpr,
    FIRST: tl.constexpr,
    NESTEROV: tl.constexpr,
    ALIGNED: tl.constexpr,
    BLOCK: tl.constexpr,
):
    row, i, in_range, decay = row_range(table_ptr, owners_ptr, 6, 3, ALIGNED, BLOCK)
    w_ptr = row_pointer(row, 0, DTYPE, ALIGNED)
    b_ptr = row_pointer(row, 2, DTYPE, ALIGNED)
    w = _load(w_ptr, i, in_range, CT)
    w, d = _direction(
        w, _load(row_pointer(row, 1, DTYPE, ALIGNED), i, in_range, CT), decay != 0, lam, shrink, DECAY, MAXIMIZE
    )
    if MOMENTUM:
        if FIRST:
            b = d  # torch's convention: the first step copies d, without dampening
        else:
            b = _c(mu, CT) * _load(b_ptr, i, in_range, CT) + _c(one_minus_tau, CT) * d
        d = d + _c(mu, CT) * b if NESTEROV else b
        tl.store(b_ptr + i, b.to(DTYPE), mask=in_range)
    tl.store(w_ptr + i, (w - _c(lr, CT) * d).to(DTYPE), mask=in_range)


@triton.jit
def _adam_kernel(
    table_ptr,
    owners_ptr,
    lr: tl.float64,
    beta1: tl.float64,
    one_minus_beta1: tl.float64,
    beta2: tl.float64,
    one_minus_beta2: tl.float64,
    correction1: tl.float64,
    correction2: tl.float64,
    eps: tl.float64,
    lam: tl.float64,
    shrink: tl.float64,
    DTYPE: tl.constexpr,
    CT: tl.constexpr,
    DECAY: tl.constexpr,
    MAXIMIZE: tl.constexpr,
    AMSGRAD: tl.constexpr,
    ALIGNED: tl.constexpr,
    BLOCK: tl.constexpr,
):
    row, i, in_range, decay = row_range(table_ptr, owners_ptr, 8, 5, ALIGNED, BLOCK)
    w_ptr = row_pointer(row, 0, DTYPE, ALIGNED)
    m_ptr = row_pointer(row, 2, DTYPE, ALIGNED)
    v_ptr = row_pointer(row, 3, DTYPE, ALIGNED)
    w = _load(w_ptr, i, in_range, CT)
    w, d = _direction(
        w, _load(row_pointer(row, 1, DTYPE, ALIGNED), i, in_range, CT), decay != 0, lam, shrink, DECAY, MAXIMIZE
    )
    m = _c(beta1, CT) * _load(m_ptr, i, in_range, CT) + _c(one_minus_beta1, CT) * d
    v = _c(beta2, CT) * _load(v_ptr, i, in_range, CT) + _c(one_minus_beta2, CT) * (d * d)
    v_hat = v
    if AMSGRAD:
        v_max_ptr = row_pointer(row, 4, DTYPE, ALIGNED)
        v_hat = tl.maximum(_load(v_max_ptr, i, in_range, CT), v, propagate_nan=tl.PropagateNan.ALL)
        tl.store(v_max_ptr + i, v_hat.to(DTYPE), mask=in_range)
    m_hat = _div(m, _c(correction1, CT))
    v_hat = _div(v_hat, _c(correction2, CT))
    w = w - _div(_c(lr, CT) * m_hat, _sqrt(v_hat) + _c(eps, CT))
    tl.store(w_ptr + i, w.to(DTYPE), mask=in_range)
    tl.store(m_ptr + i, m.to(DTYPE), mask=in_range)
    tl.store(v_ptr + i, v.to(DTYPE), mask=in_range)


def _types(dtype: torch.dtype) -> dict:
    return {"DTYPE": TL_DTYPES[dtype], "CT": tl.float64 if dtype == torch.float64 else tl.float32}


def _run(
    kernel: triton.JITFunction, columns: list[list[torch.Tensor]], decay: list[bool], *scalars: float, **flags: object
) -> None:
    launch = Launch(columns, [int(on) for on in decay], BLOCK)
    if launch.grid[0]:
        kernel[launch.grid](
            launch.table,
            launch.owners,
            *scalars,
            **_types(columns[0][0].dtype),
            **flags,
            ALIGNED=launch.aligned,
            BLOCK=BLOCK,
            num_warps=_NUM_WARPS,
            enable_fp_fusion=False,
        )


def sgd_(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    buffers: list[torch.Tensor],
    decay: list[bool],
    step: int,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    decoupled: bool,
    maximize: bool,
) -> None:
    """One :func:`numpy_ref.sgd_step` written into ``params`` and ``buffers`` (one dtype, contiguous, one device)."""
    _run(
        _sgd_kernel,
        [params, grads, buffers],
        decay,
        *sgd_scalars(lr, momentum, dampening, weight_decay),
        DECAY=decay_kind(weight_decay, decoupled),
        MAXIMIZE=maximize,
        MOMENTUM=momentum != 0.0,
        FIRST=step == 0,
        NESTEROV=nesterov,
    )


def adam_(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    m: list[torch.Tensor],
    v: list[torch.Tensor],
    v_max: list[torch.Tensor],
    decay: list[bool],
    step: int,
    *,
    lr: float,
    betas: tuple[float, float],
    eps: float,
    weight_decay: float,
    decoupled: bool,
    amsgrad: bool,
    maximize: bool,
) -> None:
    """One :func:`numpy_ref.adam_step` written into ``params``, ``m``, ``v`` and ``v_max`` (as :func:`sgd_`)."""
    _run(
        _adam_kernel,
        [params, grads, m, v, v_max],
        decay,
        *adam_scalars(step, lr, betas, eps, weight_decay),
        DECAY=decay_kind(weight_decay, decoupled),
        MAXIMIZE=maximize,
        AMSGRAD=amsgrad,
    )
