# ruff: noqa: E501 — PINS is a table of measured rows, one per line, however long
"""What each keras recipe (conformance/native/recipes_keras.py, docs/recipes.md) measures against its target on the
keras versions installed here, pinned per backend: a keras release that changes what a recipe reaches — bit for
bit becoming "within the tolerance", or the target lost — fails the row of that recipe, naming it, its anchor in
docs/recipes.md, the pinned and the measured result and the installed versions.

``PINS`` rows are ``slug | framework | observed``, recorded from a run of ``regref check --native`` (the keras
backends in subprocesses) on the versions in ``PINNED_FOR``. Every row's verdict is ``agrees``;
tests/test_native_recipes.py holds every recipe to that, this file to how exactly.
"""

from __future__ import annotations

import pytest
from recipe_pins import cells, check_pin

from conformance.native.finding import Finding
from conformance.native.recipes_keras import RECIPES

PINNED_FOR = {"keras": "3.15.1", "jax": "0.10.2", "torch": "2.13.0+cpu"}

PINS = """
keras-torch-sgd | keras[*] | torch's SGD: bit for bit
keras-torch-adamw-biases | keras[*] | torch's AdamW: within the tolerance
keras-torch-adam-l2 | keras[*] | torch's Adam: within the tolerance
keras-no-zero-decay | keras[*] | the reference's λ = 0: inf stays inf: bit for bit
keras-zero-filled-gradients | keras[*] | SGD with a zero gradient: bit for bit; Adam with a zero gradient: within the tolerance; AdamW with a zero gradient: within the tolerance
keras-torch-defaults | keras[*] | torch.optim's defaults: SGD, Adam, AdamW
keras-torch-sgd-nesterov | keras[*] | nesterov with momentum=0: ValueError; nesterov with dampening=0.5: ValueError
keras-l2-half | keras[*] | λ/2·Σw², within the tolerance; λ·w, bit for bit
keras-reference-dropout | keras[*] | numpy_ref.dropout with the key (seed, call): bit for bit; p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError; p = 0: a new array
"""
ROWS = cells(PINS)
FRAMEWORKS = ("keras[jax]", "keras[torch]")  # what keras[*] stands for
CELLS = [
    (slug, framework, observed)
    for slug, pattern, observed in ROWS
    for framework in FRAMEWORKS
    if pattern in ("keras[*]", framework)
]


def test_every_keras_recipe_is_pinned_on_both_backends() -> None:
    assert sorted({(s, f) for s, f, _ in CELLS}) == sorted((r.slug, f) for r in RECIPES.recipes for f in FRAMEWORKS)


@pytest.mark.parametrize("cell", CELLS, ids=[f"{s} · {f}" for s, f, _ in CELLS])
def test_the_recipe_measures_as_pinned(native_findings: list[Finding], cell: tuple[str, str, str]) -> None:
    check_pin(native_findings, RECIPES, cell, PINNED_FOR)
