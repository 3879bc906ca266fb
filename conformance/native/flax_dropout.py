"""flax's own dropout through the protocol: ``linen`` (``flax.linen.Dropout``) and ``nnx`` (``flax.nnx.Dropout``).

The reference's key goes in as the raw ``uint32[2]`` JAX key: ``rng=key`` for linen, ``rngs=key`` (a
``jax.Array``) for nnx, which then bypass flax's key derivation; ``broadcast_dims`` and ``rate`` map
one to one, ``training`` is ``not deterministic``. How flax derives keys when none is passed
(``make_rng`` and ``nnx.Rngs`` streams) is measured by :meth:`FlaxDropout.stream`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
from flax import nnx

from jax_impl import asarray, devices, to_numpy, vjp

__all__ = ["FlaxDropout", "linen", "nnx_dropout"]


class _TwoDropouts(nn.Module):
    """Two linen Dropouts at different module paths, keyed by ``make_rng('dropout')``."""

    rate: float

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        return nn.Dropout(self.rate, name="first")(x, deterministic=False), nn.Dropout(self.rate, name="second")(
            x, deterministic=False
        )


class FlaxDropout:
    FRAMEWORK = "flax"
    REPLAYABLE_MASKS = True
    COMPILER = "jax.jit"
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)
    devices = staticmethod(devices)

    def __init__(self, api: str) -> None:
        self.kind = api
        self.API = {"linen": "linen.Dropout", "nnx": "nnx.Dropout"}[api]
        self.NAME = f"flax {self.API}"

    def dropout(
        self, x: jax.Array, p: float, key: jax.Array, *, training: bool = True, broadcast_dims: Sequence[int] = ()
    ) -> jax.Array:
        dims = tuple(broadcast_dims)
        if self.kind == "linen":
            return nn.Dropout(rate=p, broadcast_dims=dims).apply({}, x, deterministic=not training, rng=key)
        return nnx.Dropout(rate=p, broadcast_dims=dims)(x, deterministic=not training, rngs=key)

    @property
    def STREAM_UNITS(self) -> str:
        return "module paths" if self.kind == "linen" else "calls"

    @property
    def STREAM(self) -> str:
        if self.kind == "linen":
            return "one apply with rngs={'dropout': key} of two Dropouts at different module paths"
        return "successive calls of one nnx.Dropout(rate, rngs=nnx.Rngs(dropout=key))"

    def stream(self, x: jax.Array, p: float, key: jax.Array, calls: int) -> list[jax.Array]:
        """The outputs :attr:`STREAM` describes (linen gives two, whatever ``calls``)."""
        if self.kind == "linen":
            return list(_TwoDropouts(p).apply({}, x, rngs={"dropout": key}))
        layer = nnx.Dropout(rate=p, rngs=nnx.Rngs(dropout=key))
        return [layer(x) for _ in range(calls)]

    def compiled_dropout(self, x: jax.Array, p: float, key: jax.Array) -> jax.Array:
        return jax.jit(lambda t: self.dropout(t, p, key))(x)

    @staticmethod
    def same_buffer(a: Any, b: Any) -> bool:
        return a is b


linen = FlaxDropout("linen")
nnx_dropout = FlaxDropout("nnx")
