"""Pinned recipe measurements, shared by tests/test_recipes_<framework>.py: each file's ``PINS`` rows
(``slug | framework | observed``, recorded from a run of ``regref check --native``) against the run's findings
(the session fixture ``native_findings``), and each recipe's measurement with the framework's own API in the
snippet's place — which must differ, so that the measurement is one that can fail.

A framework release that changes what a recipe reaches (bit for bit becoming "within the tolerance", or the target
lost) fails the row of that recipe, naming it, its anchor in docs/recipes.md, the pinned and the measured result and
the installed versions.
"""

from __future__ import annotations

import dataclasses
import platform
import warnings
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pytest

from conformance.native.finding import AGREES, DIFFERS, NOT_INSTALLED, Finding
from conformance.native.recipe import Recipe, Recipes

__all__ = ["Cell", "cells", "check_pin", "check_separation", "check_stock", "installed", "measured"]

Cell = tuple[str, str, str]


def cells(pins: str) -> list[Cell]:
    """The ``(slug, framework, observed)`` rows of a ``PINS`` table."""
    return [tuple(part.strip() for part in line.split(" | ")) for line in pins.strip().splitlines()]  # type: ignore[misc]


def installed(names: tuple[str, ...]) -> str:
    def of(name: str) -> str:
        try:
            return version(name)
        except Exception:
            return "not installed"

    return ", ".join(f"{n} {of(n)}" for n in names) + f"; python {platform.python_version()}"


def check_pin(native_findings: list[Finding], recipes: Recipes, cell: Cell, pinned_for: dict[str, str]) -> None:
    """The recipe's finding on the framework agrees, with the pinned observation."""
    __tracebackhide__ = True
    slug, framework, observed = cell
    recipe = next(r for r in recipes.recipes if r.slug == slug)
    absent = [f for f in native_findings if f.framework == framework and f.verdict == NOT_INSTALLED]
    if absent:
        pytest.skip(f"{framework}: {absent[0].observed}")
    found = [f for f in native_findings if f.framework == framework and f.api == recipe.api]
    assert found, (
        f"recipe {slug} ({recipe.anchor}): not measured on {framework} (installed: {installed(tuple(pinned_for))})"
    )
    (f,) = found
    assert (f.verdict, f.observed) == (AGREES, observed), (
        f"recipe {slug} ({recipe.anchor}) on {framework}: what it reaches changed.\n"
        f"  pinned:   agrees: {observed}\n"
        f"  measured: {f.verdict}: {f.observed}\n"
        f"  error {f.error or '—'}; evidence {f.evidence[:400] or '—'}\n"
        f"  pinned for {pinned_for}; installed {installed(tuple(pinned_for))}. If the change is real, update PINS and "
        f"the recipe's note, and regenerate the documents: python -m conformance.native --output-dir docs"
    )


def measured(recipe: Recipe, **changes: Any) -> Finding:
    """The recipe's measurement with ``changes`` (another ``code`` or ``usage``), the frameworks' own warnings
    ignored as the report's runner ignores them (torch.compile's deprecations, say)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return recipe.measure(dataclasses.replace(recipe, **changes))


def check_stock(recipe: Recipe, line: str, error: str, first: str, where: str) -> None:
    """``line`` (the framework's own API) as the recipe's usage line measures as the recipe's note quotes it:
    differs, by ``error``, first past the tolerance as ``first`` says. ``where`` names the table to update."""
    __tracebackhide__ = True
    found = measured(recipe, usage=line)
    assert (found.verdict, found.error) == (DIFFERS, error) and found.evidence.startswith(first), (
        f"recipe {recipe.slug}'s note quotes `{line}` as {error} ({first}); it now measures {found.verdict}, "
        f"{found.error} ({found.evidence[:200]}): update STOCK in {where}"
    )
    assert line in recipe.note, f"recipe {recipe.slug}: its note does not quote `{line}`"


def check_separation(recipe: Recipe, stock: Callable[..., Any], why: str) -> Finding:
    """The recipe's measurement with ``stock`` (the framework's own API, named as the snippet) in the snippet's
    place: it must differ, for the reason ``why`` (the report's row)."""
    __tracebackhide__ = True

    def in_place(*args: Any, **kwargs: Any) -> Any:
        return stock(*args, **kwargs)

    in_place.__name__ = recipe.code.__name__  # the name the usage line calls
    found = measured(recipe, code=in_place)
    assert found.verdict == DIFFERS, (
        f"recipe {recipe.slug}: with the framework's own API in the snippet's place its measurement gives "
        f"{found.verdict} ({found.observed}), so it could not tell the recipe from what it replaces ({why})"
    )
    return found
