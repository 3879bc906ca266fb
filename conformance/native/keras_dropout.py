"""keras 3's own ``layers.Dropout`` and ``random.dropout`` through the protocol (objects ``layer`` and ``function``),
on the backend ``KERAS_BACKEND`` chose.

keras seeds are integers: ``seed=s`` is the key ``[s, 0]`` (a ``SeedGenerator`` advances the second word
per call), so the reference's key ``(s, 0)`` — ``numpy_ref.key(s << 32)`` — maps to ``seed=s`` and other
keys have no counterpart. ``broadcast_dims`` maps to ``noise_shape`` (those axes set to 1);
``training`` to the layer's ``training`` (``random.dropout`` has none). ``unseeded_layer`` is
``layers.Dropout(rate)`` with no seed at all (measured on the torch backend, where it is torch's ``F.dropout``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from .keras_backend import BACKEND, asarray, devices, to_numpy, vjp

__all__ = ["KerasDropout", "KerasUnseededLayer", "function", "layer", "unseeded_layer"]


def seed_of(key: Any) -> int:
    """The keras seed ``s`` whose key is ``(s, 0)``; NotImplementedError for any other key."""
    k0, k1 = (int(k) & 0xFFFFFFFF for k in np.asarray(to_numpy(key)).reshape(-1))
    if k1 != 0:
        raise NotImplementedError(f"keras seeds are ints: seed=s is the key (s, 0), so the key ({k0}, {k1}) has none")
    return k0


class KerasDropout:
    FRAMEWORK = f"keras[{BACKEND}]"
    REPLAYABLE_MASKS = BACKEND == "jax"  # keras's torch backend seeds a torch.Generator instead
    MUTABLE_ARRAYS = BACKEND == "torch"
    NOT_COMPILED = "torch.compile is measured on torch's own nn.functional.dropout"
    COMPILER = "jax.jit"
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)
    devices = staticmethod(devices)

    def __init__(self, api: str) -> None:
        self.kind = api
        self.API = {"layer": "layers.Dropout", "function": "random.dropout"}[api]
        self.NAME = f"keras[{BACKEND}] {self.API}"

    def dropout(self, x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Sequence[int] = ()) -> Any:
        dims = tuple(d % max(len(x.shape), 1) for d in broadcast_dims)
        noise_shape = tuple(1 if i in dims else n for i, n in enumerate(x.shape)) if dims else None
        if self.kind == "layer":
            return keras.layers.Dropout(p, noise_shape=noise_shape, seed=seed_of(key))(x, training=training)
        if not training:
            raise NotImplementedError("keras.random.dropout has no training flag")
        return keras.random.dropout(x, p, noise_shape=noise_shape, seed=seed_of(key))

    def compiled_dropout(self, x: Any, p: float, key: Any) -> Any:
        import jax  # only on the jax backend: see NOT_COMPILED

        return jax.jit(lambda t: self.dropout(t, p, key))(x)

    if BACKEND != "jax":
        compiled_dropout = None  # type: ignore[assignment]

    @staticmethod
    def same_buffer(a: Any, b: Any) -> bool:
        if BACKEND == "torch":
            return bool(a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())
        return a is b


class KerasDropoutLayer(KerasDropout):
    STREAM = "successive calls of one layers.Dropout(rate, seed=s) (its SeedGenerator advances)"

    def stream(self, x: Any, p: float, key: Any, calls: int) -> list[Any]:
        dropout = keras.layers.Dropout(p, seed=seed_of(key))
        return [dropout(x, training=True) for _ in range(calls)]


class KerasUnseededLayer(KerasDropout):
    """``layers.Dropout(rate)`` without a seed, as most code calls it. On the torch backend keras then calls
    ``torch.nn.functional.dropout`` (unless ``noise_shape`` is set): torch's global generator, seeded here
    from the key exactly as :mod:`.torch_dropout` seeds it, so the masks are ``F.dropout``'s for that key."""

    REPLAYABLE_MASKS = False

    def __init__(self) -> None:
        super().__init__("layer")
        self.API = "layers.Dropout (no seed)"
        self.NAME = f"keras[{BACKEND}] {self.API}"

    def dropout(self, x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Sequence[int] = ()) -> Any:
        from .torch_dropout import seeded  # the torch backend only: see unseeded_layer

        dims = tuple(d % max(len(x.shape), 1) for d in broadcast_dims)
        noise_shape = tuple(1 if i in dims else n for i, n in enumerate(x.shape)) if dims else None
        with seeded(key, x.device):
            return keras.layers.Dropout(p, noise_shape=noise_shape)(x, training=training)


layer = KerasDropoutLayer("layer")
function = KerasDropout("function")
unseeded_layer = KerasUnseededLayer()  # registered for keras[torch] only: on jax an unseeded layer is keras's own path
