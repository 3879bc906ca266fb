"""The optax transformations and flax modules against the reference, in short training loops."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import jax_impl as jx
import numpy_ref as nr
from conformance.ulp import ulp_distance
from jax_impl import nn as jnn
from jax_impl import optim
from numpy_ref.models import mlp_loss_and_grads

STEPS = 20
RNG = np.random.default_rng(0)
X_REG = RNG.standard_normal((32, 5)).astype(np.float32)
Y_REG = (X_REG @ RNG.standard_normal(5) + 0.3).astype(np.float32)


@jax.jit
@jax.grad
def _regression_grads(params: dict) -> jax.Array:
    return jnp.mean((X_REG @ params["w"] + params["b"] - Y_REG) ** 2)


CASES = {
    "sgd nesterov, coupled decay on w": (
        optim.sgd(0.05, momentum=0.9, nesterov=True, weight_decay=0.01, decay_mask={"w": True, "b": False}),
        nr.sgd_init,
        lambda p, g, s: nr.sgd_step(
            p, g, s, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, decay_mask={"w": True, "b": False}
        ),
    ),
    "sgd decoupled, dampening, maximize": (
        optim.sgd(0.01, momentum=0.5, dampening=0.3, weight_decay=0.1, decoupled=True, maximize=True),
        nr.sgd_init,
        lambda p, g, s: nr.sgd_step(
            p, g, s, lr=0.01, momentum=0.5, dampening=0.3, weight_decay=0.1, decoupled=True, maximize=True
        ),
    ),
    "adamw, matrices decayed": (
        optim.adamw(0.05, weight_decay=0.1, decay_mask=lambda w: w.ndim > 0),
        nr.adam_init,
        lambda p, g, s: nr.adamw_step(p, g, s, lr=0.05, weight_decay=0.1, decay_mask=lambda w: w.ndim > 0),
    ),
    "adam amsgrad, coupled": (
        optim.adam(0.05, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True),
        nr.adam_init,
        lambda p, g, s: nr.adam_step(p, g, s, lr=0.05, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optax_transformation_follows_the_reference(case):
    """Linear regression in float32: the same gradient function drives both loops, and the parameters
    stay bit-identical (x64 on, so that Adam's bias corrections are the reference's too; the optax
    round trip ``p + (new − p)`` is exact here since no weight crosses zero after the first step)."""
    transformation, init, reference_step = CASES[case]
    ref = {"w": np.zeros(5, np.float32), "b": np.zeros((), np.float32)}
    with jax.enable_x64(True):
        params, state, ref_state = jax.tree.map(jnp.asarray, ref), transformation.init(ref), init(ref)
        update = jax.jit(transformation.update)
        for _ in range(STEPS):
            updates, state = update(_regression_grads(params), state, params)
            params = optax.apply_updates(params, updates)
            ref, ref_state = reference_step(ref, jax.tree.map(jx.to_numpy, _regression_grads(ref)), ref_state)
            ulps = jax.tree.map(lambda a, b: ulp_distance(jx.to_numpy(a), b).max(), params, ref)
            assert max(jax.tree.leaves(ulps)) == 0, ulps
    assert int(state.step) == STEPS


def test_optax_schedule_and_no_params():
    transformation = optim.sgd(optax.piecewise_constant_schedule(0.1, {3: 0.5}), momentum=0.9)
    params = {"w": jnp.ones(3)}
    state = transformation.init(params)
    for _ in range(5):
        updates, state = jax.jit(transformation.update)({"w": jnp.ones(3)}, state, params)
        params = optax.apply_updates(params, updates)
    ref, ref_state = {"w": np.ones(3, np.float32)}, nr.sgd_init({"w": np.ones(3, np.float32)})
    for i in range(5):
        ref, ref_state = nr.sgd_step(
            ref, {"w": np.ones(3, np.float32)}, ref_state, lr=0.1 if i < 3 else 0.05, momentum=0.9
        )
    np.testing.assert_allclose(jx.to_numpy(params["w"]), ref["w"], rtol=1e-6)
    with pytest.raises(ValueError, match="params"):
        transformation.update({"w": jnp.ones(3)}, state)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optim.adamw(-1.0)


class _MLP(nn.Module):
    rate: float

    @nn.compact
    def __call__(self, x: jax.Array, key: jax.Array) -> jax.Array:
        h = nn.relu(nn.Dense(16, param_dtype=jnp.float64)(x))
        h = jnn.Dropout(self.rate)(h, deterministic=False, rng=key)
        return nn.Dense(3, param_dtype=jnp.float64)(h)


def test_flax_dropout_and_optax_adamw_train_like_the_reference():
    """An MLP with dropout trained 20 steps in flax + optax and in numpy_ref by hand-written backprop
    (float64): identical masks keep the two within rounding of each other."""
    rate, lr, lam = 0.3, 0.01, 0.05
    x = np.random.default_rng(1).standard_normal((64, 4))
    labels = np.random.default_rng(2).integers(0, 3, 64)
    with jax.enable_x64(True):
        model = _MLP(rate)
        params = model.init(jax.random.key(0), x, jx.key(0))
        ref = [
            {"w": np.asarray(layer["kernel"]), "b": np.asarray(layer["bias"])} for layer in params["params"].values()
        ]
        transformation = optim.adamw(lr, weight_decay=lam, decay_mask=lambda w: w.ndim > 1)
        state, ref_state = transformation.init(params), nr.adam_init(ref)

        @jax.jit
        def train_step(params: dict, state: object, key: jax.Array) -> tuple[dict, object]:
            def loss(p: dict) -> jax.Array:
                logits = model.apply(p, x, jx.split(key, 1)[0])
                return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

            updates, state = transformation.update(jax.grad(loss)(params), state, params)
            return optax.apply_updates(params, updates), state

        for key in nr.split(nr.key(42), STEPS):
            params, state = train_step(params, state, key)
            _, grads = mlp_loss_and_grads(ref, x, labels, [rate], key)
            ref, ref_state = nr.adamw_step(
                ref, grads, ref_state, lr=lr, weight_decay=lam, decay_mask=lambda w: w.ndim > 1
            )
        for layer, want in zip(params["params"].values(), ref):
            np.testing.assert_allclose(np.asarray(layer["kernel"]), want["w"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(np.asarray(layer["bias"]), want["b"], rtol=1e-9, atol=1e-12)


def test_nnx_dropout_applies_the_reference_mask_and_gradient():
    x = np.linspace(-2, 2, 40, dtype=np.float32).reshape(5, 8)
    layer = jnn.NnxDropout(0.4, broadcast_dims=(0,))
    y, pullback = jax.vjp(lambda a: layer(a, rngs=jx.key(9)), jnp.asarray(x))
    keep = nr.dropout_mask(nr.key(9), 0.4, x.shape, broadcast_dims=(0,))
    np.testing.assert_array_equal(jx.to_numpy(y), nr.dropout_forward(x, keep, 0.4))
    np.testing.assert_array_equal(jx.to_numpy(pullback(jnp.asarray(x))[0]), nr.dropout_backward(x, keep, 0.4))
    assert layer(x, deterministic=True) is x
    streamed = jnn.NnxDropout(0.4, rngs=nnx.Rngs(dropout=0))
    assert not np.array_equal(jx.to_numpy(streamed(x)), jx.to_numpy(streamed(x)))  # the stream advances
