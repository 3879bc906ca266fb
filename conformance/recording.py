"""What a test measured (its worst ULP error, its smallest p-value), for the ``regref check`` report.

Assertion helpers call :func:`record`; the plugin opens :func:`measuring` around each test and
attaches the result to the test's report as the user property ``regref_measured``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = ["WORSE", "measuring", "record"]

#: How measurements of a unit combine: the worst one is kept.
WORSE: dict[str, Callable[[float, float], float]] = {"ulp": max, "p-value": min}

_current: ContextVar[dict[str, float] | None] = ContextVar("regref_measured", default=None)


def record(unit: str, value: float) -> None:
    """Keep ``value`` if it is the worst ``unit`` measurement of the running test (no-op outside one)."""
    measured = _current.get()
    if measured is not None:
        measured[unit] = WORSE[unit](measured.get(unit, value), value)


@contextlib.contextmanager
def measuring() -> Iterator[dict[str, float]]:
    measured: dict[str, float] = {}
    token = _current.set(measured)
    try:
        yield measured
    finally:
        _current.reset(token)
