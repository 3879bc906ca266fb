"""A pytest plugin for the planted-bug run (``-p first_failure``): once a backend has failed a check, its
later checks are skipped. Each backend's first failure — the kill table's entry — is then the one it
would have had alone, in the suite's order, and a bug caught early costs no more time."""

from __future__ import annotations

import pytest

_failed: set[str] = set()


def _backend(properties: list[tuple[str, object]]) -> object:
    return dict(properties).get("regref_backend")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _backend(item.user_properties) in _failed:
        pytest.skip("this backend has failed an earlier check")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        _failed.add(str(_backend(report.user_properties)))
