"""The report model: how cells combine, when a report is ok, its legend, failures grouped, its renderings."""

import json

from rich.console import Console

from conformance.failures import Failure, group
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
    cell.add("pass", note="known")
    assert (cell.status, cell.measured["ulp"], cell.notes) == ("fail", 3.0, ["known", "t::x"])
    assert cell.text() == "fail · p-value ≥ 1.0e-02 · 3 ulp"  # a p-value, never "p", which means a drop probability


def _report() -> Report:
    report = Report("t", [Column("numpy", "ok", "numpy"), Column("torch", "not installed", "no torch", required=False)])
    report.add("dropout", "values", "numpy", "pass", {"ulp": 0.0})
    report.add("sgd", "values", "numpy", "deviation", note="accumulates\n  in float32")
    return report


def test_ok_unless_a_cell_fails_or_a_required_backend_is_missing() -> None:
    report = _report()
    assert report.ok
    report.columns.append(Column("mine", "cannot import", "SyntaxError"))
    assert not report.ok
    report = _report()
    report.add("sgd", "invariants", "numpy", "fail")
    assert not report.ok


def test_the_legend_explains_what_the_table_shows_and_only_that() -> None:
    legend = dict(_report().legend())
    assert set(legend) == {"N ulp", "deviation (numpy · sgd values)", "torch: not installed"}
    assert legend["deviation (numpy · sgd values)"].endswith(": accumulates in float32")  # its reason, inline
    assert legend["torch: not installed"] == "no torch"
    report = Report("t", [Column("a"), Column("b")])
    report.add("dropout", "statistics", "a", "pass", {"p-value": 0.3})
    report.add("dropout", "compiled", "a", "pass")
    assert set(dict(report.legend())) == {"p-value ≥ x", "—"}  # b has no cell: nothing of the suite applied
    assert "statistical" in dict(report.legend())["p-value ≥ x"]


def _failure(test: str, aspect: str, message: str, backend: str = "mine") -> Failure:
    return Failure(f"conformance/test_x.py::{test}", backend, "dropout", aspect, message)


def test_failures_are_grouped_by_test_without_the_dtype_the_most_specific_first() -> None:
    values = "mine: dropout: differs from the reference\n  call: dropout · dtype {} · shapes {} · seed 0"
    failures = [
        _failure("t_values[dropout-mine-float16]", "values", values.format("float16", "(3,)")),
        _failure("t_values[dropout-mine-float32]", "values", values.format("float32", "(2, 3), (3,)")),
        _failure("t_values[dropout_forward-mine-float32]", "values", values.format("float32", "()")),
        _failure("t_invariant[mine]", "invariants", "mine: dropout: an element is neither +0.0 nor x·s"),
        _failure("t_values[dropout-other-float16]", "values", values.format("float16", "(3,)"), backend="other"),
    ]
    groups = group(failures)
    assert [(g.aspect, g.test.split("::")[1]) for g in groups] == [
        ("invariants", "t_invariant[mine]"),
        ("values", "t_values[dropout-mine]"),
        ("values", "t_values[dropout_forward-mine]"),
        ("values", "t_values[dropout-other]"),
    ]
    values_group = groups[1]
    assert values_group.dtypes == ["float16", "float32"] and values_group.shapes == ["(3,)", "(2, 3), (3,)"]
    assert values_group.message == failures[0].message and len(values_group.tests) == 2
    assert values_group.where() == "2 tests · dtypes float16, float32 · shapes (3,); (2, 3), (3,)"
    assert groups[0].where() == "1 test"


def test_renderings_show_every_column_cell_legend_and_failure() -> None:
    report = _report()
    report.add("dropout", "invariants", "numpy", "fail", note="t::x")
    broken = "numpy: dropout: broken\n  reproduce:\n    x"
    report.failures.append(_failure("t_invariant[numpy]", "invariants", broken, backend="numpy"))
    data = json.loads(report.to_json())
    assert not data["ok"] and [c["name"] for c in data["columns"]] == ["numpy", "torch"]
    assert data["rows"][1] == {
        "op": "dropout",
        "aspect": "values",
        "cells": {"numpy": {"status": "pass", "measured": {"ulp": 0.0}, "notes": []}},
    }
    assert data["failure_groups"][0]["tests"] == ["conformance/test_x.py::t_invariant[numpy]"]
    assert "fail" in data["legend"]
    markdown = report.to_markdown()
    assert "| op | aspect | numpy | torch |" in markdown
    assert "| dropout | values | ✅ pass · 0 ulp | not installed |" in markdown
    assert "| sgd | values | ⚠️ deviation | not installed |" in markdown
    assert "- **deviation (numpy · sgd values)**:" in markdown
    assert "## Failures: 1 distinct, in 1 test" in markdown and "### numpy · dropout invariants" in markdown
    console = Console(width=120, record=True)
    for renderable in report.to_renderables():
        console.print(renderable)
    text = console.export_text()
    assert "torch" in text and "(not installed)" in text and "pass · 0 ulp" in text
    assert "✗ numpy · dropout invariants · 1 test" in text and "numpy: dropout: broken" in text


def test_a_port_that_writes_into_its_inputs_hears_that_first() -> None:
    failures = [
        _failure("t_invariant[mine]", "invariants", "mine: sgd_step: differs from the reference"),
        _failure("t_pure[sgd-mine-float16]", "purity", "mine: sgd_step: returns an input's memory"),
    ]
    assert [g.aspect for g in group(failures)] == ["purity", "invariants"]
