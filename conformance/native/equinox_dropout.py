"""equinox's own ``nn.Dropout`` through the protocol, eager (object ``dropout_layer``) and under ``eqx.filter_jit``
(object ``jitted``), which forms ``1 − p`` differently.

``p`` maps to ``p``, the reference's key is passed as ``key`` (a raw ``uint32[2]`` JAX key), ``training``
is ``not inference``. equinox has no ``broadcast_dims``. Under ``eqx.filter_jit`` the module is an
argument, so ``p`` (a Python float field) is static, as in a jitted training step; a compile per rate
would cost a hundred compiles per dtype, so the jitted object runs a list of rates in one compiled call
(``dropout_rates``, ``vjp_rates``), which compiles each dropout exactly as a call of its own would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax

from jax_impl import asarray, devices, to_numpy, vjp

__all__ = ["EquinoxDropout", "EquinoxJitted", "dropout_layer", "jitted"]


class EquinoxDropout:
    FRAMEWORK = "equinox"
    API = "nn.Dropout"
    NAME = "equinox nn.Dropout"
    REPLAYABLE_MASKS = True
    COMPILER = "jax.jit"
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


@eqx.filter_jit
def _apply(layer: eqx.nn.Dropout, x: jax.Array, key: jax.Array, inference: bool) -> jax.Array:
    return layer(x, key=key, inference=inference)


@eqx.filter_jit
def _apply_each(layers: tuple[eqx.nn.Dropout, ...], x: jax.Array, key: jax.Array) -> list[jax.Array]:
    return [layer(x, key=key) for layer in layers]


@eqx.filter_jit
def _vjp_each(layers: tuple[eqx.nn.Dropout, ...], x: jax.Array, key: jax.Array, dy: jax.Array) -> list[jax.Array]:
    return [jax.vjp(lambda t, m=layer: m(t, key=key), x)[1](dy)[0] for layer in layers]


class EquinoxJitted(EquinoxDropout):
    """``nn.Dropout`` called inside ``eqx.filter_jit``: its values only (masks, keys and compilation are the
    eager object's rows)."""

    API = "nn.Dropout under eqx.filter_jit"
    NAME = "equinox nn.Dropout under eqx.filter_jit"
    compiled_dropout = None  # type: ignore[assignment]
    NOT_COMPILED = "this is the compiled call"
    BEHAVIOURS = frozenset(
        {
            *(f"survivors, {d}" for d in ("float32", "float16", "bfloat16", "float64")),
            "output dtype",
            "p = 0",
            "p = 0, aliasing",
            "p = 1",
            "dropped inf, NaN, −0.0 and negatives",
            "out-of-range rates",
            "evaluation mode (training=False)",
            "evaluation mode, aliasing",
            "autodiff gradient",
            "gradient at p = 1",
        }
    )

    def dropout(
        self, x: jax.Array, p: float, key: jax.Array, *, training: bool = True, broadcast_dims: Sequence[int] = ()
    ) -> jax.Array:
        if broadcast_dims:
            raise NotImplementedError("equinox nn.Dropout has no broadcast_dims")
        return _apply(eqx.nn.Dropout(p), x, key, not training)

    def dropout_rates(self, x: jax.Array, rates: tuple[float, ...], key: jax.Array) -> list[jax.Array]:
        return _apply_each(tuple(eqx.nn.Dropout(p) for p in rates), x, key)

    def vjp_rates(self, x: jax.Array, rates: tuple[float, ...], key: jax.Array, dy: jax.Array) -> list[jax.Array]:
        return _vjp_each(tuple(eqx.nn.Dropout(p) for p in rates), x, key, dy)


dropout_layer = EquinoxDropout()
jitted = EquinoxJitted()
