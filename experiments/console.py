"""The terminal side of the demos: one rich console, progress bars, and cross-backend agreement."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["max_relative_difference", "progress_bar", "trajectory_difference"]


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


def max_relative_difference(got: Sequence[float], want: Sequence[float]) -> float:
    """``max_i |got_i − want_i| / |want_i|``: how far one backend's curve is from the reference's."""
    got_arr, want_arr = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float(np.max(np.abs(got_arr - want_arr) / np.abs(want_arr)))


def trajectory_difference(run: object, reference: object) -> float:
    """The largest relative difference between two runs' ``train_loss`` and ``test_loss`` curves."""
    return max(
        max_relative_difference(run.train_loss, reference.train_loss),  # type: ignore[attr-defined]
        max_relative_difference(run.test_loss, reference.test_loss),  # type: ignore[attr-defined]
    )
