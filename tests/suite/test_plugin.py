"""The plugin's Hypothesis profiles, and the ids and rows it gives the suite's tests."""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import settings

from conformance.plugin import PROFILES, _row, deviation_id


def test_profiles() -> None:
    ci, deep = settings.get_profile(PROFILES["ci"]), settings.get_profile(PROFILES["deep"])
    assert ci.derandomize and not deep.derandomize
    assert deep.max_examples == 10 * ci.max_examples
    assert ci.deadline is None and deep.deadline is None and ci.database is None


def _item(file: str, name: str, **params: object) -> Any:
    return SimpleNamespace(path=Path(file), originalname=name, name=name, callspec=SimpleNamespace(params=params))


def test_ids_leave_the_backend_out_and_rows_follow_the_family() -> None:
    item = _item("test_ops_values.py", "test_matches_reference", op="adamw_step", backend=1, dtype="float16")
    assert deviation_id(item) == "test_ops_values.py::test_matches_reference[adamw_step-float16]"
    assert _row(item) == ("adam", "values")
    item = _item("test_ops_purity.py", "test_inputs_unchanged_and_not_aliased", family="dropout", backend=1)
    assert _row(item) == ("dropout", "purity")
    item = _item("test_dropout_statistics.py", "test_neighbours_are_independent", backend=1)
    assert _row(item) == ("dropout", "statistics")
    assert deviation_id(item) == "test_dropout_statistics.py::test_neighbours_are_independent"
