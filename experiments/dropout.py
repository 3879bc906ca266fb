"""``regref demo dropout``: the source's MLP trained with dropout (0.3, 0.5) and with dropout off.

Both runs of a backend start from the same weights and see the same minibatches, so the difference
between them is dropout alone. Per epoch: train and test loss and accuracy in evaluation mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .backends import Backend
from .classifier import DEFAULT_SETUP, History, MLPSetup, init_mlp, steps_per_epoch, train_mlp
from .console import progress_bar, trajectory_difference
from .datasets import Classification
from .sampling import streams

__all__ = ["DEFAULT_RATES", "describe_rates", "epoch_table", "run", "summary_table"]

DEFAULT_RATES = (0.3, 0.5)


def describe_rates(rates: tuple[float, ...]) -> str:
    return "no dropout" if not any(rates) else "dropout " + ", ".join(f"{p:g}" for p in rates)


def run(
    backends: Sequence[Backend],
    data: Classification,
    seed: int,
    console: Console,
    *,
    rates: tuple[float, ...] = DEFAULT_RATES,
    setup: MLPSetup = DEFAULT_SETUP,
    plot: Path | None = None,
) -> list[History]:
    """Train with ``rates`` and with dropout off on every backend; print tables; plot if asked."""
    keys = streams(seed)
    params0 = init_mlp(keys.init, (data.x_train.shape[1], *setup.hidden, data.num_classes))
    configs = (rates, (0.0,) * len(rates))
    histories = []
    console.print(f"{data.name}: {len(data.y_train)} train / {len(data.y_test)} test examples, seed {seed}")
    with progress_bar(console) as progress:
        for backend in backends:
            for config in configs:
                task = progress.add_task(
                    f"{backend.name}, {describe_rates(config)}", total=setup.epochs * steps_per_epoch(data, setup)
                )
                histories.append(
                    train_mlp(backend, data, params0, config, setup, keys, partial(progress.advance, task))[1]
                )
    for backend in backends:
        console.print(epoch_table([h for h in histories if h.backend == backend.name]))
    console.print(summary_table(histories))
    if plot is not None:
        from .plotting import plot_dropout

        plot_dropout(histories, plot)
        console.print(f"plot written to {plot}")
    return histories


def epoch_table(histories: Sequence[History]) -> Table:
    """One backend's runs side by side, one row per epoch."""
    table = Table(title=f"{histories[0].backend}: per epoch (evaluation mode)")
    table.add_column("epoch", justify="right")
    for h in histories:
        for metric in ("train loss", "test loss", "test acc"):
            table.add_column(f"{describe_rates(h.rates)}\n{metric}", justify="right")
    for epoch in range(len(histories[0].test_loss)):
        row = [str(epoch + 1)]
        for h in histories:
            row += [f"{h.train_loss[epoch]:.4f}", f"{h.test_loss[epoch]:.4f}", f"{h.test_acc[epoch]:.4f}"]
        table.add_row(*row)
    return table


def summary_table(histories: Sequence[History]) -> Table:
    """Final metrics, the generalisation gap (test − train loss), and each port's distance from NumPy."""
    table = Table(title="dropout on and off, after the last epoch")
    for column in (
        "backend",
        "model",
        "train acc",
        "test acc",
        "best test acc",
        "test − train loss",
        "max rel. diff. vs numpy",
    ):
        table.add_column(column, justify="right")
    reference = {h.rates: h for h in histories if h.backend == "numpy"}
    for h in histories:
        ref = reference.get(h.rates)
        diff = "" if ref is None or ref is h else f"{trajectory_difference(h, ref):.1e}"
        gap = h.test_loss[-1] - h.train_loss[-1]
        row = (
            h.backend,
            describe_rates(h.rates),
            f"{h.train_acc[-1]:.4f}",
            f"{h.test_acc[-1]:.4f}",
            f"{max(h.test_acc):.4f}",
            f"{gap:.4f}",
            diff,
        )
        table.add_row(*row)
    return table
