"""The models of :mod:`numpy_ref.models` in JAX: the same forward passes, gradients by ``jax.grad``.

Names and signatures are the reference's; the hand-written ``*_backward`` functions have no
counterpart here, since ``jax.value_and_grad`` derives them. The loss-and-gradient functions are
jitted with ``lambd`` / ``rates`` static: they are Python scalars checked by the shared validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp

from numpy_ref.models import ONLY_W, check_rates

from .dropout import dropout
from .l2 import l2_penalty
from .random import split

__all__ = [
    "linear_forward",
    "linreg_loss_and_grads",
    "mc_dropout",
    "mlp_forward",
    "mlp_loss_and_grads",
    "relu_forward",
    "softmax",
    "softmax_cross_entropy",
    "squared_loss",
]


def linear_forward(x: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
    """See :func:`numpy_ref.models.linear_forward`."""
    return x @ w + b


def relu_forward(z: jax.Array) -> jax.Array:
    """See :func:`numpy_ref.models.relu_forward` (``jax.nn.relu``'s gradient at 0 is 0, as the reference's)."""
    return jax.nn.relu(z)


def squared_loss(y_hat: jax.Array, y: jax.Array) -> jax.Array:
    """See :func:`numpy_ref.models.squared_loss`."""
    return 0.5 * jnp.sum(jnp.square(y_hat - y)) / y.shape[0]


def softmax(z: jax.Array) -> jax.Array:
    """See :func:`numpy_ref.models.softmax`."""
    return jax.nn.softmax(z, axis=-1)


def softmax_cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """See :func:`numpy_ref.models.softmax_cross_entropy`."""
    log_probs = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=1))


def _linreg_loss(params: dict, x: jax.Array, y: jax.Array, lambd: float) -> jax.Array:
    return squared_loss(linear_forward(x, params["w"], params["b"]), y) + l2_penalty(params, lambd, decay_mask=ONLY_W)


_linreg_loss_and_grads = jax.jit(jax.value_and_grad(_linreg_loss), static_argnums=3)


def linreg_loss_and_grads(params: dict, x: jax.Array, y: jax.Array, lambd: float) -> tuple[jax.Array, dict]:
    """See :func:`numpy_ref.models.linreg_loss_and_grads`."""
    return _linreg_loss_and_grads(params, x, y, lambd)


def mlp_forward(params: list, x: jax.Array, rates: Sequence[float], key: jax.Array | None = None) -> jax.Array:
    """See :func:`numpy_ref.models.mlp_forward`."""
    rates = check_rates(params, rates)
    keys = split(key, len(rates)) if key is not None else [None] * len(rates)
    h = x
    for layer, k, p in zip(params[:-1], keys, rates):
        h = relu_forward(linear_forward(h, layer["w"], layer["b"]))
        h = dropout(h, p, k) if k is not None else h
    return linear_forward(h, params[-1]["w"], params[-1]["b"])


def _mlp_loss(params: list, x: jax.Array, labels: jax.Array, rates: tuple[float, ...], key: jax.Array) -> jax.Array:
    return softmax_cross_entropy(mlp_forward(params, x, rates, key), labels)


_mlp_loss_and_grads = jax.jit(jax.value_and_grad(_mlp_loss), static_argnums=3)


def mlp_loss_and_grads(
    params: list, x: jax.Array, labels: jax.Array, rates: Sequence[float], key: jax.Array
) -> tuple[jax.Array, list]:
    """See :func:`numpy_ref.models.mlp_loss_and_grads`."""
    return _mlp_loss_and_grads(params, x, labels, check_rates(params, rates), key)


@partial(jax.jit, static_argnums=2)
def _stochastic_probs(params: list, x: jax.Array, rates: tuple[float, ...], key: jax.Array) -> jax.Array:
    return softmax(mlp_forward(params, x, rates, key))


def mc_dropout(
    params: list, x: jax.Array, rates: Sequence[float], key: jax.Array, num_samples: int
) -> tuple[jax.Array, jax.Array]:
    """See :func:`numpy_ref.models.mc_dropout`."""
    rates = check_rates(params, rates)
    probs = jnp.stack([_stochastic_probs(params, x, rates, k) for k in split(key, num_samples)])
    return probs.mean(axis=0), probs.std(axis=0)
