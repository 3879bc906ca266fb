"""Fixtures shared by test modules: one run of the native report serves every test that reads its findings."""

from __future__ import annotations

import pytest

from conformance.native.finding import Finding


@pytest.fixture(scope="session")
def native_findings() -> list[Finding]:
    """Every probe and every recipe on every installed framework (``regref check --native``'s measurements)."""
    from conformance.native.runner import collect

    return collect()
