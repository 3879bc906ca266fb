"""torch's own optimizers through the protocol, one object per implementation (single-tensor, foreach, fused).

``single_tensor`` (``foreach=False``), ``foreach`` and ``fused`` run ``optim.SGD``, ``optim.Adam`` and
``optim.AdamW`` on their three code paths; ``adam_decoupled_*`` run ``optim.Adam(decoupled_weight_decay=True)``
as an AdamW. ``decay_mask`` becomes two parameter groups, the spared one with ``weight_decay=0`` (how
torch users exempt biases); a ``None`` gradient is ``p.grad = None``. The state is torch's:
``momentum_buffer``, ``exp_avg``/``exp_avg_sq``/``max_exp_avg_sq`` mean what the reference's
``momentum``/``m``/``v``/``v_max`` mean, and torch has no buffer before its first step.

:meth:`TorchOptim.trajectory` runs one optimizer over a whole trajectory, its ``step`` eager or under
``torch.compile``; :class:`TorchFlagged` runs ``NAdam`` and ``RAdam``, the other optimizers with a
``decoupled_weight_decay`` flag in torch 2.13, for :mod:`.probes_flag`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch

from numpy_ref import AdamState, SGDState
from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten
from torch_impl.interop import asarray, to_numpy, vjp

from .adapter import Names, OptimizerAdapter, zeros_state

__all__ = [
    "IMPLEMENTATIONS",
    "TorchFlagged",
    "TorchOptim",
    "adam_decoupled_foreach",
    "adam_decoupled_fused",
    "adam_decoupled_single_tensor",
    "flagged_foreach",
    "flagged_single_tensor",
    "foreach",
    "fused",
    "single_tensor",
]

_COMMON = {"lr": "lr", "weight_decay": "weight_decay"}
_ADAM = {**_COMMON, "betas": "betas", "eps": "eps", "amsgrad": "amsgrad"}
_CLASSES: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "sgd_step": torch.optim.SGD,
    "adam_step": torch.optim.Adam,
    "adamw_step": torch.optim.AdamW,
}
_BUFFERS = {"sgd_step": ("momentum_buffer",), "adam_step": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")}
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

    def __init__(
        self,
        implementation: str,
        classes: dict[str, Callable[..., torch.optim.Optimizer]] = _CLASSES,
        compiler: str = "",
    ) -> None:
        self.flags, self.classes = IMPLEMENTATIONS[implementation], classes
        self.COMPILER = compiler  # set: the compiled-vs-eager probe runs here (each compile costs seconds)
        self.NAME = f"torch.optim [{implementation}]"
        self.API = {op: f"optim.{_name(cls)} [{implementation}]" for op, cls in classes.items()}

    def constructor(self, op: str) -> Any:
        return self.classes[op]

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

    def _optimizer(self, op: str, params: PyTree, hyper: dict) -> tuple[list[torch.nn.Parameter], Any]:
        decayed = resolve_decay_mask(params, hyper.pop("decay_mask", None))
        tensors = [torch.nn.Parameter(w.detach().clone()) for w in flatten(params)[0]]
        groups = [{"params": [p for p, on in zip(tensors, decayed) if on]}]
        groups.append({"params": [p for p, on in zip(tensors, decayed) if not on], "weight_decay": 0.0})
        return tensors, self.classes[op]([g for g in groups if g["params"]], **self.kwargs(op, hyper), **self.flags)

    def _step(self, op: str, params: PyTree, grads: PyTree, state: Any, hyper: dict) -> tuple[PyTree, Any]:
        tensors, optimizer = self._optimizer(op, params, hyper)
        _set_grads(tensors, grads)
        step, buffers = int(state.step), [flatten(b)[0] for b in state[1:]]
        names = _BUFFERS.get(op, _BUFFERS["adam_step"])
        if step > 0:
            for i, p in enumerate(tensors):
                optimizer.state[p] = {name: b[i].clone() for name, b in zip(names, buffers)}
                if op != "sgd_step":
                    optimizer.state[p]["step"] = torch.tensor(float(step))
        with torch.no_grad():
            optimizer.step()
        td = flatten(params)[1]
        new_buffers = [
            unflatten(td, [_buffer(optimizer.state[p].get(name), old[i]) for i, p in enumerate(tensors)])
            for name, old in zip(names, buffers)
        ]
        return unflatten(td, [p.detach().clone() for p in tensors]), type(state)(step + 1, *new_buffers)

    def trajectory(self, op: str, params: PyTree, grads: list[PyTree], hyper: dict, compiled: bool) -> PyTree:
        """One optimizer over every gradient in turn; ``compiled``: its ``step`` under ``torch.compile``, from empty
        compilation caches as in a fresh process (each optimizer recompiles ``step``, and past dynamo's recompile
        limit it would run eagerly without saying so)."""
        tensors, optimizer = self._optimizer(op, params, dict(hyper))
        if compiled:
            torch.compiler.reset()
        step = torch.compile(optimizer.step) if compiled else optimizer.step
        for g in grads:
            _set_grads(tensors, g)
            step()
        return unflatten(flatten(params)[1], [p.detach().clone() for p in tensors])


def _name(cls: Any) -> str:
    if isinstance(cls, functools.partial):
        flags = ", ".join(f"{k}={v!r}" for k, v in cls.keywords.items())
        return f"{cls.func.__name__}({flags})"
    return str(cls.__name__)


def _set_grads(tensors: list[torch.nn.Parameter], grads: PyTree) -> None:
    for p, g in zip(tensors, flatten(grads)[0]):
        p.grad = None if g is None else g.detach().clone()


def _buffer(new: torch.Tensor | None, old: torch.Tensor) -> torch.Tensor:
    """torch keeps no momentum buffer without momentum, and ``max_exp_avg_sq`` only with AMSGrad."""
    return old if new is None else new.detach().clone()


class TorchFlagged:
    """``optim.NAdam`` and ``optim.RAdam`` on one code path: :meth:`run` steps one optimizer over a trajectory,
    optionally shrinking the weights by a factor before each step (how a hypothesis about the flag is formed)."""

    FRAMEWORK = "torch"
    CLASSES: ClassVar[dict[str, type]] = {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}

    def __init__(self, implementation: str) -> None:
        self.flags = IMPLEMENTATIONS[implementation]
        self.NAME = f"torch.optim NAdam/RAdam [{implementation}]"
        self.API = {op: f"optim.{cls.__name__} [{implementation}]" for op, cls in self.CLASSES.items()}

    def run(self, op: str, w: np.ndarray, grads: list[np.ndarray], shrink: float = 1.0, **kwargs: Any) -> np.ndarray:
        param = torch.nn.Parameter(torch.from_numpy(w.copy()))
        optimizer = self.CLASSES[op]([param], **kwargs, **self.flags)
        for g in grads:
            with torch.no_grad():
                param.mul_(shrink)
            param.grad = torch.from_numpy(g.copy())
            optimizer.step()
        return param.detach().numpy().copy()


single_tensor = TorchOptim("single-tensor", compiler="torch.compile of optimizer.step (inductor, default settings)")
foreach = TorchOptim("foreach")
fused = TorchOptim("fused")
_DECOUPLED = {"adamw_step": functools.partial(torch.optim.Adam, decoupled_weight_decay=True)}
adam_decoupled_single_tensor = TorchOptim("single-tensor", _DECOUPLED)
adam_decoupled_foreach = TorchOptim("foreach", _DECOUPLED)
adam_decoupled_fused = TorchOptim("fused", _DECOUPLED)
flagged_single_tensor = TorchFlagged("single-tensor")
flagged_foreach = TorchFlagged("foreach")
