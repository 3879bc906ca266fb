"""torch update rules and L2 penalty: torch_impl (fused kernels) against torch's own; helpers the CPU rows share."""

from __future__ import annotations

import math

import numpy as np
import torch

import numpy_ref as nr
import torch_impl as ti
from torch_impl import kernels
from torch_impl import optim as ti_optim

from .checks import ulps
from .guard import section
from .report import Report, Row
from .timing import Timer

__all__ = ["RULES", "checked_step", "l2", "optimizer_classes", "optimizers", "with_grads"]

TENSORS = 64
WIDTH = 1 << 14  # the checked slice of one tensor (at most)
RULES = {
    "SGD momentum": (
        dict(lr=0.01, momentum=0.9, weight_decay=1e-4),
        ("momentum",),
        lambda w, g, s, step, kw: nr.sgd_step(w, g, nr.SGDState(np.int64(step), s[0]), **kw),
    ),
    "AdamW": (
        dict(lr=1e-3, weight_decay=0.01),
        ("m", "v", "v_max"),
        lambda w, g, s, step, kw: nr.adamw_step(w, g, nr.AdamState(np.int64(step), *s), **kw),
    ),
}
_TORCH_STATE = {"momentum": "momentum_buffer", "m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"}


def with_grads(shapes: list[tuple[int, ...]], device: torch.device) -> list[torch.Tensor]:
    """Random float32 parameters of these shapes, each with a random gradient."""
    g = torch.Generator(device=device).manual_seed(int(np.random.SeedSequence().entropy % 2**62))
    params = [torch.randn(shape, generator=g, device=device) for shape in shapes]
    for p in params:
        p.grad = torch.randn(p.shape, generator=g, device=device) * 1e-2
    return params


def _params(n: int, device: torch.device) -> list[torch.Tensor]:
    return with_grads([(n // TENSORS,)] * TENSORS, device)


def optimizer_classes(rule: str) -> tuple[type, type]:
    """``(torch_impl's, torch's)`` optimizer class for a rule of :data:`RULES`."""
    if rule == "SGD momentum":
        return ti_optim.SGD, torch.optim.SGD
    return ti_optim.AdamW, torch.optim.AdamW


def _host(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()  # a copy: on the CPU, .cpu().numpy() shares the tensor's memory


def checked_step(opt: torch.optim.Optimizer, rule: str, ours: bool, step: int) -> float:
    """Step ``step``; the worst ULP distance from numpy_ref on a slice of the largest tensor (state from before)."""
    options, fields, reference = RULES[rule]
    p = max(opt.param_groups[0]["params"], key=lambda t: t.numel())
    state = opt.state.get(p, {})
    width = min(WIDTH, p.numel())
    names = fields if ours else [_TORCH_STATE[f] for f in fields]
    before = [_host(p.detach().reshape(-1)[:width]), _host(p.grad.reshape(-1)[:width])]
    s = [_host(state[f].reshape(-1)[:width]) if f in state else np.zeros(width, np.float32) for f in names]
    opt.step()
    with np.errstate(all="ignore"):
        w, new = reference(before[0], before[1], s, step, options)
    state = opt.state[p]
    worst = ulps(p.detach().reshape(-1)[:width].cpu().numpy(), w)
    new_fields = [new.momentum] if rule == "SGD momentum" else [new.m, new.v]
    for f, want in zip(names, new_fields):
        worst = max(worst, ulps(state[f].reshape(-1)[:width].cpu().numpy(), want))
    return worst


def optimizers(report: Report, timer: Timer, device: torch.device, n: int) -> None:
    for rule, (options, _, _) in RULES.items():
        name = f"{rule} float32 2^{math.log2(n):g} in {TENSORS} tensors"
        with section(report, name, 90):
            ours_cls, torch_cls = optimizer_classes(rule)
            variants = [
                ("torch_impl.optim", ours_cls, {}),
                ("torch fused=True", torch_cls, {"fused": True}),
                ("torch foreach=True", torch_cls, {"foreach": True}),
            ]
            for variant, cls, extra in variants:
                _time_optimizer(
                    report, timer, device, n, name, rule, variant, cls(_params(n, device), **options, **extra)
                )


def _time_optimizer(
    report: Report,
    timer: Timer,
    device: torch.device,
    n: int,
    name: str,
    rule: str,
    variant: str,
    opt: torch.optim.Optimizer,
) -> None:
    ours = variant.startswith("torch_impl")
    worst = max(checked_step(opt, rule, ours, step) for step in range(2))
    path = kernels.status().get("sgd" if rule == "SGD momentum" else "adam", "eager") if ours else ""
    ms, reps = timer.median_ms(lambda i: opt.step())
    bytes_moved = n * 4 * (5 if rule == "SGD momentum" else 7)  # read w, g, state; write w, state
    label = f"{variant} ({path})" if path else variant
    check = f"max {worst:g} ULP vs numpy_ref"
    host = timer.host_note(lambda i: opt.step())
    report.add(Row(name, label, ms, reps, bytes_moved, variant == "torch fused=True", check, host))


def l2(report: Report, timer: Timer, device: torch.device, n: int) -> None:
    name = f"L2 penalty float32 2^{math.log2(n):g} in {TENSORS} tensors"
    with section(report, name, 60):
        params = [p.detach() for p in _params(n, device)]
        want = float(torch.stack([p.double().square().sum() for p in params]).sum()) * 0.5 * 0.01
        variants = [
            ("torch_impl.l2_penalty", lambda i: ti.l2_penalty(params, 0.01), False),
            (
                "torch _foreach_norm (float32)",
                lambda i: torch.stack(torch._foreach_norm(params)).square().sum() * 0.005,
                True,
            ),
            ("torch sum of squares (float32)", lambda i: sum(p.square().sum() for p in params) * 0.005, False),
        ]
        for variant, fn, baseline in variants:
            got = float(fn(0))
            error = abs(got - want) / want
            label = (
                f"{variant} ({kernels.status().get('l2', 'eager')})" if variant.startswith("torch_impl") else variant
            )
            ms, reps = timer.median_ms(fn)
            check = f"rel. error {error:.1e} vs float64"
            report.add(Row(name, label, ms, reps, 4 * n, baseline, check, timer.host_note(fn)))
        if device.type == "cuda":  # on the CPU the row above is the eager path already
            with kernels.disabled():
                ms, reps = Timer(timer.kind, timer.budget_s, 5).median_ms(variants[0][1])
            report.add(Row(name, "torch_impl.l2_penalty (eager)", ms, reps, 4 * n, check="float64 copy per leaf"))
