"""torch port of :mod:`numpy_ref.random` (C10): keys are ``torch.uint32`` tensors of shape ``(2,)``.

Outputs live on the key's device. The arithmetic is int32 tensor ops (:mod:`torch_impl.threefry`),
bit-identical to the reference on every device.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from numpy_ref.random import check_key as _check_key_array
from numpy_ref.validation import check_probability, check_seed, check_shape

from . import kernels
from .dtypes import shadow
from .keep import keep_mask
from .threefry import Scratch, block, for_each_words, to_int32

__all__ = ["bernoulli", "check_key", "fold_in", "key", "random_bits", "split", "threefry2x32", "uniform"]


def key(seed: int) -> torch.Tensor:
    """See :func:`numpy_ref.random.key`; a CPU tensor."""
    s = check_seed(seed)
    return torch.tensor([to_int32(s >> 32), to_int32(s)], dtype=torch.int32).view(torch.uint32)


def check_key(k: object) -> torch.Tensor:
    """The reference's checks (uint32, shape ``(2,)``), then the key viewed as int32 words."""
    if isinstance(k, torch.Tensor) and k.dtype == torch.uint32 and k.shape == (2,):
        return k.view(torch.int32)  # what the checks pass, without building their NumPy stand-in (~5 µs)
    _check_key_array(shadow(k))
    if not isinstance(k, torch.Tensor):
        k = torch.from_numpy(np.array(k, dtype=np.uint32))
    return k.view(torch.int32)


def threefry2x32(k: object, counter: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """See :func:`numpy_ref.random.threefry2x32`; counter words are 32-bit tensors, the result uint32[2, n]."""
    x0, x1 = (c.reshape(-1).view(torch.int32).clone() for c in counter)
    return block(check_key(k), x0, x1).view(torch.uint32)


def split(k: object, num: int = 2) -> torch.Tensor:
    """See :func:`numpy_ref.random.split`."""
    words = check_key(k)
    (n,) = check_shape(num, "num")
    index = torch.arange(n, dtype=torch.int64, device=words.device).to(torch.int32)  # wraps as uint32 does
    return block(words, torch.zeros_like(index), index).T.contiguous().view(torch.uint32)


def fold_in(k: object, data: int) -> torch.Tensor:
    """See :func:`numpy_ref.random.fold_in`."""
    words = check_key(k)
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (int, np.integer)):
        raise TypeError(f"data must be an integer, got {data!r}")
    counter = torch.tensor([0, to_int32(int(data))], dtype=torch.int32, device=words.device)
    return block(words, counter[:1], counter[1:])[:, 0].contiguous().view(torch.uint32)


def random_bits(k: object, shape: object) -> torch.Tensor:
    """See :func:`numpy_ref.random.random_bits`."""
    words = check_key(k)
    dims = check_shape(shape)
    n = math.prod(dims)
    flat = kernels.random_bits(words, n)  # a C kernel for a CPU key
    if flat is None:
        flat = torch.empty(n, dtype=torch.int32, device=words.device)

        def store(offset: int, chunk: torch.Tensor, _: Scratch) -> None:
            flat[offset : offset + chunk.numel()] = chunk

        for_each_words(words, 0, n, words.device, store)
    return flat.view(torch.uint32).reshape(dims)


def uniform(k: object, shape: object) -> torch.Tensor:
    """See :func:`numpy_ref.random.uniform`."""
    bits = random_bits(k, shape).view(torch.int32)
    one_to_two = ((bits >> 9) & 0x7FFFFF) | 0x3F800000  # >> is arithmetic on int32: mask to make it logical
    return one_to_two.view(torch.float32) - 1.0


def bernoulli(k: object, q: float, shape: object) -> torch.Tensor:
    """See :func:`numpy_ref.random.bernoulli`; decided on the integer words, with the same result
    (:func:`torch_impl.keep.keep_threshold` has the proof)."""
    q = check_probability("q", q)
    words = check_key(k)
    return keep_mask(words, q, check_shape(shape), words.device)
