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

import platform
from importlib.metadata import version

import pytest

from conformance.native.finding import AGREES, NOT_INSTALLED, Finding
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
ROWS = [tuple(part.strip() for part in line.split(" | ")) for line in PINS.strip().splitlines()]
FRAMEWORKS = ("keras[jax]", "keras[torch]")  # what keras[*] stands for
CELLS = [
    (slug, framework, observed)
    for slug, pattern, observed in ROWS
    for framework in FRAMEWORKS
    if pattern in ("keras[*]", framework)
]
_BY_SLUG = {r.slug: r for r in RECIPES.recipes}


def _installed() -> str:
    def of(name: str) -> str:
        try:
            return version(name)
        except Exception:
            return "not installed"

    return ", ".join(f"{n} {of(n)}" for n in PINNED_FOR) + f"; python {platform.python_version()}"


def test_every_keras_recipe_is_pinned_on_both_backends() -> None:
    assert sorted({(s, f) for s, f, _ in CELLS}) == sorted((r.slug, f) for r in RECIPES.recipes for f in FRAMEWORKS)


@pytest.mark.parametrize("cell", CELLS, ids=[f"{s} · {f}" for s, f, _ in CELLS])
def test_the_recipe_measures_as_pinned(native_findings: list[Finding], cell: tuple[str, str, str]) -> None:
    slug, framework, observed = cell
    recipe = _BY_SLUG[slug]
    absent = [f for f in native_findings if f.framework == framework and f.verdict == NOT_INSTALLED]
    if absent:
        pytest.skip(f"{framework}: {absent[0].observed}")
    found = [f for f in native_findings if f.framework == framework and f.api == recipe.api]
    assert found, f"recipe {slug} ({recipe.anchor}): not measured on {framework} (installed: {_installed()})"
    (f,) = found
    assert (f.verdict, f.observed) == (AGREES, observed), (
        f"recipe {slug} ({recipe.anchor}) on {framework}: what it reaches changed.\n"
        f"  pinned:   agrees: {observed}\n"
        f"  measured: {f.verdict}: {f.observed}\n"
        f"  error {f.error or '—'}; evidence {f.evidence[:400] or '—'}\n"
        f"  pinned for {PINNED_FOR}; installed {_installed()}. If the change is real, update PINS here and the "
        f"recipe's note, and regenerate the documents: python -m conformance.native --output-dir docs"
    )
