"""A conformance report — rows (op, aspect) × columns (backends), each cell pass / fail / deviation with the
worst error measured — its legend, and its three renderings: rich renderables, JSON and Markdown.

Independent of pytest: the suite fills one through :mod:`conformance.collect`, and any other producer
can build one with :meth:`Report.add`. Every symbol a rendering uses is explained by :meth:`Report.legend`,
and failures come grouped (:mod:`conformance.failures`).
"""

from __future__ import annotations

import dataclasses
import json

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .failures import Failure, group
from .recording import WORSE

__all__ = ["Cell", "Column", "Report"]

# Worst first: a cell shows the worst outcome of the tests it gathers.
_PRECEDENCE = ("fail", "deviation", "pass", "skip")
_MARKS = {"pass": "✅", "fail": "❌", "deviation": "⚠️", "skip": "⏭️"}
_STYLES = {"pass": "green", "fail": "bold red", "deviation": "yellow", "skip": "dim"}
_EMPTY = "—"
_UNITS = {"N ulp": "ulp", "p-value ≥ x": "p-value"}
_MEANING = {
    "N ulp": "the row's largest error, in units in the last place (ULPs) of the reference's value",
    "p-value ≥ x": "the smallest p-value of the row's exact statistical tests of random masks; a test fails only "
    "below its threshold α ≤ 1e-6, so a small p-value above it is still a pass",
    "deviation": "a known deviation, listed with its reason in the backend's deviations file, not a failure",
    _EMPTY: "no test of the row applies to the backend (compiled: backends with an eager() hook; devices: backends "
    "with two or more devices)",
    "skip": "every test of the row was skipped for the backend",
    "fail": "a test of the row failed: the failures follow the table, one block per distinct failure",
}


@dataclasses.dataclass
class Cell:
    status: str = "skip"
    measured: dict[str, float] = dataclasses.field(default_factory=dict)  # unit → worst value
    notes: list[str] = dataclasses.field(default_factory=list)  # a deviation's reason, a failing test's id

    def add(self, status: str, measured: dict[str, float] | None = None, note: str = "") -> None:
        self.status = min(self.status, status, key=_PRECEDENCE.index)
        for unit, value in (measured or {}).items():
            self.measured[unit] = WORSE[unit](self.measured.get(unit, value), value)
        if note and note not in self.notes:
            self.notes.append(note)

    def text(self) -> str:
        """``pass · 2 ulp``, ``fail · 3.1e+04 ulp``, ``pass · p-value ≥ 3.1e-02``."""
        parts = [f"{v:.3g} ulp" if unit == "ulp" else f"p-value ≥ {v:.1e}" for unit, v in sorted(self.measured.items())]
        return " · ".join([self.status, *parts])


@dataclasses.dataclass
class Column:
    """A backend: ``status`` is ``ok``, ``not installed``, ``cannot import`` or ``unknown``; ``required`` if asked
    for by name."""

    name: str
    status: str = "ok"
    detail: str = ""
    required: bool = True


