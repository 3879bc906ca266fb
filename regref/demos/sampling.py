"""Every random draw of the demos, taken from the portable stream :mod:`numpy_ref.random`.

One seed fixes the data, the initial weights, the minibatch order and the dropout keys; all of them
are drawn here, once, with NumPy, and the same arrays are handed to every backend. Only the dropout
*masks* are drawn by each backend itself, from the same keys (bit-identical by convention C10).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import numpy_ref

__all__ = ["Keys", "minibatches", "normal", "permutation", "step_key", "streams", "uniform_between"]


class Keys(NamedTuple):
    """Independent keys for the uses of randomness in a run (``mc``: Monte-Carlo dropout at inference)."""

    data: np.ndarray
    init: np.ndarray
    shuffle: np.ndarray
    dropout: np.ndarray
    mc: np.ndarray


def streams(seed: int) -> Keys:
    """``split(key(seed), 5)``: one key per use, so changing one use's draws leaves the others alone."""
    return Keys(*numpy_ref.split(numpy_ref.key(seed), len(Keys._fields)))


def normal(key: np.ndarray, shape: tuple[int, ...], std: float = 1.0) -> np.ndarray:
    r"""Standard normal float32 samples by Box–Muller over two uniforms ``u₁, u₂ ∈ [0, 1)``.

    .. math:: z = \sqrt{-2 \ln(1 - u_1)}\, \cos(2\pi u_2)

    (``1 − u₁ ∈ (0, 1]``, so the logarithm is finite; the 23-bit uniforms cap ``|z|`` near 5.6.)
    """
    size = int(np.prod(shape, dtype=np.int64))
    u1, u2 = numpy_ref.uniform(key, (2, size)).astype(np.float64)
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    return (std * z).reshape(shape).astype(np.float32)


def uniform_between(key: np.ndarray, shape: tuple[int, ...], low: float, high: float) -> np.ndarray:
    """float32 samples from ``U(low, high)``."""
    u = numpy_ref.uniform(key, shape).astype(np.float64)
    return (low + (high - low) * u).astype(np.float32)


def permutation(key: np.ndarray, n: int) -> np.ndarray:
    """A permutation of ``range(n)``: the order that sorts ``n`` random 32-bit words (ties by index)."""
    return np.argsort(numpy_ref.random_bits(key, (n,)), kind="stable")


def minibatches(key: np.ndarray, epoch: int, n: int, batch_size: int) -> list[np.ndarray]:
    """Index arrays of one epoch's shuffled minibatches (the last one may be short), keyed by epoch."""
    order = permutation(numpy_ref.fold_in(key, epoch), n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def step_key(key: np.ndarray, step: int) -> np.ndarray:
    """The dropout key of optimisation step ``step``: ``fold_in(key, step)``."""
    return numpy_ref.fold_in(key, step)
