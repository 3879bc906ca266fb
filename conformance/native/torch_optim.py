"""torch's own ``optim.SGD``, ``optim.Adam`` and ``optim.AdamW`` through the protocol, one object per implementation.

``single_tensor`` (``foreach=False``), ``foreach`` and ``fused`` run the same classes on their three
code paths. ``decay_mask`` becomes two parameter groups, the spared one with ``weight_decay=0`` (how
torch users exempt biases). The state is torch's: ``momentum_buffer`` and ``exp_avg``/``exp_avg_sq``
mean what the reference's ``momentum``/``m``/``v`` mean, and torch has no buffer before its first step.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from numpy_ref import AdamState, SGDState
from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten
from torch_impl.interop import asarray, to_numpy, vjp

from .adapter import Names, OptimizerAdapter, zeros_state

__all__ = ["IMPLEMENTATIONS", "TorchOptim", "foreach", "fused", "single_tensor"]

_COMMON = {"lr": "lr", "weight_decay": "weight_decay"}
_ADAM = {**_COMMON, "betas": "betas", "eps": "eps"}
_CLASSES = {"sgd_step": torch.optim.SGD, "adam_step": torch.optim.Adam, "adamw_step": torch.optim.AdamW}
IMPLEMENTATIONS = {"single-tensor": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


class TorchOptim(OptimizerAdapter):
    FRAMEWORK = "torch"
    NAMES: ClassVar[Names] = {
        "sgd_step": {**_COMMON, "momentum": "momentum", "dampening": "dampening", "nesterov": "nesterov"},
        "adam_step": _ADAM,
        "adamw_step": _ADAM,
    }
    asarray = staticmethod(asarray)
    to_numpy = staticmethod(to_numpy)
    vjp = staticmethod(vjp)

    def __init__(self, implementation: str) -> None:
        self.flags = IMPLEMENTATIONS[implementation]
        self.NAME = f"torch.optim [{implementation}]"
        self.API = {op: f"optim.{cls.__name__} [{implementation}]" for op, cls in _CLASSES.items()}

    def constructor(self, op: str) -> Any:
        return _CLASSES[op]

    def sgd_init(self, params: PyTree) -> SGDState:
        return zeros_state(SGDState, params, torch.zeros_like)

    def adam_init(self, params: PyTree) -> AdamState:
        return zeros_state(AdamState, params, torch.zeros_like)

    def sgd_step(self, params: PyTree, grads: PyTree, state: SGDState, **hyper: Any) -> tuple[PyTree, SGDState]:
        return self._step("sgd_step", params, grads, state, hyper)

    def adam_step(self, params: PyTree, grads: PyTree, state: AdamState, **hyper: Any) -> tuple[PyTree, AdamState]:
        return self._step("adam_step", params, grads, state, hyper)

    def adamw_step(self, params: PyTree, grads: PyTree, state: AdamState, **hyper: Any) -> tuple[PyTree, AdamState]:
        return self._step("adamw_step", params, grads, state, hyper)

    def _step(self, op: str, params: PyTree, grads: PyTree, state: Any, hyper: dict) -> tuple[PyTree, Any]:
        decayed = resolve_decay_mask(params, hyper.pop("decay_mask", None))
        leaves, td = flatten(params)
        tensors = [torch.nn.Parameter(w.detach().clone()) for w in leaves]
        for p, g in zip(tensors, flatten(grads)[0]):
            p.grad = g.detach().clone()
        groups = [{"params": [p for p, on in zip(tensors, decayed) if on]}]
        groups.append({"params": [p for p, on in zip(tensors, decayed) if not on], "weight_decay": 0.0})
        optimizer = _CLASSES[op]([g for g in groups if g["params"]], **self.kwargs(op, hyper), **self.flags)
        step, buffers = int(state.step), [flatten(b)[0] for b in state[1:]]
        names = ("momentum_buffer",) if op == "sgd_step" else ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        if step > 0:
            for i, p in enumerate(tensors):
                optimizer.state[p] = {name: b[i].clone() for name, b in zip(names, buffers)}
                if op != "sgd_step":
                    optimizer.state[p]["step"] = torch.tensor(float(step))
        with torch.no_grad():
            optimizer.step()
        new_buffers = [
            unflatten(td, [_buffer(optimizer.state[p].get(name), old[i]) for i, p in enumerate(tensors)])
            for name, old in zip(names, buffers)
        ]
        new_params = unflatten(td, [p.detach().clone() for p in tensors])
        return new_params, type(state)(step + 1, *new_buffers)


def _buffer(new: torch.Tensor | None, old: torch.Tensor) -> torch.Tensor:
    """torch keeps no momentum buffer without momentum, and ``max_exp_avg_sq`` only with AMSGrad."""
    return old if new is None else new.detach().clone()


single_tensor = TorchOptim("single-tensor")
foreach = TorchOptim("foreach")
fused = TorchOptim("fused")