@dataclasses.dataclass
class Report:
    title: str
    columns: list[Column] = dataclasses.field(default_factory=list)
    rows: dict[tuple[str, str], dict[str, Cell]] = dataclasses.field(default_factory=dict)
    failures: list[Failure] = dataclasses.field(default_factory=list)

    def add(self, op: str, aspect: str, column: str, status: str, measured: dict | None = None, note: str = "") -> None:
        self.rows.setdefault((op, aspect), {}).setdefault(column, Cell()).add(status, measured, note)

    @property
    def ok(self) -> bool:
        """No failing cell, and every backend asked for by name loaded."""
        broken = any(c.status != "ok" and c.required for c in self.columns)
        return not broken and all(cell.status != "fail" for cells in self.rows.values() for cell in cells.values())

    def _cell(self, column: Column, row: tuple[str, str]) -> tuple[str, str]:
        cell = self.rows.get(row, {}).get(column.name)
        if cell is not None:
            return cell.status, cell.text()
        return ("n/a", column.status) if column.status != "ok" else ("n/a", _EMPTY)

    def _cells(self) -> list[tuple[Column, tuple[str, str], Cell | None]]:
        return [(c, row, self.rows[row].get(c.name)) for row in sorted(self.rows) for c in self.columns]

    def legend(self) -> list[tuple[str, str]]:
        """(term, meaning) for every symbol and status the table shows, and each deviation's reason."""
        cells = self._cells()
        present = [cell for _, _, cell in cells if cell is not None]
        entries = [(term, _MEANING[term]) for term, unit in _UNITS.items() if any(unit in c.measured for c in present)]
        for column, (op, aspect), cell in cells:
            if cell is not None and cell.status == "deviation":
                reasons = " ".join(" ".join(note.split()) for note in cell.notes)
                entries.append((f"deviation ({column.name} · {op} {aspect})", f"{_MEANING['deviation']}: {reasons}"))
        shown = {
            _EMPTY: any(cell is None and column.status == "ok" for column, _, cell in cells),
            "skip": any(cell.status == "skip" for cell in present),
            "fail": bool(self.failures),
        }
        entries += [(term, _MEANING[term]) for term, used in shown.items() if used]
        entries += [(f"{c.name}: {c.status}", c.detail) for c in self.columns if c.status != "ok"]
        return entries

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "ok": self.ok,
            "columns": [dataclasses.asdict(c) for c in self.columns],
            "rows": [
                {"op": op, "aspect": aspect, "cells": {name: dataclasses.asdict(cell) for name, cell in cells.items()}}
                for (op, aspect), cells in sorted(self.rows.items())
            ],
            "legend": dict(self.legend()),
            "failures": [dataclasses.asdict(f) for f in self.failures],
            "failure_groups": [dataclasses.asdict(g) for g in group(self.failures)],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    def to_markdown(self) -> str:
        header = ["op", "aspect", *(c.name for c in self.columns)]
        lines = [f"# {self.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in sorted(self.rows):
            texts = (self._cell(c, row) for c in self.columns)
            cells = [f"{_MARKS.get(status, '')} {text}".strip() for status, text in texts]
            lines.append("| " + " | ".join([*row, *cells]) + " |")
        lines += ["", *(f"- **{term}**: {meaning}" for term, meaning in self.legend())]
        groups = group(self.failures)
        if groups:
            n = len(self.failures)
            lines += ["", f"## Failures: {len(groups)} distinct, in {n} test{'s' * (n != 1)}", ""]
            for g in groups:
                lines += [f"### {g.backend} · {g.op} {g.aspect}", "", f"`{g.test}` — {g.where()}", ""]
                lines += ["```", g.message, "```", ""]
        return "\n".join(lines) + "\n"

    def to_table(self) -> Table:
        table = Table(title=self.title, title_justify="left", min_width=len(self.title))
        table.add_column("op", style="bold")
        table.add_column("aspect")
        for c in self.columns:
            table.add_column(c.name if c.status == "ok" else f"{c.name}\n({c.status})")
        for row in sorted(self.rows):
            cells = [self._cell(c, row) for c in self.columns]
            table.add_row(*row, *(Text(text, style=_STYLES.get(status, "dim")) for status, text in cells))
        return table

    def to_renderables(self) -> list[RenderableType]:
        """The table, its legend, then one block per distinct failure (the most specific first)."""
        legend = Table.grid(padding=(0, 2))
        legend.add_column(style="bold", no_wrap=True)
        legend.add_column()
        for term, meaning in self.legend():
            legend.add_row(term, Text(meaning))
        out: list[RenderableType] = [self.to_table(), legend]
        for g in group(self.failures):
            # never wrapped by rich: the repro stays copy-pasteable however narrow the terminal
            lines = (
                Text(f"\n✗ {g.backend} · {g.op} {g.aspect} · {g.where()}", style="bold red"),
                Text(g.test, style="dim"),
                Text(g.message),
            )
            out.append(Group(*(Text.assemble(line, no_wrap=True, overflow="ignore") for line in lines)))
        return out
