# ruff: noqa: E501 — PINS is a table of measured rows, one per line, however long
"""What each optax recipe (conformance/native/recipes_optax.py, docs/recipes.md) measures against its target on the
versions installed here (``PINS``, through tests/recipe_pins.py); stock optax in each recipe's place, measured as the
notes quote it (``STOCK``) or at least differing; and the defaults the recipe spells out, read from torch.optim's
signatures.
"""

from __future__ import annotations

import importlib.util
import inspect

import pytest
from recipe_pins import cells, check_pin, check_separation, check_stock

from conformance.native.finding import Finding
from conformance.native.recipes_optax import RECIPES, STOCK, TORCH_DEFAULTS

pytestmark = pytest.mark.skipif(
    not (importlib.util.find_spec("jax") and importlib.util.find_spec("optax")), reason="needs jax and optax"
)

PINNED_FOR = {"optax": "0.2.8", "jax": "0.10.2"}
PINS = """
optax-torch-sgd | optax | torch's SGD: bit for bit
optax-torch-sgd-nesterov | optax | nesterov with momentum=0: ValueError; nesterov with dampening=0.5: ValueError
optax-torch-adamw-biases | optax | torch's AdamW: within the tolerance
optax-torch-adam-amsgrad | optax | torch's Adam: within the tolerance
optax-skip-missing-gradients | optax | torch's SGD, out/bias skipped at every second step: bit for bit; torch's Adam, out/bias skipped at every second step: within the tolerance; torch's AdamW, out/bias skipped at every second step: within the tolerance
optax-torch-defaults | optax | torch.optim's defaults: SGD, Adam, AdamW, within the tolerance
optax-keras-sgd | optax | keras's SGD: within the tolerance
"""
CELLS = cells(PINS)
_BY_SLUG = {r.slug: r for r in RECIPES.recipes}


def test_every_optax_recipe_is_pinned() -> None:
    assert sorted(slug for slug, _, _ in CELLS) == sorted(_BY_SLUG)


@pytest.mark.parametrize("cell", CELLS, ids=[c[0] for c in CELLS])
def test_the_recipe_measures_as_pinned(native_findings: list[Finding], cell: tuple[str, str, str]) -> None:
    check_pin(native_findings, RECIPES, cell, PINNED_FOR)


@pytest.mark.parametrize("slug", list(STOCK))
def test_stock_optax_measures_what_the_note_says(slug: str) -> None:
    check_stock(_BY_SLUG[slug], *STOCK[slug], "conformance/native/recipes_optax.py")


def _stock() -> dict[str, tuple[object, str]]:
    """optax's own API (or another recipe's convention) in each recipe's place, and why it must differ."""
    import jax
    import jax.numpy as jnp
    import optax

    from conformance.native.recipes_optax import keras_sgd, torch_sgd

    def zero_filled(inner: optax.GradientTransformation) -> optax.GradientTransformation:
        def update(grads, state, params):
            filled = jax.tree.map(
                lambda g, w: jnp.zeros_like(w) if g is None else g, grads, params, is_leaf=lambda g: g is None
            )
            return inner.update(filled, state, params)

        return optax.GradientTransformation(inner.init, update)

    def plain_sgd(learning_rate, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        return optax.sgd(learning_rate, momentum=momentum or None, nesterov=nesterov)

    return {
        "optax-torch-sgd": (keras_sgd, "lr inside the velocity (keras's convention)"),
        "optax-torch-sgd-nesterov": (plain_sgd, "optax.sgd takes nesterov=True without momentum"),
        "optax-skip-missing-gradients": (zero_filled, "optax decays a leaf with a zero gradient"),
        "optax-torch-defaults": (
            lambda: {"SGD": optax.sgd(1e-3), "Adam": optax.adam(1e-3), "AdamW": optax.adamw(1e-3)},
            "optax.adamw's weight_decay=1e-4",
        ),
        "optax-keras-sgd": (torch_sgd, "lr outside the velocity, coupled decay (torch's convention)"),
    }


@pytest.mark.parametrize(
    "slug",
    [
        "optax-torch-sgd",
        "optax-torch-sgd-nesterov",
        "optax-skip-missing-gradients",
        "optax-torch-defaults",
        "optax-keras-sgd",
    ],
)
def test_each_measurement_fails_with_something_else_in_the_snippet_place(slug: str) -> None:
    stock, why = _stock()[slug]
    check_separation(_BY_SLUG[slug], stock, why)


@pytest.mark.skipif(not importlib.util.find_spec("torch"), reason="needs torch")
def test_the_defaults_are_torch_optim_s() -> None:
    import torch

    for name, (_, hyper) in TORCH_DEFAULTS.items():
        declared = inspect.signature(getattr(torch.optim, name)).parameters
        for k, v in hyper.items():
            assert declared[k].default == v, (
                f"torch.optim.{name} declares {k}={declared[k].default!r}, TORCH_DEFAULTS {v!r}"
            )
