"""Markdown pieces the generated documents share (the framework report, docs/recipes.md): a table cell and a table."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["cell", "table"]


def cell(text: str) -> str:
    """``text`` safe inside a table cell: pipes escaped, newlines as spaces."""
    return text.replace("|", "\\|").replace("\n", " ")


def table(head: tuple[str, ...], lines: Iterable[tuple[str, ...]]) -> list[str]:
    """A Markdown table's lines: the header, the rule, one line per row of cells."""
    return [
        f"| {' | '.join(head)} |",
        f"| {' | '.join('---' for _ in head)} |",
        *(f"| {' | '.join(c)} |" for c in lines),
    ]
