"""``torch.optim.Optimizer`` adapters whose steps are the reference's (:func:`torch_impl.sgd_step`, …).

Each ``step()`` calls the functional update on a group's parameters and copies the result into
``p.data``, as torch's optimizers update in place; on CUDA a fused kernel (:mod:`torch_impl.kernels.optim`)
writes the same update into the parameters and the state's buffers directly, all tensors of a group
and dtype in one launch. The state of a parameter is the functional
state's fields (``step``, ``momentum`` for SGD; ``step``, ``m``, ``v``, ``v_max`` for Adam), so
``state_dict()`` / ``load_state_dict()`` round-trip through torch's own machinery. Like the reference,
Adam keeps ``v_max`` even without AMSGrad.

Decay masks through groups: a group with ``weight_decay=0`` spares its parameters (exactly as a False
mask entry: the reference skips ``λ = 0`` decay), or a group's ``decay_mask`` (a list of bools, one
per parameter of the group, or a callable ``tensor -> bool``) selects within it. A callable does not
pickle; use bools or groups for checkpoints.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import torch

from numpy_ref.tree import resolve_decay_mask
from numpy_ref.validation import check_adam_hyperparameters, check_sgd_hyperparameters

from . import kernels
from .adam import AdamState, adam_init, adam_step
from .sgd import SGDState, check_state, sgd_init, sgd_step

__all__ = ["SGD", "Adam", "AdamW"]


class _ReferenceOptimizer(torch.optim.Optimizer):
    """Runs ``self._update`` (a functional step) over each group's parameters that have a gradient."""

    _init: Callable[[Any], Any]  # the functional init and step, as staticmethods
    _update: Callable[..., tuple[Any, Any]]
    _fused: Callable[..., bool]  # the in-place kernel dispatch (torch_impl.kernels), as a staticmethod
    _checked: Callable[[dict[str, Any]], dict[str, Any]]  # a group's hyperparameters checked, as floats
    _state_type: type

    @classmethod
    @cache  # read once per class: inspect.signature costs more than a fused step's launch
    def _options(cls) -> list[str]:
        """The functional step's hyperparameters (not torch's "differentiable", nor a scheduler's "initial_lr")."""
        parameters = inspect.signature(cls._update).parameters.values()
        return [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name != "decay_mask"]

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict[str, Any]) -> None:
        """Host work per step is kept small (each ``self.state[p]`` looked up once): on CUDA it is all
        that runs besides one launch per dtype."""
        decayed = resolve_decay_mask(group["params"], group["decay_mask"])
        by_step: dict[int, list[tuple[torch.Tensor, bool, dict]]] = {}
        for p, decay in zip(group["params"], decayed):
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state = self.state[p] = dict(self._init(p)._asdict())
            by_step.setdefault(int(state["step"]), []).append((p, decay, state))
        if not by_step:
            return
        hyper = self._checked({k: group[k] for k in self._options()})
        names = self._state_type._fields[1:]
        for members in by_step.values():  # parameters a gradient skipped can lag behind the others
            for dtype in dict.fromkeys(p.dtype for p, _, _ in members):
                chosen = [m for m in members if m[0].dtype == dtype]
                params, decay, states = [m[0] for m in chosen], [m[1] for m in chosen], [m[2] for m in chosen]
                step = states[0]["step"]
                fields = [[state[name] for state in states] for name in names]
                if not self._fused_step(params, decay, step, fields, hyper, states):
                    self._reference_step(params, decay, step, fields, hyper)

    def _fused_step(
        self, params: list, decay: list[bool], step: Any, fields: list, hyper: dict, states: list[dict]
    ) -> bool:
        """The step by a fused kernel (:mod:`torch_impl.kernels`), in place; False where none applies.

        The step is checked as the functional step checks it (the hyperparameters were, by
        :meth:`_checked`). The new step counter is one tensor for all of ``params``, as the reference
        path's ``new_state.step`` is.
        """
        step = check_state(self._state_type(step, *fields), self._state_type)
        if not self._fused(params, [p.grad for p in params], *fields, decay, step, **hyper):
            return False
        next_step = torch.tensor(step + 1)
        for state in states:
            state["step"] = next_step
        return True

    def _reference_step(self, params: list, decay: list[bool], step: Any, fields: list, hyper: dict) -> None:
        new_params, new_state = self._update(
            params, [p.grad for p in params], self._state_type(step, *fields), decay_mask=decay, **hyper
        )
        for i, p in enumerate(params):
            p.copy_(new_params[i])
            self.state[p] = {
                "step": new_state.step,
                **{f: new_state[j][i] for j, f in enumerate(new_state._fields) if j},
            }


class SGD(_ReferenceOptimizer):
    """:func:`torch_impl.sgd_step` as a ``torch.optim.Optimizer`` (coupled decay unless ``decoupled``)."""

    _init, _update, _state_type = staticmethod(sgd_init), staticmethod(sgd_step), SGDState
    _fused = staticmethod(kernels.sgd_)

    @staticmethod
    def _checked(hyper: dict[str, Any]) -> dict[str, Any]:
        lr, mu, tau, lam = check_sgd_hyperparameters(
            hyper["lr"], hyper["momentum"], hyper["dampening"], hyper["weight_decay"], hyper["nesterov"]
        )
        return {**hyper, "lr": lr, "momentum": mu, "dampening": tau, "weight_decay": lam}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        decoupled: bool = False,
        maximize: bool = False,
        decay_mask: object = None,
    ) -> None:
        check_sgd_hyperparameters(lr, momentum, dampening, weight_decay, nesterov)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=weight_decay,
            decoupled=decoupled,
            maximize=maximize,
            decay_mask=decay_mask,
        )
        super().__init__(params, defaults)


class Adam(_ReferenceOptimizer):
    """:func:`torch_impl.adam_step` as a ``torch.optim.Optimizer`` (coupled L2 unless ``decoupled``)."""

    _init, _update, _state_type = staticmethod(adam_init), staticmethod(adam_step), AdamState
    _fused = staticmethod(kernels.adam_)

    @staticmethod
    def _checked(hyper: dict[str, Any]) -> dict[str, Any]:
        lr, betas, eps, lam = check_adam_hyperparameters(
            hyper["lr"], hyper["betas"], hyper["eps"], hyper["weight_decay"]
        )
        return {**hyper, "lr": lr, "betas": betas, "eps": eps, "weight_decay": lam}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled: bool = False,
        amsgrad: bool = False,
        maximize: bool = False,
        decay_mask: object = None,
    ) -> None:
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            decoupled=decoupled,
            amsgrad=amsgrad,
            maximize=maximize,
            decay_mask=decay_mask,
        )
        super().__init__(params, defaults)


class AdamW(Adam):
    """:func:`torch_impl.adamw_step` as a ``torch.optim.Optimizer``: :class:`Adam` with ``decoupled=True``
    and torch's default ``weight_decay = 0.01``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        maximize: bool = False,
        decay_mask: object = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, True, amsgrad, maximize, decay_mask)
