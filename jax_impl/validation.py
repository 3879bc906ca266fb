"""The reference's argument checks (C13) applied to JAX values: concrete values checked, traced ones not.

A hyperparameter passed to a ``jax_impl`` function is either concrete (a Python or NumPy number, or a
concrete 0-d ``jax.Array``) and then goes through the very check :mod:`numpy_ref.validation` applies,
same exception and message; or it is a tracer (the caller jits over it, e.g. a learning-rate schedule),
and then its value does not exist yet: it is passed through unchecked and the kernel uses it as is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from numpy_ref.validation import check_betas

__all__ = ["checked", "checked_betas", "is_traced", "log", "zero_or_not"]


def is_traced(x: object) -> bool:
    """True for a value that only exists inside a trace (jit, grad, vmap): it cannot be validated."""
    return isinstance(x, jax.core.Tracer)


def checked(check: Callable[[str, object], float], name: str, value: Any) -> Any:
    """``check(name, value)`` for a concrete value (a Python float comes back); a tracer passes through."""
    if is_traced(value):
        return value
    return check(name, np.asarray(value) if isinstance(value, jax.Array) else value)


def checked_betas(betas: Any) -> tuple[Any, Any]:
    """Adam's ``betas`` through :func:`numpy_ref.validation.check_betas` unless one of them is traced."""
    if isinstance(betas, (tuple, list)):
        if len(betas) == 2 and any(map(is_traced, betas)):
            return betas[0], betas[1]
        if any(isinstance(b, jax.Array) for b in betas):
            betas = tuple(np.asarray(b) if isinstance(b, jax.Array) else b for b in betas)
    return check_betas(betas)


def log(x: Any) -> Any:
    """``ln x`` in float64 on the host for a concrete ``x`` (``-inf`` at 0), on the device if traced."""
    if is_traced(x):
        return jnp.log(x)
    return math.log(x) if x > 0.0 else -math.inf


def zero_or_not(value: Any) -> str:
    """``"off"`` / ``"on"`` for a concrete value that is / is not exactly 0 (a static choice, made on the
    exact value as the reference's ``if`` is: a tiny float64 that rounds to 0 in float32 is still "on"),
    ``"traced"`` when only the device will know."""
    return "traced" if is_traced(value) else "on" if value != 0.0 else "off"
