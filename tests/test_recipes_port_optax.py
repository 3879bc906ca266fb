"""The optax recipes against torch itself: torch's ``SGD(momentum=0.9, weight_decay=5e-4)`` with
``StepLR(step_size=6, gamma=0.5)`` and ``AdamW`` with the biases in a parameter group without decay — the issue's
ports — then ``Adam(weight_decay=0.01, amsgrad=True)``, ``SGD(dampening=0.5)``, ``SGD(nesterov=True)``, and SGD, Adam
and AdamW with a parameter whose ``.grad`` is None at every second step. Each is ported to optax by following
docs/recipes.md alone: the recipe's usage line executed as written (or with the arguments a reader would change),
driven by ``update`` and ``apply_updates`` over the same gradients as torch (an MLP's kernels and biases, a fixed
seed), 24 steps with the step schedule, every step within the suite's tolerance for that many steps.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from conformance.native.compare import Case
from conformance.native.recipe import EVERY, STEPS, biases_spared, mlp_trajectory, step_schedule
from conformance.native.recipe_measures import from_usage, missing_at
from conformance.native.recipes_optax import RECIPES, STEP_LR, run, usage_scope
from conformance.native.trajectories import error_at_last_step
from conformance.tolerances import tolerance

if importlib.util.find_spec("torch"):
    import torch
pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("torch", "jax", "optax")), reason="needs torch, jax and optax"
)

_SGD = {"momentum": 0.9, "weight_decay": 5e-4}
_ADAM = {"weight_decay": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}
_KERNELS = "lambda params: jax.tree.map(lambda w: w.ndim > 1, params)"


def _spared(ps: list, **kwargs: Any) -> list[dict]:
    """torch's parameter groups for the MLP: kernels decayed, biases (every second tensor) in a group without decay."""
    return [{"params": ps[0::2]}, {"params": ps[1::2], "weight_decay": 0.0}]


def _skipping(inner: str, lr0: float) -> str:
    return f"tx = optax.chain(skip_missing_gradients({inner}), optax.scale_by_learning_rate({STEP_LR.format(lr0=lr0)}))"


@dataclasses.dataclass(frozen=True)
class Port:
    """torch's ``make(params, lr)`` against the optax recipe ``slug`` (its usage line, or ``line``)."""

    slug: str
    op: str
    hyper: dict
    lr0: float
    make: Callable[[list, float], Any]
    line: str | None = None
    spare_biases: bool = False
    missing: bool = False  # out/bias without a gradient at every second step


PORTS = {
    "SGD(momentum=0.9, weight_decay=5e-4)": Port(
        "optax-torch-sgd", "sgd_step", _SGD, 0.1, lambda ps, lr: torch.optim.SGD(ps, lr=lr, **_SGD)
    ),
    "AdamW(weight_decay=0.01), biases without decay": Port(
        "optax-torch-adamw-biases",
        "adamw_step",
        _ADAM,
        0.01,
        lambda ps, lr: torch.optim.AdamW(_spared(ps), lr=lr, weight_decay=0.01),
        spare_biases=True,
    ),
    "Adam(weight_decay=0.01, amsgrad=True)": Port(
        "optax-torch-adam-amsgrad",
        "adam_step",
        {**_ADAM, "amsgrad": True},
        0.01,
        lambda ps, lr: torch.optim.Adam(ps, lr=lr, weight_decay=0.01, amsgrad=True),
    ),
    "SGD(momentum=0.9, dampening=0.5, weight_decay=5e-4)": Port(
        "optax-torch-sgd",
        "sgd_step",
        {**_SGD, "dampening": 0.5},
        0.1,
        lambda ps, lr: torch.optim.SGD(ps, lr=lr, dampening=0.5, **_SGD),
        f"tx = torch_sgd({STEP_LR.format(lr0=0.1)}, momentum=0.9, dampening=0.5, weight_decay=5e-4)",
    ),
    "SGD(momentum=0.9, nesterov=True, weight_decay=5e-4)": Port(
        "optax-torch-sgd",
        "sgd_step",
        {**_SGD, "nesterov": True},
        0.1,
        lambda ps, lr: torch.optim.SGD(ps, lr=lr, nesterov=True, **_SGD),
        f"tx = torch_sgd({STEP_LR.format(lr0=0.1)}, momentum=0.9, nesterov=True, weight_decay=5e-4)",
    ),
    "SGD(momentum=0.9, weight_decay=5e-4), a bias without .grad": Port(
        "optax-skip-missing-gradients",
        "sgd_step",
        _SGD,
        0.1,
        lambda ps, lr: torch.optim.SGD(ps, lr=lr, **_SGD),
        _skipping("optax.chain(optax.add_decayed_weights(5e-4), optax.trace(0.9))", 0.1),
        missing=True,
    ),
    "Adam(weight_decay=0.01), a bias without .grad": Port(
        "optax-skip-missing-gradients",
        "adam_step",
        _ADAM,
        0.01,
        lambda ps, lr: torch.optim.Adam(ps, lr=lr, weight_decay=0.01),
        _skipping("optax.chain(optax.add_decayed_weights(0.01), scale_by_torch_adam())", 0.01),
        missing=True,
    ),
    "AdamW(weight_decay=0.01), biases without decay, a bias without .grad": Port(
        "optax-skip-missing-gradients",
        "adamw_step",
        _ADAM,
        0.01,
        lambda ps, lr: torch.optim.AdamW(_spared(ps), lr=lr, weight_decay=0.01),
        spare_biases=True,
        missing=True,
    ),
}


