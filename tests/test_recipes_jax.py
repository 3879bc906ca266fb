# ruff: noqa: E501 — PINS is a table of measured rows, one per line, however long
"""What each flax and equinox recipe (conformance/native/recipes_flax.py, recipes_equinox.py, docs/recipes.md)
measures against its target on the versions installed here (``PINS``, through tests/recipe_pins.py), and that each
measurement fails with the framework's own API — or another key derivation — in the snippet's place.
"""

from __future__ import annotations

import importlib.util

import pytest
from recipe_pins import cells, check_pin, check_separation

from conformance.native import recipes_equinox, recipes_flax
from conformance.native.finding import Finding

PINNED_FOR = {"flax": "0.12.8", "equinox": "0.13.8", "jax": "0.10.2"}
PINS = """
flax-dropout-keys | flax | numpy_ref.dropout with flax_dropout_key: bit for bit
flax-reference-dropout | flax | numpy_ref.dropout with the key: bit for bit; p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
equinox-reference-dropout | equinox | numpy_ref.dropout with the key: bit for bit; p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
"""
CELLS = cells(PINS)
_MODULES = {"flax": recipes_flax, "equinox": recipes_equinox}
_BY_SLUG = {r.slug: (m, r) for m in _MODULES.values() for r in m.RECIPES.recipes}


def _needs(framework: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not importlib.util.find_spec(framework), reason=f"needs {framework}")


def test_every_flax_and_equinox_recipe_is_pinned() -> None:
    assert sorted((slug, framework) for slug, framework, _ in CELLS) == sorted(
        (r.slug, r.framework) for _, r in _BY_SLUG.values()
    )


@pytest.mark.parametrize("cell", CELLS, ids=[c[0] for c in CELLS])
def test_the_recipe_measures_as_pinned(native_findings: list[Finding], cell: tuple[str, str, str]) -> None:
    check_pin(native_findings, _BY_SLUG[cell[0]][0].RECIPES, cell, PINNED_FOR)


@_needs("flax")
def test_the_key_measurement_fails_for_another_derivation() -> None:
    import jax

    def fold_in_call(key, call=0, path=None, built=0):
        return jax.random.fold_in(key, call)

    check_separation(_BY_SLUG["flax-dropout-keys"][1], fold_in_call, "flax folds a SHA-1 of the path, or forks first")


@_needs("flax")
def test_the_flax_module_measurement_fails_with_linen_dropout() -> None:
    import flax.linen as nn

    def own(rate, broadcast_dims=()):
        return nn.Dropout(rate, broadcast_dims=broadcast_dims, deterministic=False)

    check_separation(_BY_SLUG["flax-reference-dropout"][1], own, "linen.Dropout scales float16 in float16")


@_needs("equinox")
def test_the_equinox_measurement_fails_with_eqx_nn_dropout() -> None:
    import equinox as eqx

    found = check_separation(
        _BY_SLUG["equinox-reference-dropout"][1],
        lambda p=0.5, inference=False: eqx.nn.Dropout(p, inference),
        "eqx.nn.Dropout forms 1 − p in float32 under eqx.filter_jit",
    )
    assert found.smallest == "eqx.filter_jit, float32, p=0.42", found.smallest  # the report's smallest rate
