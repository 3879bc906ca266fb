"""CPU: numpy_ref's Threefry stream in words per second, against jitted JAX and torch_impl."""

from __future__ import annotations

import numpy as np

import numpy_ref as nr

from .checks import same_bits
from .guard import section
from .report import Report, Row
from .timing import Timer

__all__ = ["random_bits"]


def random_bits(report: Report, timer: Timer, log2n: int, frameworks: set[str]) -> None:
    n = 2**log2n
    name = f"random bits uint32 2^{log2n}"
    with section(report, name, 90):
        seed = int(np.random.SeedSequence().entropy % 2**64)
        check = same_bits(nr.random_bits(nr.key(seed), (1 << 12,)), _known_prefix(seed))
        ms, reps = timer.median_ms(lambda i: nr.random_bits(nr.key(i), (n,)))
        report.add(
            Row(name, "numpy_ref.random_bits", ms, reps, 4 * n, check=check, note=f"{n / ms / 1e3:.0f} M words/s")
        )
        if "jax" in frameworks:
            import jax
            import jax.numpy as jnp

            bits = jax.jit(lambda k: jax.random.bits(k, (n,), jnp.uint32))
            keys = [jax.random.key(i) for i in range(8)]
            ms, reps = Timer("jax", timer.budget_s).median_ms(lambda i: bits(keys[i % 8]))
            report.add(Row(name, "jax.random.bits (jit)", ms, reps, 4 * n, True, "ok", f"{n / ms / 1e3:.0f} M words/s"))
        if "torch" in frameworks:
            import torch_impl as ti

            check = same_bits(ti.to_numpy(ti.random_bits(ti.key(seed), (1 << 12,))), _known_prefix(seed))
            ms, reps = timer.median_ms(lambda i: ti.random_bits(ti.key(i), (n,)))
            report.add(
                Row(name, "torch_impl.random_bits", ms, reps, 4 * n, check=check, note=f"{n / ms / 1e3:.0f} M words/s")
            )


def _known_prefix(seed: int) -> np.ndarray:
    """The first words of the stream straight from the block function (numpy_ref's definition)."""
    b0, b1 = nr.random.threefry2x32(nr.key(seed), (np.zeros(1 << 12, np.uint32), np.arange(1 << 12, dtype=np.uint32)))
    return b0 ^ b1
