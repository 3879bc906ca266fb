"""equinox's own ``nn.Dropout`` through the protocol (object ``dropout_layer``).

``p`` maps to ``p``, the reference's key is passed as ``key`` (a raw ``uint32[2]`` JAX key), ``training``
is ``not inference``. equinox has no ``broadcast_dims``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax

from jax_impl import asarray, devices, to_numpy, vjp

__all__ = ["EquinoxDropout", "dropout_layer"]


class EquinoxDropout:
    FRAMEWORK = "equinox"
    API = "nn.Dropout"
    NAME = "equinox nn.Dropout"
    REPLAYABLE_MASKS = True
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)
    devices = staticmethod(devices)

    def dropout(
        self, x: jax.Array, p: float, key: jax.Array, *, training: bool = True, broadcast_dims: Sequence[int] = ()
    ) -> jax.Array:
        if broadcast_dims:
            raise NotImplementedError("equinox nn.Dropout has no broadcast_dims")
        return eqx.nn.Dropout(p)(x, key=key, inference=not training)

    def compiled_dropout(self, x: jax.Array, p: float, key: jax.Array) -> jax.Array:
        return jax.jit(lambda t: self.dropout(t, p, key))(x)

    @staticmethod
    def same_buffer(a: Any, b: Any) -> bool:
        return a is b


dropout_layer = EquinoxDropout()
