# ruff: noqa: E501 — PINS is a table of measured rows, one per line, however long
"""What each torch recipe (conformance/native/recipes_torch.py, docs/recipes.md) measures against its target on the
torch installed here (``PINS``, through tests/recipe_pins.py); torch's own API in each recipe's place, measured as the
note quotes it (``STOCK``: a compiled step without float64 step counts) or at least differing.
"""

from __future__ import annotations

import importlib.util

import pytest
from recipe_pins import cells, check_pin, check_separation, check_stock

from conformance.native.finding import Finding
from conformance.native.recipes_torch import RECIPES, STOCK

pytestmark = pytest.mark.skipif(not importlib.util.find_spec("torch"), reason="needs torch")

PINNED_FOR = {"torch": "2.13.0+cpu"}
PINS = """
torch-keras-sgd | torch | keras's SGD: within the tolerance
torch-zero-filled-gradients | torch | SGD with a zero gradient: within the tolerance; Adam with a zero gradient: within the tolerance; AdamW with a zero gradient: within the tolerance
torch-compiled-adam | torch | torch's eager AdamW: within the tolerance; torch's eager Adam: within the tolerance
torch-nan-free-dropout | torch | F.dropout's mask, the reference's values: bit for bit; p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError; p = 0: a new tensor
torch-reference-dropout | torch | numpy_ref.dropout with the key: bit for bit; numpy_ref.dropout with the key, compiled: bit for bit; p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
"""
CELLS = cells(PINS)
_BY_SLUG = {r.slug: r for r in RECIPES.recipes}


def test_every_torch_recipe_is_pinned() -> None:
    assert sorted(slug for slug, _, _ in CELLS) == sorted(_BY_SLUG)


@pytest.mark.parametrize("cell", CELLS, ids=[c[0] for c in CELLS])
def test_the_recipe_measures_as_pinned(native_findings: list[Finding], cell: tuple[str, str, str]) -> None:
    check_pin(native_findings, RECIPES, cell, PINNED_FOR)


@pytest.mark.parametrize("slug", list(STOCK))
def test_stock_torch_measures_what_the_note_says(slug: str) -> None:
    check_stock(_BY_SLUG[slug], *STOCK[slug], "conformance/native/recipes_torch.py")


def _stock() -> dict[str, tuple[object, str]]:
    """torch's own API in each recipe's place, and why it must differ."""
    import torch
    import torch.nn.functional as F

    return {
        "torch-keras-sgd": (
            lambda params, lr, momentum, weight_decay: torch.optim.SGD(
                params, lr=lr, momentum=momentum, weight_decay=weight_decay
            ),
            "torch's SGD: coupled decay, lr outside the velocity",
        ),
        "torch-zero-filled-gradients": (
            lambda optimizer: optimizer.step(),
            "torch skips a parameter without a gradient",
        ),
        "torch-nan-free-dropout": (
            lambda x, p, training=True: F.dropout(x, p, training),
            "F.dropout: NaN for a dropped inf",
        ),
        "torch-reference-dropout": (
            lambda x, p, key, training=True: F.dropout(x, p, training),
            "torch's generator: other masks",
        ),
    }


@pytest.mark.parametrize(
    "slug", ["torch-keras-sgd", "torch-zero-filled-gradients", "torch-nan-free-dropout", "torch-reference-dropout"]
)
def test_each_measurement_fails_with_torch_own_api_in_the_snippet_place(slug: str) -> None:
    stock, why = _stock()[slug]
    check_separation(_BY_SLUG[slug], stock, why)
