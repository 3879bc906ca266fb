"""regref in JAX: every :mod:`numpy_ref` name, jitted, on JAX arrays and pytrees, on CPU, GPU and TPU.

The reference's docstrings are the documentation; each module here says only where the port departs
and which arguments are static under ``jit``. Also here: the conformance hooks (``asarray``,
``to_numpy``, ``vjp``, ``eager``, ``devices``, ``NAME``), and the ecosystem adapters
:mod:`jax_impl.optim` (optax) and :mod:`jax_impl.nn` (flax), imported on demand.

float64 needs ``jax_enable_x64``; without it a float64 input raises TypeError (see :mod:`jax_impl.dtypes`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from .adam import AdamState, adam_init, adam_step, adamw_step
from .dropout import dropout, dropout_backward, dropout_forward, dropout_mask
from .dtypes import check_x64
from .l2 import l2_penalty, l2_penalty_grad
from .random import bernoulli, fold_in, key, random_bits, split, uniform
from .sgd import SGDState, sgd_init, sgd_step
from .weight_decay import weight_decay_step

__all__ = [
    "NAME",
    "AdamState",
    "SGDState",
    "adam_init",
    "adam_step",
    "adamw_step",
    "asarray",
    "bernoulli",
    "devices",
    "dropout",
    "dropout_backward",
    "dropout_forward",
    "dropout_mask",
    "eager",
    "fold_in",
    "key",
    "l2_penalty",
    "l2_penalty_grad",
    "random_bits",
    "sgd_init",
    "sgd_step",
    "split",
    "to_numpy",
    "uniform",
    "vjp",
    "weight_decay_step",
]

NAME = "jax"

#: XLA flushes subnormal floats to zero in compiled code, on CPU and GPU (see :mod:`jax_impl.dtypes`).
SUBNORMALS = False


def __getattr__(name: str) -> Any:
    if name == "DTYPES":  # read when asked: float64 exists only while jax_enable_x64 is on
        return ("float16", "bfloat16", "float32") + (("float64",) if jax.config.jax_enable_x64 else ())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def asarray(x: np.ndarray, device: str | None = None) -> jax.Array:
    """A JAX array with ``x``'s values and dtype, on ``device`` (a name from :func:`devices`) if given."""
    x = np.asarray(x)
    check_x64("x", x.dtype)
    return jax.device_put(x, jax.devices(device)[0] if device else None)


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy of ``x`` with its dtype (bfloat16 as ``ml_dtypes.bfloat16``; typed keys as uint32)."""
    if jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key):
        x = jax.random.key_data(x)
    return np.array(x)


def vjp(fn: Callable[[Any], Any], primal: Any, cotangent: Any) -> Any:
    """JAX's autodiff gradient of ``sum(cotangent * fn(primal))`` with respect to ``primal``."""
    _, pullback = jax.vjp(fn, primal)
    return pullback(cotangent)[0]


def eager() -> contextlib.AbstractContextManager[None]:
    """Run everything op by op, uncompiled (``jax.disable_jit()``)."""
    return jax.disable_jit()


def devices() -> list[str]:
    """The platforms present: ``'cpu'`` and, where available, the default accelerator (``'gpu'``, ``'tpu'``)."""
    default = jax.default_backend()
    return ["cpu"] if default == "cpu" else ["cpu", default]
