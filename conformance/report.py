"""A conformance report — rows (op, aspect) × columns (backends), each cell pass / fail / deviation with the
worst error measured — and its three renderings: a rich table, JSON and Markdown.

Independent of pytest: the suite fills one through :mod:`conformance.collect`, and any other producer
(``regref check --native``) can build one with :meth:`Report.add`.
"""

from __future__ import annotations

import dataclasses
import json

from rich.table import Table

from .recording import WORSE

__all__ = ["Cell", "Column", "Report"]

# Worst first: a cell shows the worst outcome of the tests it gathers.
_PRECEDENCE = ("fail", "deviation", "pass", "skip")
_MARKS = {"pass": "✅", "fail": "❌", "deviation": "⚠️", "skip": "⏭️"}
_STYLES = {"pass": "green", "fail": "bold red", "deviation": "yellow", "skip": "dim"}


@dataclasses.dataclass
class Cell:
    status: str = "skip"
    measured: dict[str, float] = dataclasses.field(default_factory=dict)  # unit → worst value
    notes: list[str] = dataclasses.field(default_factory=list)

    def add(self, status: str, measured: dict[str, float] | None = None, note: str = "") -> None:
        self.status = min(self.status, status, key=_PRECEDENCE.index)
        for unit, value in (measured or {}).items():
            self.measured[unit] = WORSE[unit](self.measured.get(unit, value), value)
        if note:
            self.notes.append(note)

    def text(self) -> str:
        """``pass · 2 ulp``, ``fail · 3.1e+04 ulp``, ``pass · p ≥ 0.031``."""
        parts = [f"{v:.3g} ulp" if unit == "ulp" else f"p ≥ {v:.2g}" for unit, v in sorted(self.measured.items())]
        return " · ".join([self.status, *parts])


@dataclasses.dataclass
class Column:
    """A backend: ``status`` is ``ok``, ``not installed`` or ``import error``; ``required`` if asked for by name."""

    name: str
    status: str = "ok"
    detail: str = ""
    required: bool = True


@dataclasses.dataclass
class Report:
    title: str
    columns: list[Column] = dataclasses.field(default_factory=list)
    rows: dict[tuple[str, str], dict[str, Cell]] = dataclasses.field(default_factory=dict)
    failures: list[dict[str, str]] = dataclasses.field(default_factory=list)

    def add(self, op: str, aspect: str, column: str, status: str, measured: dict | None = None, note: str = "") -> None:
        self.rows.setdefault((op, aspect), {}).setdefault(column, Cell()).add(status, measured, note)

    @property
    def ok(self) -> bool:
        """No failing cell, and every backend asked for by name loaded."""
        broken = any(c.status != "ok" and c.required for c in self.columns)
        return not broken and all(cell.status != "fail" for cells in self.rows.values() for cell in cells.values())

    def _cell_text(self, column: Column, op: str, aspect: str) -> tuple[str, str]:
        cell = self.rows.get((op, aspect), {}).get(column.name)
        if cell is not None:
            return cell.status, cell.text()
        return ("n/a", column.status) if column.status != "ok" else ("n/a", "—")

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "ok": self.ok,
            "columns": [dataclasses.asdict(c) for c in self.columns],
            "rows": [
                {"op": op, "aspect": aspect, "cells": {name: dataclasses.asdict(cell) for name, cell in cells.items()}}
                for (op, aspect), cells in sorted(self.rows.items())
            ],
            "failures": self.failures,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    def to_markdown(self) -> str:
        header = ["op", "aspect", *(c.name for c in self.columns)]
        lines = [f"# {self.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for op, aspect in sorted(self.rows):
            texts = (self._cell_text(c, op, aspect) for c in self.columns)
            cells = [f"{_MARKS.get(status, '')} {text}".strip() for status, text in texts]
            lines.append("| " + " | ".join([op, aspect, *cells]) + " |")
        lines += ["", "## Backends", ""] + [f"- **{c.name}**: {c.status} {c.detail}".rstrip() for c in self.columns]
        if self.failures:
            lines += ["", "## Failures", ""]
            lines += [f"### {f['test']}\n\n```\n{f['message']}\n```\n" for f in self.failures]
        return "\n".join(lines) + "\n"

    def to_table(self) -> Table:
        table = Table(title=self.title, title_justify="left")
        for name in ("op", "aspect"):
            table.add_column(name, style="bold" if name == "op" else "")
        for c in self.columns:
            table.add_column(c.name if c.status == "ok" else f"{c.name}\n({c.status})")
        for op, aspect in sorted(self.rows):
            cells = [self._cell_text(c, op, aspect) for c in self.columns]
            table.add_row(op, aspect, *(f"[{_STYLES.get(s, 'dim')}]{t}[/]" for s, t in cells))
        return table
