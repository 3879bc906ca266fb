"""The CPU's fused kernels: C loops (``csrc/``) built once per machine (:mod:`.clib`) and called through ctypes.

What runs in C, each in one pass over memory, on torch's own OpenMP threads (``csrc/common.h``):

- ``stream.c``: the Threefry words (``random_bits``), the keep mask (``bernoulli``, ``dropout_mask``,
  dropout with ``broadcast_dims``) and dropout's ``where(keep, x·s, +0.0)``, each element's word drawn
  in registers (no mask, no scratch: 4 bytes read and 4 written per float32 element);
- ``sgd.c``, ``adam.c``: SGD and Adam steps in place over every tensor of a group, rounded as
  :mod:`numpy_ref` rounds (no contraction into fused multiply-adds; IEEE division and square root).

Same bits as the tensor-op paths (the tests hold both to :mod:`numpy_ref`).

Why C through ctypes (measured on this project's 2-core machine, torch 2.13, GCC 12, under the load
of other jobs; BENCHMARKS.md has the timings):

- *Tensor ops* (the fallback): the Threefry rounds are ~250 in-place ops per chunk of words, ~0.3 ms
  of fixed cost per call before any element is drawn (``F.dropout``: 17 µs at 1e3 elements).
- *torch.compile (Inductor)*, the previous CPU path, compiles the same one-pass loop, but a process
  pays 24 s per dtype with a cold cache and 4–7 s with a warm one (Dynamo traces the function again
  even when the compiled code comes from the cache): far over the 1 s a call may cost.
- *A torch C++ extension* (``torch.utils.cpp_extension.load_inline``) is compiled against torch's
  headers: 30 s cold (12 ms to load once built). A plain C file includes no torch header: ~0.3 s
  cold per library, ~1 ms to load from the cache, a few µs per call through ctypes (which releases
  the GIL).
- *NumPy* (``numpy_ref.random_bits``, ~150 M words/s) still issues one array op per round: 102 µs
  for the words alone at 1e3 elements, and no fused scaling.

If no compiler is found or the build fails, the dispatch (:mod:`torch_impl.kernels`) logs why and
the tensor-op paths run; ``REGREF_CPU_COMPILE=0`` never builds, ``=1`` raises instead of falling back.
"""

from __future__ import annotations

import ctypes
from functools import cache

import torch

from . import clib
from .rules import adam_scalars, decay_kind, sgd_scalars

__all__ = ["adam_", "keep_mask", "masked_scale", "random_bits", "sgd_"]

_CODES = {torch.float16: 0, torch.bfloat16: 1, torch.float32: 2, torch.float64: 3}  # as in csrc/common.h
_U32, _I64, _F64, _INT, _PTR = ctypes.c_uint32, ctypes.c_int64, ctypes.c_double, ctypes.c_int, ctypes.c_void_p
_SIGNATURES = {
    "stream": {
        "regref_words": [_U32, _U32, ctypes.c_uint64, _I64, _PTR, _INT],
        "regref_keep": [_U32, _U32, ctypes.c_uint64, _I64, _U32, _PTR, _INT],
        "regref_dropout": [_INT, _U32, _U32, _I64, _U32, _F64, _PTR, _PTR, _INT],
    },
    "sgd": {"regref_sgd": [_INT, _PTR, _INT, *[_F64] * 5, *[_INT] * 5, _INT]},
    "adam": {"regref_adam": [_INT, _PTR, _INT, *[_F64] * 10, *[_INT] * 3, _INT]},
}


@cache
def _library(name: str) -> ctypes.CDLL:
    library = clib.load(name)
    for function, argtypes in _SIGNATURES[name].items():
        getattr(library, function).argtypes = argtypes
        getattr(library, function).restype = None
    return library


def _key(key_words: torch.Tensor) -> list[int]:
    return [w & 0xFFFFFFFF for w in key_words.tolist()]


def masked_scale(x: torch.Tensor, key_words: torch.Tensor, threshold: int, scale: float) -> torch.Tensor:
    """``torch_impl.dropout._masked_scale`` for a CPU tensor, no broadcast axes and ``0 < threshold < 2**23``."""
    x = x.contiguous()
    y = torch.empty_like(x)
    threads = torch.get_num_threads()
    _library("stream").regref_dropout(
        _CODES[x.dtype], *_key(key_words), x.numel(), threshold << 9, scale, x.data_ptr(), y.data_ptr(), threads
    )
    return y


def random_bits(key_words: torch.Tensor, n: int) -> torch.Tensor:
    """The stream's first ``n`` words, as int32."""
    out = torch.empty(n, dtype=torch.int32)
    _library("stream").regref_words(*_key(key_words), 0, n, out.data_ptr(), torch.get_num_threads())
    return out


def keep_mask(key_words: torch.Tensor, threshold: int, n: int) -> torch.Tensor:
    """The first ``n`` keep decisions ``bits >> 9 < threshold`` (``0 < threshold < 2**23``), as bool."""
    out = torch.empty(n, dtype=torch.bool)
    _library("stream").regref_keep(*_key(key_words), 0, n, threshold << 9, out.data_ptr(), torch.get_num_threads())
    return out


def _table(columns: list[list[torch.Tensor]], decay: list[bool]) -> ctypes.Array:
    """One row per tensor: the addresses of its column entries, its numel, its decay flag."""
    values = []
    for *row, on in zip(*columns, decay):
        values += [t.data_ptr() for t in row]
        values += (row[0].numel(), on)
    return (_I64 * len(values))(*values)


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
    """:func:`torch_impl.kernels.optim.sgd_` on the CPU: one dtype, contiguous tensors, written in place."""
    _library("sgd").regref_sgd(
        _CODES[params[0].dtype],
        _table([params, grads, buffers], decay),
        len(params),
        *sgd_scalars(lr, momentum, dampening, weight_decay),
        decay_kind(weight_decay, decoupled),
        maximize,
        momentum != 0.0,
        step == 0,
        nesterov,
        torch.get_num_threads(),
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
    """:func:`torch_impl.kernels.optim.adam_` on the CPU (as :func:`sgd_`)."""
    _library("adam").regref_adam(
        _CODES[params[0].dtype],
        _table([params, grads, m, v, v_max], decay),
        len(params),
        *adam_scalars(step, lr, betas, eps, weight_decay),
        decay_kind(weight_decay, decoupled),
        maximize,
        amsgrad,
        torch.get_num_threads(),
    )
