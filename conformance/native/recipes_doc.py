"""docs/recipes.md: every recipe (:mod:`.recipe`) with its snippet's source, what it reproduces, the report rows it
answers and what the run measured; and, per difference in the report's headline, the recipes that match it.

The document is generated — ``regref check --native --output-dir docs`` writes it beside the framework
report — from the recipe modules (:data:`MODULES`: the snippets, shown as written) and that run's findings,
so the code a reader copies is the code that was measured. A test regenerates it from the checked-in
report and compares.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from .finding import Finding
from .groups import Row, rows
from .markdown import cell
from .markdown import table as markdown_table
from .recipe import EVERY, STEPS, Recipe, source

__all__ = ["MODULES", "all_recipes", "recipes_for", "to_markdown"]

#: The recipe modules under :mod:`conformance.native`, in the order the document shows them.
MODULES = ("recipes_optax", "recipes_keras", "recipes_torch", "recipes_flax", "recipes_equinox")


def all_recipes() -> list[Recipe]:
    """Every recipe of every module in :data:`MODULES` that exists (the modules import no framework)."""
    out: list[Recipe] = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__package__}.{name}":
                raise
            continue
        out += module.RECIPES.recipes
    return out


def recipes_for(title: str, recipes: Iterable[Recipe] | None = None) -> list[Recipe]:
    """The recipes that answer the report row ``title`` (``"SGD · coupled or decoupled decay"``)."""
    return [r for r in (all_recipes() if recipes is None else recipes) if title in r.addresses]


_INTRO = (
    "What to write so that one framework does what another one (or regref's reference) does. Each recipe is a "
    "function in `conformance/native/recipes_*.py`, shown here as it is written there; `{command}` ran every one "
    "of them on the versions below and compared it with its target — the *measured* line of each recipe is that "
    "run. Optimizer recipes are run for {steps} steps on an MLP's parameters (two kernels, two biases) with a "
    "step schedule (the learning rate halved every {every} steps, torch's `StepLR`), and every step's parameters "
    "are compared with the target's, within the conformance suite's tolerance for that many steps "
    "(`conformance/tolerances.py`) or bit for bit where the measured line says so. Dropout and penalty recipes "
    "are compared bit for bit. `tests/test_native_recipes.py` and `tests/test_recipes_<framework>.py` fail, "
    "naming the recipe, when a framework release changes what a recipe measures; `tests/test_recipes_port_*.py` "
    "run the ports below against the target framework itself."
)


def _link(r: Recipe) -> str:
    return f"[{r.framework}: {r.title}](#{r.slug})"


def _measured(r: Recipe, findings: list[Finding]) -> str:
    found = [f for f in findings if f.api == r.api]
    if not found:
        return "not measured in this run"
    return "; ".join(
        f"{f.framework}: **{f.verdict}** — {f.observed}" + (f" ({f.error})" if f.error else "") for f in found
    )


def _index(table: list[Row], recipes: list[Recipe]) -> list[str]:
    body = [
        (cell(r.title), "<br>".join(_link(x) for x in recipes_for(r.title, recipes)) or "—")
        for r in table
        if r.headline
    ]
    return markdown_table(("difference (the report's headline)", "recipes"), body)


def to_markdown(findings: list[Finding], versions: dict[str, str], command: str) -> str:
    recipes = all_recipes()
    lines = [
        "# Recipes: making one framework do what another does",
        "",
        _INTRO.format(command=command, steps=STEPS, every=EVERY),
        "",
        " · ".join(f"{k} {v}" for k, v in versions.items()),
        "",
        "## Where the frameworks part, and the recipes that match",
        "",
        *_index(rows(findings), recipes),
    ]
    for path in dict.fromkeys(f"{r.origin} → {r.framework}" for r in recipes):
        lines += ["", f"## {path}"]
        for r in (r for r in recipes if f"{r.origin} → {r.framework}" == path):
            lines += ["", f'### {r.title} <a id="{r.slug}"></a>', ""]
            lines += [f"Reproduces: {r.target}. Answers: {', '.join(r.addresses)}.", ""]
            lines += [f"Measured: {_measured(r, findings)}.", ""]
            if r.note:
                lines += [r.note, ""]
            lines += ["```python", source(r.code), "```"]
            if r.usage:
                lines += ["", f"Use: `{r.usage}`"]
    return "\n".join(lines) + "\n"
