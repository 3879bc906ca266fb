"""Argument checks shared by every backend (convention C13).

Hyperparameters arrive as Python or NumPy scalars on every backend, so the checks live here once and
the ports call them: the same bad input raises the same exception class with the same message
everywhere. Bad *types* raise ``TypeError``, bad *values* raise ``ValueError``; each message names the
argument and shows the value.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "check_adam_hyperparameters",
    "check_betas",
    "check_block",
    "check_broadcast_dims",
    "check_finite",
    "check_nesterov",
    "check_nonnegative",
    "check_probability",
    "check_seed",
    "check_sgd_hyperparameters",
    "check_shape",
    "check_unit_interval",
]


def _real(name: str, value: object) -> float:
    """``value`` as a Python float; TypeError unless it is a real number (bools are rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
            return float(value)
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    return float(value)


def check_finite(name: str, value: object) -> float:
    """A finite real number (``dampening``)."""
    x = _real(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return x


def check_nonnegative(name: str, value: object) -> float:
    """A finite real number ``>= 0`` (``lr``, ``weight_decay``, ``eps``, ``momentum``)."""
    x = check_finite(name, value)
    if x < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return x


def check_probability(name: str, value: object) -> float:
    """A probability in the closed interval [0, 1] (dropout ``p``, Bernoulli ``q``); NaN is rejected."""
    x = _real(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


def check_unit_interval(name: str, value: object) -> float:
    """A number in the half-open interval [0, 1) (each of Adam's ``betas``)."""
    x = _real(name, value)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return x


def check_betas(betas: object) -> tuple[float, float]:
    """Adam's ``betas``: a pair, each in [0, 1)."""
    if not isinstance(betas, Sequence) or isinstance(betas, str) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return check_unit_interval("betas[0]", betas[0]), check_unit_interval("betas[1]", betas[1])


def check_nesterov(nesterov: bool, momentum: float, dampening: float) -> None:
    """Nesterov momentum needs ``momentum > 0`` and ``dampening == 0`` (as ``torch.optim.SGD``)."""
    if nesterov and (momentum <= 0.0 or dampening != 0.0):
        raise ValueError(
            f"nesterov=True needs momentum > 0 and dampening == 0, got momentum={momentum!r}, dampening={dampening!r}"
        )


def check_sgd_hyperparameters(
    lr: object, momentum: object, dampening: object, weight_decay: object, nesterov: bool
) -> tuple[float, float, float, float]:
    """``(lr, momentum, dampening, weight_decay)`` as floats, checked in this order, then the Nesterov rule:
    one order for every SGD entry point, so that several bad arguments name the same one everywhere."""
    lr = check_nonnegative("lr", lr)
    mu = check_nonnegative("momentum", momentum)
    tau = check_finite("dampening", dampening)
    lam = check_nonnegative("weight_decay", weight_decay)
    check_nesterov(nesterov, mu, tau)
    return lr, mu, tau, lam


def check_adam_hyperparameters(
    lr: object, betas: object, eps: object, weight_decay: object
) -> tuple[float, tuple[float, float], float, float]:
    """``(lr, (beta1, beta2), eps, weight_decay)`` as floats, checked in this order (as SGD's above)."""
    return (
        check_nonnegative("lr", lr),
        check_betas(betas),
        check_nonnegative("eps", eps),
        check_nonnegative("weight_decay", weight_decay),
    )


def _integer(name: str, value: object) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}") from None


def check_seed(seed: object) -> int:
    """An integer seed in [0, 2**64)."""
    s = _integer("seed", seed)
    if not 0 <= s < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed!r}")
    return s


def check_shape(shape: object, name: str = "shape") -> tuple[int, ...]:
    """A shape: an int or a sequence of non-negative ints."""
    dims = (shape,) if not isinstance(shape, Sequence) else tuple(shape)
    if isinstance(shape, str):
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}")
    out = tuple(_integer(name, d) for d in dims)
    if any(d < 0 for d in out):
        raise ValueError(f"{name} must have non-negative sizes, got {shape!r}")
    return out


def check_broadcast_dims(broadcast_dims: object, ndim: int) -> tuple[int, ...]:
    """Axes in [-ndim, ndim), normalised to non-negative and sorted (duplicates collapse)."""
    if isinstance(broadcast_dims, str) or not isinstance(broadcast_dims, Sequence):
        raise TypeError(f"broadcast_dims must be a sequence of ints, got {broadcast_dims!r}")
    axes = [_integer("broadcast_dims", d) for d in broadcast_dims]
    for d in axes:
        if not -ndim <= d < ndim:
            raise ValueError(f"broadcast_dims entry {d} is out of range for an array of {ndim} dims")
    return tuple(sorted({d % ndim for d in axes}))


def check_block(
    start: object, shape: tuple[int, ...], global_shape: object, *, known: Callable[[object], bool] = lambda s: True
) -> tuple[int, ...]:
    """``global_shape`` as ints, after checking that the block of ``shape`` at ``start`` lies inside it.

    For code that sees one shard of a global array (``jax_impl.sharding``, ``torch_impl.distributed``).
    Entries of ``start`` for which ``known`` is False (a traced shard offset) are not checked.
    """
    dims = check_shape(global_shape, "global_shape")
    if isinstance(start, str) or not isinstance(start, Sequence) or not len(start) == len(dims) == len(shape):
        raise ValueError(f"start {start!r} and global_shape {global_shape!r} need one entry per axis of {shape}")
    origin = {axis: np.asarray(s).item() for axis, s in enumerate(start) if known(s)}
    check_shape(tuple(origin.values()), "start")
    if any(int(s) + shape[axis] > dims[axis] for axis, s in origin.items()):
        raise ValueError(f"start {start!r} puts a block of shape {shape} outside global_shape {global_shape!r}")
    return dims
