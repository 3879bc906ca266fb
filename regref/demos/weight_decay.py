"""``regref demo weight-decay``: the chapter's linear regression with and without weight decay.

Every (λ, backend) pair trains from one seed's data, initial weights and minibatch order
(:mod:`regref.demos.linreg`). Printed: the final losses and ‖w‖ of each run (the book, unseeded,
prints ‖w‖ = 12.96 at λ = 0 and 0.356 at λ = 3), each port's distance from NumPy's curves, and one
sentence comparing the largest λ with the smallest; ``--verbose`` adds the logged epochs. The plot
shows the losses beside ‖w‖ over the epochs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from .backends import Backend
from .console import compact_table, epoch_table, progress_bar, reporting, trajectory_difference
from .linreg import CHAPTER, LinregRun, WeightDecaySetup, problem, train
from .sampling import streams

__all__ = ["reading", "run", "summary_table"]


def run(
    backends: Sequence[Backend],
    lambdas: Sequence[float],
    seed: int,
    console: Console,
    *,
    setup: WeightDecaySetup = CHAPTER,
    plot: Path | None = None,
    verbose: bool = False,
) -> list[LinregRun]:
    """Train every (λ, backend) pair; print the tables (and write the plot) of what finished, even on Ctrl-C."""
    keys = streams(seed)
    data, params0 = problem(keys, setup)
    steps = setup.epochs * -(-setup.n_train // setup.batch_size)
    runs: list[LinregRun] = []

    def report() -> None:
        finished = [r for r in runs if r.epochs]
        if verbose:
            for backend in dict.fromkeys(r.backend for r in finished):
                mine = [r for r in finished if r.backend == backend]
                series = {f"{name} λ={r.lambd:g}": getattr(r, attr) for r in mine for name, attr in _SERIES}
                console.print(epoch_table(f"{backend}: per logged epoch", mine[0].epochs, series))
        console.print(summary_table(finished, seed, setup.epochs))
        console.print(BOOK, style="dim")
        whole = [r for r in finished if r.epochs[-1] == setup.epochs]
        if len({r.lambd for r in whole}) > 1:  # read only whole runs
            console.print(reading(whole), highlight=False)
        if plot is not None and finished:
            from .plotting import plot_weight_decay

            plot_weight_decay(finished, plot, w_star_norm=setup.true_w * np.sqrt(setup.num_inputs))
            console.print(f"plot written to {plot}")

    with reporting(console, report), progress_bar(console) as progress:
        for lambd in lambdas:
            for backend in backends:
                task = progress.add_task(f"{backend.name} λ={lambd:g}", total=steps)
                runs.append(LinregRun(backend.name, lambd))
                train(backend, data, params0, lambd, setup, keys.shuffle, partial(progress.advance, task), runs[-1])
    return runs


_SERIES = (("train", "train_loss"), ("test", "test_loss"), ("‖w‖", "w_norms"))
BOOK = "The book (unseeded, 100 epochs) prints ‖w‖ = 12.96 at λ = 0 and 0.356 at λ = 3."


def summary_table(runs: Sequence[LinregRun], seed: int, epochs: int) -> Table:
    """Final losses and ‖w‖ per run, and (with several backends) each port's largest distance from NumPy's curves."""
    several = len({r.backend for r in runs}) > 1
    columns = ["λ", "backend", "train loss", "test loss", "‖w‖", *(["vs numpy"] if several else [])]
    table = compact_table(f"weight decay after {epochs} epochs, seed {seed}", columns)
    reference = {r.lambd: r for r in runs if r.backend == "numpy"}
    for r in runs:
        ref = reference.get(r.lambd)
        diff = "" if ref is None or ref is r else f"{trajectory_difference(r, ref):.1e}"
        cells = [f"{r.lambd:g}", r.backend, f"{r.train_loss[-1]:.4g}", f"{r.test_loss[-1]:.4g}", f"{r.w_norm:.4g}"]
        table.add_row(*cells, *([diff] if several else []))
    return table


def reading(runs: Sequence[LinregRun]) -> str:
    """One sentence on the first backend's runs: the largest λ against the smallest, test loss and ‖w‖."""
    mine = [r for r in runs if r.backend == runs[0].backend]
    low, high = min(mine, key=lambda r: r.lambd), max(mine, key=lambda r: r.lambd)
    ratio = low.test_loss[-1] / high.test_loss[-1]
    verdict = f"{ratio:.3g}× lower than" if ratio > 1 else f"{1 / ratio:.3g}× higher than"
    return (
        f"{high.backend}: with λ = {high.lambd:g} the test loss ended at {high.test_loss[-1]:.3g}, {verdict} at "
        f"λ = {low.lambd:g} ({low.test_loss[-1]:.3g}, where the train loss fell to {low.train_loss[-1]:.2g}), and "
        f"‖w‖ ended at {high.w_norm:.3g} against {low.w_norm:.3g}."
    )
