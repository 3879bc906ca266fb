"""Hand-written gradients against float64 central differences, and the weight-decay identity."""

from __future__ import annotations

import numpy as np
from gradcheck import central_difference
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr

seeds = st.integers(0, 2**32 - 1)


@given(seeds, st.floats(0.0, 10.0))
def test_l2_penalty_grad_is_the_derivative_of_l2_penalty(seed, lam):
    rng = np.random.default_rng(seed)
    params = {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    mask = {"w": True, "b": False}
    grad = nr.l2_penalty_grad(params, lam, decay_mask=mask)
    for name in params:

        def f(leaf, name=name):
            return float(nr.l2_penalty({**params, name: leaf}, lam, decay_mask=mask))

        np.testing.assert_allclose(grad[name], central_difference(f, params[name]), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(grad["b"], 0.0)


@given(seeds, st.floats(0.0, 0.95), st.sampled_from([(), (1,), (0, 2)]))
def test_dropout_backward_is_the_vjp_of_dropout_forward(seed, p, dims):
    rng = np.random.default_rng(seed)
    x, d_y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    keep = nr.dropout_mask(nr.key(seed), p, x.shape, broadcast_dims=dims)
    numeric = central_difference(lambda z: float(np.sum(d_y * nr.dropout_forward(z, keep, p))), x)
    np.testing.assert_allclose(nr.dropout_backward(d_y, keep, p), numeric, rtol=1e-6, atol=1e-6)


@given(seeds, st.floats(0.0, 1.0), st.floats(0.0, 10.0))
def test_sgd_on_penalised_loss_is_the_weight_decay_step(seed, lr, lam):
    # One SGD step on loss + λ/2‖w‖² with ∇loss = g: w − lr(g + λw) = (1 − lr·λ)w − lr·g.
    rng = np.random.default_rng(seed)
    w, g = rng.standard_normal(50), rng.standard_normal(50)
    penalised = g + nr.l2_penalty_grad(w, lam)
    via_sgd, _ = nr.sgd_step(w, penalised, nr.sgd_init(w), lr=lr)
    identity = nr.weight_decay_step(w, g, lr, lam)
    np.testing.assert_allclose(via_sgd, identity, rtol=1e-13, atol=1e-13 * (1 + lr * lam))
    decoupled, _ = nr.sgd_step(w, g, nr.sgd_init(w), lr=lr, weight_decay=lam, decoupled=True)
    np.testing.assert_array_equal(decoupled, identity)  # the same formula, evaluated the same way
