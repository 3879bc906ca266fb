"""jax_impl.models and torch_impl.models: autodiff through the port's own ops equals the reference's
hand-written gradients, with the same keys drawing the same masks."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

import numpy_ref as nr
from numpy_ref import models as m
from numpy_ref.tree import flatten, tree_map
from regref.demos.backends import load_backend

# float32 throughout; the port and the reference sum in different orders
RTOL, ATOL = 2e-5, 1e-6
RATES = (0.3, 0.5)


@pytest.fixture(params=["jax", "torch"])
def port(request):
    return load_backend(request.param)


def f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def mlp_params(rng: np.random.Generator, sizes=(6, 16, 8, 4)) -> list[dict[str, np.ndarray]]:
    return [{"w": f32(rng, a, b) / np.float32(np.sqrt(a)), "b": f32(rng, b)} for a, b in pairwise(sizes)]


def assert_trees_close(port, got, want) -> None:
    got_leaves, want_leaves = flatten(tree_map(port.to_numpy, got))[0], flatten(want)[0]
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("lambd", [0.0, 3.0])
def test_linreg_loss_and_grads_match_the_reference(port, lambd):
    rng = np.random.default_rng(0)
    params = {"w": f32(rng, 20, 1), "b": f32(rng, 1)}
    x, y = f32(rng, 5, 20), f32(rng, 5, 1)
    want_loss, want_grads = m.linreg_loss_and_grads(params, x, y, lambd)
    loss, grads = port.models.linreg_loss_and_grads(
        tree_map(port.asarray, params), port.asarray(x), port.asarray(y), lambd
    )
    assert float(port.to_numpy(loss)) == pytest.approx(float(want_loss), rel=RTOL)
    assert_trees_close(port, grads, want_grads)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("rates", [(0.0, 0.0), RATES, (0.5, 1.0)])
def test_mlp_loss_and_grads_match_the_reference_with_the_same_key(port, seed, rates):
    rng = np.random.default_rng(seed)
    params, x, labels = mlp_params(rng), f32(rng, 9, 6), rng.integers(0, 4, 9).astype(np.int32)
    key = nr.key(seed)
    want_loss, want_grads = m.mlp_loss_and_grads(params, x, labels, rates, key)
    loss, grads = port.models.mlp_loss_and_grads(
        tree_map(port.asarray, params), port.asarray(x), port.asarray(labels), rates, port.asarray(key)
    )
    assert float(port.to_numpy(loss)) == pytest.approx(float(want_loss), rel=RTOL)
    assert_trees_close(port, grads, want_grads)


def test_mlp_forward_drops_exactly_the_reference_units(port):
    # with x ≥ 0, identity weights and zero biases, the output is x·keep₁·keep₂/((1−p₁)(1−p₂)):
    # exactly zero where either mask dropped, whatever the rounding elsewhere
    eye = {"w": np.eye(64, dtype=np.float32), "b": np.zeros(64, np.float32)}
    x = np.ones((32, 64), np.float32)
    key = nr.key(5)
    want = m.mlp_forward([eye, eye, eye], x, RATES, key)
    got = port.to_numpy(
        port.models.mlp_forward(tree_map(port.asarray, [eye, eye, eye]), port.asarray(x), RATES, port.asarray(key))
    )
    np.testing.assert_array_equal(got == 0, want == 0)
    np.testing.assert_allclose(got, want, rtol=RTOL)
    assert 0 < np.count_nonzero(want) < want.size


def test_mlp_forward_without_a_key_matches_the_reference(port):
    rng = np.random.default_rng(2)
    params, x = mlp_params(rng), f32(rng, 9, 6)
    got = port.models.mlp_forward(tree_map(port.asarray, params), port.asarray(x), RATES)
    np.testing.assert_allclose(port.to_numpy(got), m.mlp_forward(params, x, RATES), rtol=RTOL, atol=ATOL)


def test_mc_dropout_matches_the_reference(port):
    rng = np.random.default_rng(3)
    params, x, key = mlp_params(rng), f32(rng, 9, 6), nr.key(9)
    want_mean, want_std = m.mc_dropout(params, x, RATES, key, 8)
    mean, std = port.models.mc_dropout(tree_map(port.asarray, params), port.asarray(x), RATES, port.asarray(key), 8)
    np.testing.assert_allclose(port.to_numpy(mean), want_mean, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(port.to_numpy(std), want_std, rtol=1e-4, atol=ATOL)
    assert want_std.max() > 0.01


def test_bad_rates_raise_the_reference_error(port):
    params = tree_map(port.asarray, mlp_params(np.random.default_rng(0)))
    with pytest.raises(ValueError, match=r"rates must have one entry per hidden layer \(2\)"):
        port.models.mlp_forward(params, port.asarray(np.zeros((1, 6), np.float32)), (0.5,))
    with pytest.raises(ValueError, match=r"rates must be in \[0, 1\], got -0.1"):
        port.models.mlp_loss_and_grads(
            params, port.asarray(np.zeros((1, 6), np.float32)), port.asarray(np.zeros(1, np.int32)), (0.1, -0.1),
            port.asarray(nr.key(0)),
        )  # fmt: skip


def test_ports_do_not_write_into_their_inputs(port):
    rng = np.random.default_rng(4)
    params, x, labels = mlp_params(rng), f32(rng, 9, 6), rng.integers(0, 4, 9).astype(np.int32)
    native = tree_map(port.asarray, params)
    port.models.mlp_loss_and_grads(native, port.asarray(x), port.asarray(labels), RATES, port.asarray(nr.key(0)))
    for got, want in zip(flatten(tree_map(port.to_numpy, native))[0], flatten(params)[0]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("lambd", "error", "match"),
    [(-1.0, ValueError, "weight_decay must be >= 0, got -1.0"), ("3", TypeError, "weight_decay must be a real number")],
)
def test_bad_lambd_raises_the_reference_error(port, lambd, error, match):
    params = {"w": np.ones((2, 1), np.float32), "b": np.zeros(1, np.float32)}
    x, y = np.ones((3, 2), np.float32), np.ones((3, 1), np.float32)
    with pytest.raises(error, match=match):
        m.linreg_loss_and_grads(params, x, y, lambd)
    with pytest.raises(error, match=match):
        port.models.linreg_loss_and_grads(tree_map(port.asarray, params), port.asarray(x), port.asarray(y), lambd)
