"""The terminal rendering of the report: the headline (who agrees with whom, where the frameworks part, and where
docs/recipes.md says how to match each difference) as a rich table that folds its cells to the width it is
printed at, then a one-line summary."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .finding import ERROR, Finding
from .groups import rows
from .recipes_doc import all_recipes, recipes_for

__all__ = ["to_text"]


def to_text(findings: list[Finding], width: int, summary: str) -> str:
    """The headline table folded to ``width`` columns, and ``summary`` below it."""
    table = Table(title="Who agrees with whom, where the frameworks part", expand=True, show_lines=True)
    table.add_column("behaviour", ratio=2, overflow="fold")
    table.add_column("when it shows", ratio=2, overflow="fold")
    table.add_column("who agrees with whom", ratio=5, overflow="fold")
    headline = [r for r in rows(findings) if r.headline]
    recipes = all_recipes()
    for r in headline:
        groups = Text()
        for i, g in enumerate(r.shown()):
            groups.append(("\n" if i else "") + g.observed, style="bold")
            groups.append(": " + g.text(r.members))
        matched = recipes_for(r.title, recipes)
        if matched:
            groups.append("\nhow to match: ", style="italic")
            groups.append(", ".join(f"{m.anchor} ({m.framework})" for m in matched))
        table.add_row(r.title, r.condition, groups)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, no_color=True)
    console.print(table)
    errors = [f for f in findings if f.verdict == ERROR]
    for f in errors:
        console.print(f"error: {f.framework} {f.api} · {f.behaviour}: {f.observed}", markup=False, highlight=False)
    console.print(summary, markup=False, highlight=False)
    return buffer.getvalue()
