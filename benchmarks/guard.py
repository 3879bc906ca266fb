"""Sections under a time limit: a section that fails or overruns is reported, and the next one runs."""

from __future__ import annotations

import contextlib
import signal
import traceback
from collections.abc import Iterator

from .report import Report, Row

__all__ = ["section"]


class SectionTimeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise SectionTimeout


@contextlib.contextmanager
def section(report: Report, name: str, seconds: float) -> Iterator[None]:
    """Run the block for at most ``seconds`` (SIGALRM; a kernel already running is waited for)."""
    print(f"[{name}]", flush=True)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except SectionTimeout:
        report.add(Row(name, "-", check=f"TIMEOUT after {seconds:.0f} s"))
    except Exception as error:  # a benchmark's failure is a result, not the end of the run
        report.add(Row(name, "-", check=f"FAILED: {type(error).__name__}: {error}"[:300]))
        traceback.print_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
