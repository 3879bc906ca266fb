"""The terminal side of the demos: progress bars, compact tables, cross-backend agreement, and Ctrl-C.

An interrupted demo is not lost: :func:`reporting` prints the tables (and writes the plot) of what
finished — whole runs, and the epochs of the run that was cut — before the interruption goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = [
    "compact_table",
    "epoch_table",
    "max_relative_difference",
    "progress_bar",
    "reporting",
    "trajectory_difference",
]


def progress_bar(console: Console) -> Progress:
    """A transient progress display: one bar per training run, advanced once per optimisation step."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@contextlib.contextmanager
def reporting(console: Console, report: Callable[[], None]) -> Iterator[None]:
    """Run the body, then ``report()``; on Ctrl-C, ``report()`` on what finished, say so, and re-raise."""
    try:
        yield
    except KeyboardInterrupt:
        report()
        console.print("interrupted: the tables hold the runs and epochs that finished", style="bold yellow")
        raise
    report()


_WORDS = ("backend", "dropout")  # the columns that hold words, not numbers


def compact_table(title: str, columns: Sequence[str], caption: str | None = None) -> Table:
    """A table without vertical rules, numbers right-aligned: the demos' summaries fit 80 columns."""
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, title_justify="left", caption_justify="left")
    for name in columns:
        table.add_column(name, justify="left" if name in _WORDS else "right")
    return table


def epoch_table(title: str, epochs: Sequence[int], series: dict[str, Sequence[float]]) -> Table:
    """One row per epoch, one column per named series (a series cut short by an interruption leaves blanks)."""
    table = compact_table(title, ["epoch", *series])
    for i, epoch in enumerate(epochs):
        table.add_row(str(epoch), *(f"{values[i]:.4g}" if i < len(values) else "" for values in series.values()))
    return table


def max_relative_difference(got: Sequence[float], want: Sequence[float]) -> float:
    """``max_i |got_i − want_i| / |want_i|`` over the epochs both logged: how far a backend's curve is from the
    reference's."""
    n = min(len(got), len(want))
    got_arr, want_arr = np.asarray(got[:n], np.float64), np.asarray(want[:n], np.float64)
    return float(np.max(np.abs(got_arr - want_arr) / np.abs(want_arr), initial=0.0))


def trajectory_difference(run: object, reference: object) -> float:
    """The largest relative difference between two runs' ``train_loss`` and ``test_loss`` curves."""
    return max(
        max_relative_difference(run.train_loss, reference.train_loss),  # type: ignore[attr-defined]
        max_relative_difference(run.test_loss, reference.test_loss),  # type: ignore[attr-defined]
    )
