"""Fused dropout on the CPU: the Triton kernel's one pass, compiled by ``torch.compile`` (Inductor's C++).

The eager CPU path draws the stream with ~125 in-place tensor ops per chunk (:mod:`torch_impl.threefry`);
compiled, the 20 Threefry rounds, the keep decision and the scaling of each element happen in
registers, in one vectorised loop over the tensor on torch's intra-op threads: no mask, no scratch,
4 bytes read and 4 written per float32 element. Same bits as the eager path (the tests hold both to
:mod:`numpy_ref`): the words are int32 with two's-complement wrap, the logical shift is
``(x >> s) & (2**(32 - s) - 1)`` as in :mod:`torch_impl.threefry`, and the float part is the eager
path's ``where(keep, x_c·s, 0)`` in the computation dtype, rounded once to ``x.dtype``.

Tiering. Compiling costs seconds — measured on 2 cores: 24 s with a cold Inductor cache, 4 s warm —
once per process and dtype, more than most single calls are worth. So by default (``auto``) a process
starts on the eager path and switches once it has sent :data:`HOT_ELEMENTS` elements through CPU
dropout (2**30: about 10 s of eager drawing at ~110 M words/s), the point where a training loop has
shown that the compile pays for itself. ``REGREF_CPU_COMPILE=1`` compiles from the first call,
``REGREF_CPU_COMPILE=0`` never; :func:`torch_impl.kernels.cpu_compiled` forces it inside a block.
If compiling fails (no C++ compiler, say), the eager path is used from then on and
:func:`torch_impl.kernels.status` says why.
"""

from __future__ import annotations

import warnings
from functools import cache

import torch

from numpy_ref.random import ROTATIONS

from ..dtypes import compute_dtype
from ..keep import KEEP_ALL
from ..threefry import Constant, _schedule, to_int32

__all__ = ["HOT_ELEMENTS", "masked_scale"]

HOT_ELEMENTS = 1 << 30
_SIGN = -(1 << 31)
_compiled_dtypes: set[torch.dtype] = set()  # compiled already: called without the warnings filter


def _fused(x: torch.Tensor, consts: torch.Tensor, start: torch.Tensor, bound: torch.Tensor, scale: torch.Tensor):
    """``where(keep, x·s, 0)`` over flat ``x``, element ``j`` keyed by the counter ``start + j``.

    ``consts`` are :func:`torch_impl.threefry._schedule`'s 12 int32 words; ``bound`` is the keep
    threshold ``T·2**9 − 2**31`` in int32 order (:func:`torch_impl.keep.keep_from_words`); ``start``
    an int64 and ``scale`` a scalar in the computation dtype, both 0-d tensors so that one compiled
    graph serves every key, probability and size. The rounds are :func:`torch_impl.threefry._rounds`
    written as pure expressions: traced as they stand there (in place, through a scratch buffer), they
    compiled to a loop half as fast (42 against 23 ms for 1e7 float32 elements on 2 cores).
    """
    index = torch.arange(x.shape[0], dtype=torch.int64) + start
    x0 = (index >> 32).to(torch.int32) + consts[0]
    x1 = index.to(torch.int32) + consts[1]
    for group in range(5):
        for r in ROTATIONS[group % 2]:
            x0 = x0 + x1
            x1 = (((x1 >> (32 - r)) & ((1 << r) - 1)) | (x1 << r)) ^ x0
        x0 = x0 + consts[2 + 2 * group]
        x1 = x1 + consts[3 + 2 * group]
    keep = ((x0 ^ x1) ^ _SIGN) < bound
    return torch.where(keep, x.to(scale.dtype) * scale, 0.0).to(x.dtype)


@cache
def _compiled():
    return torch.compile(_fused, dynamic=True, fullgraph=True)


def masked_scale(x: torch.Tensor, key_words: torch.Tensor, threshold: int, scale: float) -> torch.Tensor | None:
    """``torch_impl.dropout._masked_scale`` for a CPU tensor without broadcast axes.

    None (the eager path) for constant masks and for fewer than 2 elements, which the compiler would
    specialise a second graph for.
    """
    if threshold in (0, KEEP_ALL) or x.numel() < 2:
        return None
    consts: list[Constant] = _schedule(key_words.cpu(), torch.device("cpu"))  # Python ints
    x = x.detach().contiguous()
    # A flat alias with no view base and no autograd: the compiled graph guards on neither, so one graph
    # per dtype serves every shape, view and requires_grad (a view would add guards on its base's shape).
    flat = torch.empty(0, dtype=x.dtype).set_(x.untyped_storage(), x.storage_offset(), (x.numel(),), (1,))
    args = (
        flat,
        torch.tensor(consts, dtype=torch.int32),
        torch.tensor(0, dtype=torch.int64),
        torch.tensor(to_int32((threshold << 9) + _SIGN), dtype=torch.int32),
        torch.tensor(scale, dtype=compute_dtype(x.dtype)),
    )
    if x.dtype in _compiled_dtypes:
        return _compiled()(*args).reshape(x.shape)
    with warnings.catch_warnings():  # compiling: Inductor's imports warn about torch's own deprecated APIs
        warnings.simplefilter("ignore", DeprecationWarning)
        y = _compiled()(*args)
    _compiled_dtypes.add(x.dtype)
    return y.reshape(x.shape)
