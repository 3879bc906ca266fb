"""``torch.nn.Dropout`` with the portable stream: a module around :func:`torch_impl.dropout`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from numpy_ref.validation import check_probability

from .dropout import dropout
from .random import check_key, fold_in
from .random import key as make_key

__all__ = ["Dropout"]


class Dropout(torch.nn.Module):
    """Inverted dropout (:func:`numpy_ref.dropout.dropout`) whose masks come from an explicit key.

    **How the key advances.** The module counts its training-mode calls; call ``n`` (0-based) draws
    with ``fold_in(key, n)``, so a run is reproducible from ``key`` alone and two modules given
    different keys (e.g. rows of ``split(key, layers)``) draw independent masks. ``forward(x, key=k)``
    uses ``k`` as is and does not advance the count (Monte-Carlo dropout, replaying a step).
    ``eval()`` makes the module the identity (it returns ``x`` itself) and stops the count.

    The key and the count are the module's extra state, so ``state_dict()`` restores the stream's
    position. The key stays on the CPU whatever device the module moves to: its Threefry constants then
    reach the device's kernels as scalar arguments, without a host sync.

    Args:
        p: drop probability in [0, 1].
        key: a ``uint32[2]`` key (:func:`torch_impl.key`) or an integer seed for one.
        broadcast_dims: axes along which one draw is shared (C9; ``(2, 3)`` on NCHW drops channels).
    """

    def __init__(
        self, p: float = 0.5, *, key: torch.Tensor | np.ndarray | int, broadcast_dims: Sequence[int] = ()
    ) -> None:
        super().__init__()
        self.p = check_probability("p", p)
        given = isinstance(key, (torch.Tensor, np.ndarray))
        self.key = check_key(key).to("cpu", copy=True).view(torch.uint32) if given else make_key(key)
        self.broadcast_dims = tuple(broadcast_dims)
        self.calls = 0

    def forward(self, x: torch.Tensor, key: torch.Tensor | None = None) -> torch.Tensor:
        if not self.training:
            return x
        if key is None:
            key = fold_in(self.key, self.calls)
            self.calls += 1
        return dropout(x, self.p, key, broadcast_dims=self.broadcast_dims)

    def get_extra_state(self) -> dict[str, Any]:
        return {"key": self.key.clone(), "calls": self.calls}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.key, self.calls = check_key(state["key"]).cpu().view(torch.uint32), state["calls"]

    def extra_repr(self) -> str:
        return f"p={self.p}, broadcast_dims={self.broadcast_dims}, calls={self.calls}"