def _gradients(port: Port) -> list[dict]:
    grads = mlp_trajectory()[1]
    return [missing_at(t, g) for t, g in enumerate(grads)] if port.missing else grads


def _torch_side(port: Port) -> list[dict]:
    """torch's own optimizer with ``StepLR(step_size=EVERY, gamma=0.5)``: the parameters after each step."""
    params = mlp_trajectory()[0]
    ps = [torch.tensor(w, requires_grad=True) for w in params.values()]
    optimizer = port.make(ps, port.lr0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=EVERY, gamma=0.5)
    out = []
    for g in _gradients(port):
        for p, x in zip(ps, g.values()):
            p.grad = None if x is None else torch.tensor(x)
        optimizer.step()
        scheduler.step()
        out.append({k: p.detach().numpy().copy() for k, p in zip(params, ps)})
    return out


def _optax_side(port: Port) -> list[dict]:
    """The transformation the recipe's usage line (or the port's line) builds, over the same gradients."""
    recipe = next(r for r in RECIPES.recipes if r.slug == port.slug)
    tx = from_usage(dataclasses.replace(recipe, usage=port.line or recipe.usage), "tx", **usage_scope())
    return run(tx, mlp_trajectory()[0], _gradients(port))


@pytest.mark.parametrize("name", list(PORTS))
def test_the_optax_port_follows_torch_step_by_step(name: str) -> None:
    port = PORTS[name]
    params, grads = mlp_trajectory()
    mask = {"decay_mask": biases_spared(params)} if port.spare_biases else {}
    hypers = [{**port.hyper, "lr": lr, **mask} for lr in step_schedule(port.lr0)]
    want, got = _torch_side(port), _optax_side(port)
    line = port.line or next(r.usage for r in RECIPES.recipes if r.slug == port.slug)
    for t in range(STEPS):
        case = Case(f"step {t + 1}", (params, grads[: t + 1]))
        err, tol = (
            error_at_last_step(port.op, hypers[: t + 1])(got[t], want[t], case),
            tolerance(port.op, "float32", t + 1),
        )
        assert err <= tol, (
            f"recipe {port.slug} (docs/recipes.md#{port.slug}) is not torch's {name} at step {t + 1} of {STEPS}: "
            f"{err:.3g} ULPs > {tol:.3g}\n  optax line: {line}\n  got {got[t]}\n  torch {want[t]}"
        )


def test_the_skipped_bias_is_left_as_it_was_and_decayed_without_the_recipe() -> None:
    """The ports with a missing gradient test something: at the step without a gradient torch leaves the bias as
    it was, and the recipe's own transformation without skip_missing_gradients (zeros in its place) moves it."""
    port = PORTS["AdamW(weight_decay=0.01), biases without decay, a bias without .grad"]
    torch_side = _torch_side(port)
    assert np.array_equal(torch_side[1]["out/bias"], torch_side[0]["out/bias"])
    params = mlp_trajectory()[0]
    zeros = [{k: np.zeros_like(params[k]) if v is None else v for k, v in g.items()} for g in _gradients(port)]
    recipe = next(r for r in RECIPES.recipes if r.slug == "optax-torch-adamw-biases")
    moved = run(from_usage(recipe, "tx", **usage_scope()), params, zeros)
    assert not np.array_equal(moved[1]["out/bias"], moved[0]["out/bias"])
