"""Migration recipes (docs/recipes.md): each one reaches its target on the installed frameworks, every difference in
the report's headline has one, the document is what the recipe modules and the checked-in report generate,
and ``regref check --native`` points at them.

What each recipe measured (bit for bit, or within the tolerance) is pinned beside its port tests in
``tests/test_recipes_<framework>.py``; here a recipe that no longer reaches its target fails by name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.native.finding import AGREES, NOT_INSTALLED, Finding
from conformance.native.groups import rows
from conformance.native.recipe import Recipe
from conformance.native.recipes_doc import all_recipes, recipes_for, to_markdown
from conformance.native.report import COMMAND
from conformance.native.table import to_text

ROOT = Path(__file__).resolve().parents[1]
RECIPES = all_recipes()


def _report() -> dict:
    return json.loads((ROOT / "docs" / "framework-report.json").read_text(encoding="utf-8"))


def _checked_in() -> list[Finding]:
    return [Finding.from_dict(f) for f in _report()["findings"]]


@pytest.mark.parametrize("recipe", RECIPES, ids=[r.slug for r in RECIPES])
def test_the_recipe_reaches_its_target(native_findings: list[Finding], recipe: Recipe) -> None:
    found = [f for f in native_findings if f.api == recipe.api]
    absent = [f for f in native_findings if f.verdict == NOT_INSTALLED and f.framework.startswith(recipe.framework)]
    if not found and absent:
        pytest.skip(f"{absent[0].framework}: {absent[0].observed}")
    assert found, f"{recipe.slug}: not measured (is its module's RECIPES in runner.FRAMEWORKS?)"
    for f in found:
        assert f.verdict == AGREES, (
            f"recipe {recipe.slug} ({recipe.anchor}) no longer reproduces {recipe.target} on {f.framework}:\n"
            f"  {f.verdict}: {f.observed}; error {f.error}\n  evidence: {f.evidence}"
        )


def test_every_headline_difference_has_a_recipe() -> None:
    missing = [r.title for r in rows(_checked_in()) if r.headline and not recipes_for(r.title, RECIPES)]
    assert missing == [], "headline rows without a recipe in docs/recipes.md:\n  " + "\n  ".join(missing)


def test_every_recipe_answers_rows_the_report_has() -> None:
    titles = {r.title for r in rows(_checked_in())}
    unknown = [(r.slug, a) for r in RECIPES for a in r.addresses if a not in titles]
    assert unknown == []
    assert len({r.slug for r in RECIPES}) == len(RECIPES), "two recipes share a slug (an anchor in docs/recipes.md)"


def test_the_document_is_generated_from_the_recipes_and_the_checked_in_report() -> None:
    report = _report()
    expected = to_markdown(_checked_in(), report["versions"], report["command"])
    assert (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8") == expected, (
        "docs/recipes.md is stale: regenerate with python -m conformance.native --output-dir docs"
    )
    assert report["command"] == COMMAND


def test_the_terminal_table_points_each_difference_at_its_recipes() -> None:
    text = to_text(_checked_in(), 400, "")
    headline = [r for r in rows(_checked_in()) if r.headline]
    for r in headline:
        for recipe in recipes_for(r.title, RECIPES):
            assert recipe.anchor in text, f"{r.title}: {recipe.anchor} not shown"


def test_the_recipe_modules_import_no_framework() -> None:
    """The snippets import their framework inside: listing the recipes (the table, the document) needs none."""
    code = (
        "import sys; from conformance.native.recipes_doc import all_recipes; all_recipes(); "
        "print([m for m in ('torch', 'jax', 'optax', 'flax', 'keras', 'equinox') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
