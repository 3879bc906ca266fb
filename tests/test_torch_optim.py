"""torch_impl.optim: the reference's rules as torch.optim.Optimizers (against torch.optim and the
functional steps), param groups, decay masks through groups, and state_dict round trips."""

from __future__ import annotations

import copy

import pytest
import torch

import torch_impl as ti
from torch_impl import optim

STEPS = 20


def problem(dtype=torch.float64):
    """Parameters and a loss with a gradient that changes from step to step."""
    g = torch.Generator().manual_seed(0)
    params = [torch.randn(5, 3, generator=g, dtype=dtype), torch.randn(3, generator=g, dtype=dtype)]
    targets = torch.randn(STEPS, 4, 3, generator=g, dtype=dtype)
    inputs = torch.randn(STEPS, 4, 5, generator=g, dtype=dtype)

    def loss(ps, t):
        return ((inputs[t] @ ps[0] + ps[1] - targets[t]) ** 2).mean() + (ps[0] ** 4).sum() * 1e-3

    return params, loss


def train(make_optimizer, params, loss, steps=STEPS, start=0):
    params = [p.clone().requires_grad_(True) for p in params]
    opt = make_optimizer(params)
    for t in range(start, start + steps):
        opt.zero_grad()
        loss(params, t).backward()
        opt.step()
    return [p.detach() for p in params], opt


AGAINST_TORCH = [
    (dict(lr=0.05), "SGD", "SGD"),
    (dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1), "SGD", "SGD"),
    (dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=False), "SGD", "SGD"),
    (dict(lr=0.01, momentum=0.5, maximize=True), "SGD", "SGD"),
    (dict(lr=0.01), "Adam", "Adam"),
    (dict(lr=0.01, weight_decay=0.1, amsgrad=True), "Adam", "Adam"),
    (dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3, maximize=True), "Adam", "Adam"),
    (dict(lr=0.01), "AdamW", "AdamW"),
    (dict(lr=0.01, weight_decay=0.3, amsgrad=True), "AdamW", "AdamW"),
]


@pytest.mark.parametrize(("options", "ours", "theirs"), AGAINST_TORCH)
def test_trajectory_matches_torch_optim_in_float64(options, ours, theirs):
    params, loss = problem()
    got, _ = train(lambda ps: getattr(optim, ours)(ps, **options), params, loss)
    want, _ = train(lambda ps: getattr(torch.optim, theirs)(ps, foreach=False, **options), params, loss)
    for g, w in zip(got, want):
        assert torch.allclose(g, w, rtol=1e-10, atol=1e-12), (g - w).abs().max()
    assert not all(torch.equal(g, p) for g, p in zip(got, params))  # the parameters did move


def test_adam_decoupled_is_adamw():
    params, loss = problem()
    got, _ = train(lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.2, decoupled=True), params, loss)
    want, _ = train(lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.2), params, loss)
    assert all(torch.equal(g, w) for g, w in zip(got, want))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_steps_are_the_functional_steps_exactly(dtype):
    params, loss = problem(dtype)
    got, _ = train(lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1, decay_mask=[True, False]), params, loss)
    ps, state = [p.clone().requires_grad_(True) for p in params], ti.adam_init(params)
    for t in range(STEPS):
        grads = torch.autograd.grad(loss(ps, t), ps)
        new, state = ti.adamw_step(
            [p.detach() for p in ps], list(grads), state, lr=0.01, weight_decay=0.1, decay_mask=[True, False]
        )
        ps = [p.requires_grad_(True) for p in new]
    assert all(torch.equal(g, w.detach()) for g, w in zip(got, ps))


def test_decay_masks_through_groups():
    params, loss = problem()
    by_mask, _ = train(
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.3, decay_mask=lambda w: w.ndim > 1), params, loss
    )
    by_flags, _ = train(
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.3, decay_mask=[True, False]), params, loss
    )
    by_groups, _ = train(
        lambda ps: optim.SGD(
            [{"params": [ps[0]]}, {"params": [ps[1]], "weight_decay": 0.0}], lr=0.05, momentum=0.9, weight_decay=0.3
        ),
        params,
        loss,
    )
    everything, _ = train(lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.3), params, loss)
    for other in (by_flags, by_groups):
        assert all(torch.equal(a, b) for a, b in zip(by_mask, other))
    assert not torch.equal(by_mask[1], everything[1])


@pytest.mark.parametrize(
    "make", [lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True)]
)
def test_state_dict_round_trip_into_a_fresh_optimizer(make):
    params, loss = problem()
    straight, _ = train(make, params, loss)
    half, opt = train(make, params, loss, steps=STEPS // 2)
    saved = copy.deepcopy(opt.state_dict())
    resumed = [p.clone().requires_grad_(True) for p in half]
    fresh = make(resumed)
    fresh.load_state_dict(saved)
    for t in range(STEPS // 2, STEPS):
        fresh.zero_grad()
        loss(resumed, t).backward()
        fresh.step()
    assert all(torch.equal(a, b.detach()) for a, b in zip(straight, resumed))
    assert int(fresh.state[resumed[0]]["step"]) == STEPS


def test_parameters_without_gradient_are_skipped_and_lag_behind():
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    for t in range(3):
        opt.zero_grad()
        (a.sum() + (b.sum() if t else 0)).backward()
        opt.step()
    assert int(opt.state[a]["step"]) == 3 and int(opt.state[b]["step"]) == 2
    ref_b, state = torch.ones(2), ti.adam_init(torch.ones(2))
    for _ in range(2):
        ref_b, state = ti.adam_step(ref_b, torch.ones(2), state, lr=0.1)
    assert torch.equal(b.detach(), ref_b)


def test_group_options_follow_an_lr_scheduler():
    params, loss = problem()
    ps = [p.clone().requires_grad_(True) for p in params]
    opt = optim.SGD(ps, lr=0.08, momentum=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    want, state = [p.clone() for p in params], ti.sgd_init(params)
    for t, lr in enumerate([0.08, 0.04, 0.02]):
        opt.zero_grad()
        loss(ps, t).backward()
        opt.step()
        scheduler.step()
        grads = torch.autograd.grad(loss([w.requires_grad_(True) for w in want], t), want)
        want, state = ti.sgd_step([w.detach() for w in want], list(grads), state, lr=lr, momentum=0.5)
    assert all(torch.equal(a.detach(), b) for a, b in zip(ps, want))
