"""The tolerance table's lookup and the term magnitudes it is measured against, on hand-worked cases."""

import numpy as np
import pytest

import numpy_ref
from conformance import ops
from conformance.tolerances import TOLERANCES, dropout_difference_bound, l2_difference_bound, scale, tolerance


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


@pytest.mark.parametrize("lam", [5e-324, 2.2e-311, 1e-300, 0.5])
def test_l2_difference_bound_holds_for_subnormal_decay(lam: float) -> None:
    """The deep profile's false failures: with a subnormal λ, λ/2 rounds to 0 (or loses bits), so the penalty
    is 0 while λ·w is not; the bound must cover that, and did not when it ignored underflow (it was 0)."""
    w, v = [np.array([1.0, -3.0, 2.0**-1070])], [np.array([1.0, 0.5, 2.0**-1060])]
    plus, minus = (float(numpy_ref.l2_penalty([w[0] + s * v[0]], lam)) for s in (1.0, -1.0))
    hand = float(np.sum(numpy_ref.l2_penalty_grad(w, lam)[0] * v[0]))
    apart = abs((plus - minus) / 2 - hand)
    assert apart <= l2_difference_bound(w, v, lam, plus, minus)
    without_underflow = 4 * 5 * 2.0**-53 * (abs(plus) + abs(minus) + lam * float(np.sum(np.abs(w[0] * v[0]))))
    assert (apart > without_underflow) == (lam < 1e-308)  # the premise: the relative bound alone fails there


def test_dropout_difference_bound_holds_for_subnormals() -> None:
    x, v, d_y = (np.array(a) for a in ([2.0**-1074, 1.0, -0.0], [2.0**-1074, 2.0**-1073, 3.0], [0.75, 2.0**-1074, 1.0]))
    keep, p = np.array([True, True, False]), 1 / 3
    plus, minus = (numpy_ref.dropout_forward(x + s * v, keep, p) for s in (1.0, -1.0))
    fd, hand = float(np.sum(d_y * (plus - minus) / 2)), float(np.sum(numpy_ref.dropout_backward(d_y, keep, p) * v))
    assert abs(fd - hand) <= dropout_difference_bound(x, v, d_y, p)
