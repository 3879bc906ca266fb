"""numpy_ref.models: every hand-written backward pass against float64 central differences."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from gradcheck import central_difference

import numpy_ref as nr
from numpy_ref import models as m

SEEDS = [0, 1, 2]


def assert_grad(analytic: np.ndarray, f, x: np.ndarray) -> None:
    np.testing.assert_allclose(analytic, central_difference(f, x), rtol=1e-6, atol=1e-8)


def mlp_params(rng: np.random.Generator, sizes=(4, 6, 5, 3)) -> list[dict[str, np.ndarray]]:
    return [{"w": rng.standard_normal((a, b)), "b": 0.1 * rng.standard_normal(b)} for a, b in pairwise(sizes)]


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_backward_is_the_vjp_of_linear_forward(seed):
    rng = np.random.default_rng(seed)
    x, w, b, d_y = (
        rng.standard_normal((5, 3)),
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
        rng.standard_normal((5, 2)),
    )
    d_x, d_w, d_b = m.linear_backward(d_y, x, w)
    assert_grad(d_x, lambda x_: np.sum(d_y * m.linear_forward(x_, w, b)), x)
    assert_grad(d_w, lambda w_: np.sum(d_y * m.linear_forward(x, w_, b)), w)
    assert_grad(d_b, lambda b_: np.sum(d_y * m.linear_forward(x, w, b_)), b)


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_backward_is_the_vjp_of_relu_forward_away_from_the_kink(seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((4, 5))
    z[np.abs(z) < 1e-3] = 0.5  # central differences straddle the kink within h of 0
    d_h = rng.standard_normal(z.shape)
    assert_grad(m.relu_backward(d_h, z), lambda z_: np.sum(d_h * m.relu_forward(z_)), z)


def test_relu_gradient_at_the_kink_is_zero():
    np.testing.assert_array_equal(m.relu_backward(np.ones(3), np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_squared_loss_backward_is_its_derivative(seed):
    rng = np.random.default_rng(seed)
    y_hat, y = rng.standard_normal((6, 1)), rng.standard_normal((6, 1))
    assert_grad(m.squared_loss_backward(y_hat, y), lambda y_hat_: m.squared_loss(y_hat_, y), y_hat)


def test_squared_loss_is_half_the_mean_square_error():
    # ½(1² + 3²) / 2 = 2.5
    assert m.squared_loss(np.array([[1.0], [4.0]]), np.array([[0.0], [1.0]])) == 2.5


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_backward_is_its_derivative(seed):
    rng = np.random.default_rng(seed)
    logits, labels = 3 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    grad = m.softmax_cross_entropy_backward(logits, labels)
    assert_grad(grad, lambda z: m.softmax_cross_entropy(z, labels), logits)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)  # softmax − onehot sums to 0 per row


def test_softmax_cross_entropy_known_values():
    # uniform logits: −log(1/k); logits (0, log 3) with label 1: −log(3/4)
    assert m.softmax_cross_entropy(np.zeros((2, 5)), np.array([0, 3])) == pytest.approx(np.log(5))
    assert m.softmax_cross_entropy(np.array([[0.0, np.log(3.0)]]), np.array([1])) == pytest.approx(-np.log(0.75))
    assert np.isfinite(m.softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1])))  # stabilised


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lambd", [0.0, 3.0])
def test_linreg_grads_are_the_derivative_of_the_penalised_loss(seed, lambd):
    rng = np.random.default_rng(seed)
    params = {"w": rng.standard_normal((8, 1)), "b": rng.standard_normal(1)}
    x, y = rng.standard_normal((5, 8)), rng.standard_normal((5, 1))
    loss, grads = m.linreg_loss_and_grads(params, x, y, lambd)
    for name in params:
        assert_grad(
            grads[name], lambda leaf, n=name: m.linreg_loss_and_grads({**params, n: leaf}, x, y, lambd)[0], params[name]
        )
    unpenalised = m.linreg_loss_and_grads(params, x, y, 0.0)
    assert loss - unpenalised[0] == pytest.approx(lambd / 2 * np.sum(params["w"] ** 2))  # b is spared
    np.testing.assert_array_equal(grads["b"], unpenalised[1]["b"])


def mlp_loss(params, x, labels, rates, key) -> float:
    return float(m.softmax_cross_entropy(m.mlp_forward(params, x, rates, key), labels))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rates", [(0.0, 0.0), (0.3, 0.5), (0.5, 1.0)])
def test_mlp_grads_are_the_derivative_of_the_loss_with_the_same_masks(seed, rates):
    rng = np.random.default_rng(seed)
    params, x, labels = mlp_params(rng), rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    key = nr.key(seed)
    loss, grads = m.mlp_loss_and_grads(params, x, labels, rates, key)
    assert loss == pytest.approx(mlp_loss(params, x, labels, rates, key), rel=1e-12)
    for i, layer in enumerate(params):
        for name in layer:

            def f(leaf, i=i, name=name):
                changed = [dict(lyr) for lyr in params]
                changed[i][name] = leaf
                return mlp_loss(changed, x, labels, rates, key)

            assert_grad(grads[i][name], f, layer[name])
    if rates[1] == 1.0:  # everything after the second hidden layer is dropped
        np.testing.assert_array_equal(grads[1]["w"], 0.0)


def test_mlp_forward_draws_one_mask_per_dropout_layer_from_split_key():
    rng = np.random.default_rng(0)
    params, x, key = mlp_params(rng), rng.standard_normal((5, 4)), nr.key(7)
    k1, k2 = nr.split(key, 2)
    h1 = nr.dropout(m.relu_forward(m.linear_forward(x, params[0]["w"], params[0]["b"])), 0.3, k1)
    h2 = nr.dropout(m.relu_forward(m.linear_forward(h1, params[1]["w"], params[1]["b"])), 0.5, k2)
    want = m.linear_forward(h2, params[2]["w"], params[2]["b"])
    np.testing.assert_array_equal(m.mlp_forward(params, x, (0.3, 0.5), key), want)


def test_mlp_forward_without_a_key_is_the_network_without_dropout():
    rng = np.random.default_rng(1)
    params, x = mlp_params(rng), rng.standard_normal((5, 4))
    no_dropout = m.mlp_forward(params, x, (0.0, 0.0), nr.key(3))
    np.testing.assert_array_equal(m.mlp_forward(params, x, (0.3, 0.5)), no_dropout)
    assert not np.array_equal(m.mlp_forward(params, x, (0.3, 0.5), nr.key(3)), no_dropout)


def test_mc_dropout_is_the_mean_and_std_of_passes_keyed_by_split():
    rng = np.random.default_rng(2)
    params, x, key = mlp_params(rng), rng.standard_normal((6, 4)), nr.key(11)
    passes = np.stack([m.softmax(m.mlp_forward(params, x, (0.3, 0.5), k)) for k in nr.split(key, 4)])
    mean, std = m.mc_dropout(params, x, (0.3, 0.5), key, 4)
    np.testing.assert_array_equal(mean, passes.mean(axis=0))
    np.testing.assert_array_equal(std, np.sqrt(((passes - passes.mean(axis=0)) ** 2).mean(axis=0)))
    assert std.max() > 0
    mean0, std0 = m.mc_dropout(params, x, (0.0, 0.0), key, 3)
    np.testing.assert_allclose(mean0, m.softmax(m.mlp_forward(params, x, (0.0, 0.0))), rtol=1e-15)
    np.testing.assert_allclose(std0, 0.0, atol=1e-16)


@pytest.mark.parametrize(
    ("rates", "error", "match"),
    [
        ((0.5,), ValueError, r"one entry per hidden layer \(2\)"),
        ((0.5, 1.5), ValueError, r"rates must be in \[0, 1\], got 1.5"),
        (0.5, TypeError, "rates must be a sequence"),
        (("a", 0.1), TypeError, "rates must be a real number"),
    ],
)
def test_bad_rates_raise_naming_the_argument(rates, error, match):
    params = mlp_params(np.random.default_rng(0))
    with pytest.raises(error, match=match):
        m.mlp_forward(params, np.zeros((1, 4)), rates)
    with pytest.raises(error, match=match):
        m.mlp_loss_and_grads(params, np.zeros((1, 4)), np.zeros(1, int), rates, nr.key(0))


def test_models_do_not_write_into_their_inputs():
    rng = np.random.default_rng(3)
    params, x, labels = mlp_params(rng), rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    lin = {"w": rng.standard_normal((4, 1)), "b": rng.standard_normal(1)}
    y = rng.standard_normal((5, 1))
    snapshot = [np.copy(a) for a in (x, labels, y, *nr.tree.flatten((params, lin))[0])]
    m.mlp_loss_and_grads(params, x, labels, (0.3, 0.5), nr.key(0))
    m.mc_dropout(params, x, (0.3, 0.5), nr.key(0), 2)
    m.linreg_loss_and_grads(lin, x, y, 3.0)
    for before, after in zip(snapshot, (x, labels, y, *nr.tree.flatten((params, lin))[0])):
        np.testing.assert_array_equal(before, after)
