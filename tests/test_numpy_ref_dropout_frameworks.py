"""C7's arithmetic is the frameworks' own in float32: survivors bit-identical to flax and to torch.

``s = fl32(1 / fl32(1 − p))`` rounds twice; rounding ``1/(1 − p)`` once would differ from both
frameworks by 1–2 ulps for about 30% of rates (p = 0.04 and 0.42 among them), so the rates drawn
mix those with arbitrary floats.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_ref as nr
from numpy_ref.dropout import dropout_scale

flax_linen = pytest.importorskip("flax.linen")
jnp = pytest.importorskip("jax.numpy")
torch = pytest.importorskip("torch")

# Rates whose reciprocal rounds differently once and twice (0.04, 0.42, 0.15, 0.52), and ones where it does not.
RATES = st.one_of(st.sampled_from([0.04, 0.42, 0.15, 0.52, 0.1, 0.5, 0.75, 0.0]), st.floats(0.0, 0.999))


def _inputs(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(seed % 2**32)
    return (rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape)).astype(np.float32)


def test_the_two_conventions_differ_at_the_rates_named() -> None:
    # Guards the strategy: were these rates not separating, the tests below would prove nothing.
    for p in (0.04, 0.42, 0.15, 0.52):
        assert dropout_scale(p, np.dtype(np.float32)) != np.float32(1.0 / (1.0 - p)), p


@given(st.integers(0, 2**64 - 1), st.sampled_from([(), (0,), (1, 2), (-1,)]), RATES)
def test_float32_values_bit_identical_to_flax_linen_dropout(seed: int, dims: tuple, rate: float) -> None:
    x = _inputs(seed, (3, 4, 5))
    k = nr.key(seed)
    module = flax_linen.Dropout(rate, broadcast_dims=dims)
    y_flax = np.asarray(module.apply({}, jnp.asarray(x), deterministic=False, rng=jnp.asarray(k)))
    y = nr.dropout(x, rate, k, broadcast_dims=dims)
    np.testing.assert_array_equal(y.view(np.uint32), y_flax.view(np.uint32), err_msg=f"p={rate!r}")


@given(st.integers(0, 2**32 - 1), RATES)
def test_float32_survivors_bit_identical_to_torch_on_its_own_mask(seed: int, rate: float) -> None:
    # torch draws its own mask; its survivors are where a nonzero input gives a nonzero output, and on
    # that shared mask the reference's survivors must equal torch's bit for bit.
    x = _inputs(seed, (4, 64))
    x[x == 0] = 1.0
    torch.manual_seed(seed)
    y_torch = torch.nn.functional.dropout(torch.from_numpy(x), rate, training=True).numpy()
    keep = y_torch != 0
    y = nr.dropout_forward(x, keep, rate)
    np.testing.assert_array_equal(y[keep].view(np.uint32), y_torch[keep].view(np.uint32), err_msg=f"p={rate!r}")
