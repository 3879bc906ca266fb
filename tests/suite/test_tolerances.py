"""The tolerance table's lookup and the term magnitudes it is measured against, on hand-worked cases."""

import numpy as np
import pytest

import numpy_ref
from conformance import ops
from conformance.tolerances import TOLERANCES, scale, tolerance


def test_exact_where_the_contract_is_exact() -> None:
    for op in ("dropout", "dropout_forward", "dropout_backward", "dropout_mask", "random_bits", "l2_penalty_grad"):
        for dtype in ("float16", "bfloat16", "float32", "float64", None):
            assert tolerance(op, dtype) == 0.0


def test_table_entries_and_steps() -> None:
    assert tolerance("adam_step", "float32") == 8 and tolerance("adam_step", "bfloat16") == 1
    assert tolerance("sgd_step", "float64", steps=3) == 12
    assert set(TOLERANCES) - {f"{op}:vjp" for op in ops.FUNCTIONS} <= set(ops.FUNCTIONS)


def test_weight_decay_scale_is_the_sum_of_term_magnitudes() -> None:
    w, g = np.array([2.0, -1.0]), np.array([-3.0, 0.5])
    got = scale("weight_decay_step", (w, g, 0.5, 0.2), {}, None)
    np.testing.assert_allclose(got, [2.0 * 0.9 + 0.5 * 3.0, 1.0 * 0.9 + 0.5 * 0.5])


def test_sgd_scale_follows_the_momentum_convention() -> None:
    w, g, b = np.array([1.0]), np.array([-2.0]), np.array([4.0])
    hyper = {"lr": 0.1, "momentum": 0.5, "dampening": 0.25}
    first = scale("sgd_step", (w, g, numpy_ref.SGDState(0, b)), hyper, None)
    later = scale("sgd_step", (w, g, numpy_ref.SGDState(3, b)), hyper, None)
    np.testing.assert_allclose(first[1].momentum, [2.0])  # step 1 copies |d|
    np.testing.assert_allclose(later[1].momentum, [0.5 * 4.0 + 0.75 * 2.0])
    np.testing.assert_allclose(later[0], [1.0 + 0.1 * 3.5])


def test_adam_scale_bounds_the_update() -> None:
    w, g = np.array([1.0]), np.array([2.0])
    state = numpy_ref.adam_init(w)
    params, new_state = scale("adam_step", (w, g, state), {"lr": 0.1, "eps": 0.0}, None)
    np.testing.assert_allclose(new_state.m, [0.2])
    np.testing.assert_allclose(params, [1.0 + 0.1 * (0.2 / 0.1) / np.sqrt(0.004 / 0.001)])


def test_l2_scale_counts_the_terms() -> None:
    params = {"b": np.ones(3), "w": np.ones((2, 2))}
    assert scale("l2_penalty", (params, 0.1), {}, np.float64(0.35)) == pytest.approx(8 * 0.35)
    masked = scale("l2_penalty", (params, 0.1), {"decay_mask": {"b": False, "w": True}}, np.float64(0.2))
    assert masked == pytest.approx(5 * 0.2)
    assert scale("dropout", (), {}, None) is None
