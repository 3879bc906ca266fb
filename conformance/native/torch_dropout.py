"""torch's own dropout through the protocol: ``functional`` (``nn.functional.dropout``), ``module``
(``nn.Dropout``) and ``channels`` (``nn.functional.dropout1d/2d/3d``).

torch draws from its global generator, so the reference's key cannot be replayed
(``REPLAYABLE_MASKS = False``): the key seeds the generator (``torch.manual_seed``) inside
``torch.random.fork_rng``, which puts the caller's generator state back afterwards. The CPU generator
uses only the low 32 bits of its seed (``manual_seed(s)`` and ``manual_seed(s + 2**32)`` draw the same
numbers), so the key's words are folded into 32 bits: ``k0 + 0x9E3779B9·k1 mod 2**32``. Mapping of
``broadcast_dims``: the channel functions share every axis after the channel axis 1, which is
``broadcast_dims = (2, …, ndim − 1)`` on a 3-, 4- or 5-D input; elementwise dropout of any shape maps
onto ``dropout1d`` over a ``(1, n, 1)`` view (one channel per element).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from torch_impl.interop import asarray, devices, to_numpy, vjp

__all__ = ["TorchDropout", "channels", "functional", "module"]

_CHANNELS = {3: F.dropout1d, 4: F.dropout2d, 5: F.dropout3d}


@contextlib.contextmanager
def seeded(key: Any, device: torch.device) -> Iterator[None]:
    """torch's generator seeded from the key (its two words folded into 32 bits), restored on exit."""
    k0, k1 = (int(k) & 0xFFFFFFFF for k in torch.as_tensor(key).reshape(-1).tolist())
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed((k0 + 0x9E3779B9 * k1) & 0xFFFFFFFF)
        yield


class TorchDropout:
    FRAMEWORK = "torch"
    REPLAYABLE_MASKS = False
    MUTABLE_ARRAYS = True
    COMPILER = "torch.compile, inductor with its default fallback_random=False"
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)
    devices = staticmethod(devices)

    def __init__(self, api: str) -> None:
        self.kind = api
        self.API = {
            "functional": "nn.functional.dropout",
            "module": "nn.Dropout",
            "channels": "nn.functional.dropout1d/2d/3d",
        }[api]
        self.NAME = f"torch {self.API}"

    def dropout(
        self, x: torch.Tensor, p: float, key: Any, *, training: bool = True, broadcast_dims: Sequence[int] = ()
    ) -> torch.Tensor:
        with seeded(key, x.device):
            return self._apply(x, p, training, tuple(broadcast_dims))

    def _apply(self, x: torch.Tensor, p: float, training: bool, dims: tuple[int, ...]) -> torch.Tensor:
        if self.kind == "channels":
            if not dims:
                return F.dropout1d(x.reshape(1, -1, 1), p, training).reshape(x.shape)
            if x.ndim in _CHANNELS and dims == tuple(range(2, x.ndim)):
                return _CHANNELS[x.ndim](x, p, training)
            raise NotImplementedError(f"{self.API} shares exactly the axes after axis 1 of a 3-5-D input, not {dims}")
        if dims:
            raise NotImplementedError(f"{self.API} has no broadcast_dims (dropout1d/2d/3d share whole channels)")
        if self.kind == "module":
            return torch.nn.Dropout(p).train(training)(x)
        return F.dropout(x, p, training)

    def compiled_dropout(self, x: torch.Tensor, p: float, key: Any) -> torch.Tensor:
        """``torch.compile`` (inductor, default settings) of ``nn.functional.dropout``, seeded as eager is."""
        with seeded(key, x.device):
            return _compiled(p)(x)

    @staticmethod
    def same_buffer(a: torch.Tensor, b: torch.Tensor) -> bool:
        return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


@functools.cache
def _compiled(p: float) -> Callable[[torch.Tensor], torch.Tensor]:
    return torch.compile(lambda t: F.dropout(t, p, True))


class _Uncompiled(TorchDropout):
    compiled_dropout = None  # type: ignore[assignment]
    NOT_COMPILED = "torch.compile is measured on nn.functional.dropout only (each compile costs seconds)"


class _Channels(_Uncompiled):
    def dropout2d(self, x: torch.Tensor, p: float, key: Any) -> torch.Tensor:
        """``nn.functional.dropout2d`` on an input of any rank (the 3-D case is torch's special one)."""
        with seeded(key, x.device):
            return F.dropout2d(x, p, True)


functional = TorchDropout("functional")
module = _Uncompiled("module")
channels = _Channels("channels")
