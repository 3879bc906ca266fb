"""The report model: how cells combine, when a report is ok, and its three renderings."""

import json

from rich.console import Console

from conformance.report import Cell, Column, Report


def test_a_cell_keeps_the_worst_outcome_and_measurement() -> None:
    cell = Cell()
    cell.add("pass", {"ulp": 1.0})
    cell.add("pass", {"ulp": 3.0, "p-value": 0.5})
    cell.add("pass", {"p-value": 0.01})
    assert (cell.status, cell.measured) == ("pass", {"ulp": 3.0, "p-value": 0.01})
    cell.add("deviation", note="known")
    assert cell.status == "deviation"
    cell.add("fail", {"ulp": 2.0}, "t::x")
    cell.add("pass")
    assert (cell.status, cell.measured["ulp"], cell.notes) == ("fail", 3.0, ["known", "t::x"])
    assert cell.text() == "fail · p ≥ 0.01 · 3 ulp"


def _report() -> Report:
    report = Report("t", [Column("numpy", "ok", "numpy"), Column("torch", "not installed", "no torch", required=False)])
    report.add("dropout", "values", "numpy", "pass", {"ulp": 0.0})
    report.add("sgd", "values", "numpy", "deviation", note="why")
    return report


def test_ok_unless_a_cell_fails_or_a_required_backend_is_missing() -> None:
    report = _report()
    assert report.ok
    report.columns.append(Column("mine", "import error", "SyntaxError"))
    assert not report.ok
    report = _report()
    report.add("sgd", "invariants", "numpy", "fail")
    assert not report.ok


def test_renderings_show_every_column_and_cell() -> None:
    report = _report()
    data = json.loads(report.to_json())
    assert data["ok"] and [c["name"] for c in data["columns"]] == ["numpy", "torch"]
    assert data["rows"][0] == {
        "op": "dropout",
        "aspect": "values",
        "cells": {"numpy": {"status": "pass", "measured": {"ulp": 0.0}, "notes": []}},
    }
    markdown = report.to_markdown()
    assert "| op | aspect | numpy | torch |" in markdown
    assert "| dropout | values | ✅ pass · 0 ulp | not installed |" in markdown
    assert "| sgd | values | ⚠️ deviation | not installed |" in markdown
    console = Console(width=120, record=True)
    console.print(report.to_table())
    text = console.export_text()
    assert "torch" in text and "(not installed)" in text and "pass · 0 ulp" in text
