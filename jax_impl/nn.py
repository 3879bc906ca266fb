"""flax modules for regref's dropout: ``Dropout`` (flax.linen) and ``NnxDropout`` (flax.nnx).

Both are drop-in replacements for flax's own ``Dropout`` — same fields, same call signature — that
apply :func:`jax_impl.dropout`: the mask the reference draws from the key (replayable in NumPy and
torch), a backward pass that regenerates it instead of storing it, ``p = 1`` without NaN gradients,
and the reference's validation of ``rate``. Pass the portable key (``jax_impl.key(seed)``, a raw
``uint32[2]``) as ``rng`` / ``rngs`` to get :func:`numpy_ref.dropout`'s mask; without one the key
comes from flax's RNG machinery (``make_rng`` folds in the module path, an ``nnx.Rngs`` stream
advances per call), which is still threefry but no longer portable.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
from flax import nnx

from .dropout import dropout

__all__ = ["Dropout", "NnxDropout"]


class Dropout(nn.Module):
    """``flax.linen.Dropout`` with :func:`jax_impl.dropout`'s mask; ``rng`` takes the portable key."""

    rate: float
    broadcast_dims: tuple[int, ...] = ()
    deterministic: bool | None = None
    rng_collection: str = "dropout"

    @nn.compact
    def __call__(self, inputs: jax.Array, deterministic: bool | None = None, rng: jax.Array | None = None) -> Any:
        deterministic = nn.merge_param("deterministic", self.deterministic, deterministic)
        if deterministic:
            return inputs
        key = self.make_rng(self.rng_collection) if rng is None else rng
        return dropout(inputs, self.rate, key, broadcast_dims=self.broadcast_dims)


class NnxDropout(nnx.Dropout):
    """``flax.nnx.Dropout`` with :func:`jax_impl.dropout`'s mask; ``rngs`` may be the portable key."""

    def __call__(self, inputs: jax.Array, *, deterministic: bool | None = None, rngs: Any = None) -> Any:
        deterministic = self.deterministic if deterministic is None else deterministic
        if deterministic is None:
            raise ValueError("NnxDropout needs `deterministic`, in the constructor or the call")
        if deterministic:
            return inputs
        source = self.rngs if rngs is None else rngs
        if source is None:
            raise ValueError("NnxDropout is not deterministic but has no key: pass `rngs` to the constructor or call")
        if isinstance(source, nnx.Rngs):
            source = source[self.rng_collection]
        key = source() if isinstance(source, nnx.RngStream) else source
        return dropout(inputs, self.rate, key, broadcast_dims=self.broadcast_dims)
