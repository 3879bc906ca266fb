"""A correct backend whose random numbers come from NumPy's Philox generator seeded by the key: its masks
cannot be replayed from the reference's stream, so the suite holds them to structure and statistics."""

from collections.abc import Callable
from typing import Any

import numpy as np

from numpy_ref import *  # noqa: F403
from numpy_ref import dropout_forward
from numpy_ref.dtypes import as_float_array
from numpy_ref.random import check_key
from numpy_ref.validation import check_broadcast_dims, check_probability, check_shape

REPLAYABLE_MASKS = False
NAME = "own_rng"


def _generator(key: Any) -> np.random.Generator:
    k = check_key(key)
    return np.random.Generator(np.random.Philox(key=(int(k[0]) << 32) | int(k[1])))


def random_bits(k: Any, shape: Any) -> np.ndarray:
    return _generator(k).integers(0, 2**32, size=check_shape(shape), dtype=np.uint32)


def uniform(k: Any, shape: Any) -> np.ndarray:
    return _generator(k).random(size=check_shape(shape), dtype=np.float32)


def bernoulli(k: Any, q: float, shape: Any) -> np.ndarray:
    return uniform(k, shape) < np.float32(check_probability("q", q))


def dropout_functions(keep_probability: Callable[[float], float]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``(dropout_mask, dropout)`` keeping each element with probability ``keep_probability(p)``."""

    def dropout_mask(key: Any, p: float, shape: Any, *, broadcast_dims: Any = ()) -> np.ndarray:
        p, dims = check_probability("p", p), check_shape(shape)
        axes = check_broadcast_dims(broadcast_dims, len(dims))
        mask_shape = tuple(1 if i in axes else d for i, d in enumerate(dims))
        return np.array(np.broadcast_to(bernoulli(key, keep_probability(p), mask_shape), dims))

    def dropout(x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Any = ()) -> Any:
        arr = as_float_array("x", x)
        check_probability("p", p)
        check_key(key)
        check_broadcast_dims(broadcast_dims, arr.ndim)
        mask = dropout_mask(key, p, arr.shape, broadcast_dims=broadcast_dims)
        return dropout_forward(arr, mask, p) if training else x

    return dropout_mask, dropout


dropout_mask, dropout = dropout_functions(lambda p: 1.0 - p)
