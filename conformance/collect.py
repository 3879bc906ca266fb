"""Turn a pytest run of the suite into a :class:`~conformance.report.Report` (a pytest plugin object).

Each suite test carries user properties set by :mod:`conformance.plugin` — its row ``(op family,
aspect)``, its backend, what it measured and any known deviation — so this works from the reports
alone, as they arrive, and reports progress on the way.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .backends import Backend
from .failures import Failure
from .report import Column, Report

__all__ = ["Collector"]


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.split("\nFailing test case:")[0].split("\nFalsifying example:")[0].strip()


class Collector:
    """Pass as ``pytest.main(args, plugins=[collector])``; read :attr:`report` afterwards (also after an interrupted
    run: it holds the tests that finished, :attr:`done` of :attr:`total`)."""

    def __init__(self, title: str, progress: Callable[[int, int, str], None] | None = None) -> None:
        self.report = Report(title)
        self._progress = progress or (lambda done, total, what: None)
        self.done, self.total = 0, 0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from .plugin import selection  # not at import: pytest must load the plugin (and Hypothesis) itself

        for b in selection(session.config):
            if isinstance(b, Backend):
                self.report.columns.append(Column(b.name, "ok", b.spec))
            else:
                self.report.columns.append(Column(b.name, b.reason, b.detail, b.explicit))
        self.total = len(session.items)
        self._progress(0, self.total, "")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if report.when == "teardown":
            self.done += 1
            self._progress(self.done, self.total, report.nodeid.rsplit("::", 1)[-1])
        if "regref_row" not in props or (report.when != "call" and not report.failed and not report.skipped):
            return
        (op, aspect), column = props["regref_row"], props["regref_backend"]
        if report.skipped and report.when == "teardown":
            return
        if "regref_deviation" in props:
            self.report.add(op, aspect, column, "deviation", note=props["regref_deviation"])
        elif report.failed:
            self.report.add(op, aspect, column, "fail", props.get("regref_measured"), report.nodeid)
            self.report.failures.append(Failure(report.nodeid, column, op, aspect, _message(report)))
        else:
            self.report.add(op, aspect, column, "pass" if report.passed else "skip", props.get("regref_measured"))
