"""``regref demo mc-dropout``: does Monte-Carlo dropout's spread track the error?

The MLP is trained with dropout as in the dropout demo; at inference dropout stays *on* for
``T`` passes keyed by ``split(mc_key, T)`` (:func:`<backend>.models.mc_dropout`). For each test
example: the prediction is the argmax of the mean probability ``p̄``, its confidence ``max p̄``,
and its *spread* ``Σ_k s_k``, the standard deviations of the class probabilities over the passes,
summed over the classes. Sorting the test set by spread into equal-count bins shows whether the
error rate rises with the spread. The AUROC of a score as a detector of errors is 0.5 for no signal
and 1 for a perfect one; the table gives it for the spread and, as a baseline that needs no
sampling, for ``1 − confidence``.

(The standard deviation of the *predicted* class's probability alone is a poor spread: an
undertrained network spreads its probability thinly, so its least confident examples have small
standard deviations and the score runs backwards — AUROC 0.37 after 3 epochs on the digits.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from .backends import Backend
from .classifier import DEFAULT_SETUP, MLPSetup, init_mlp, steps_per_epoch, train_mlp
from .console import progress_bar
from .datasets import Classification
from .dropout import DEFAULT_RATES
from .sampling import streams

__all__ = ["MCResult", "analyse", "auroc", "run"]


@dataclass(frozen=True)
class MCResult:
    backend: str
    mean_probs: np.ndarray
    spread: np.ndarray
    confidence: np.ndarray
    error: np.ndarray
    deterministic_acc: float

    @property
    def mc_acc(self) -> float:
        return float(1.0 - self.error.mean())


def analyse(backend: str, mean: np.ndarray, std: np.ndarray, labels: np.ndarray, deterministic_acc: float) -> MCResult:
    """Per-example prediction, confidence, spread and error from the passes' mean and std."""
    predicted = mean.argmax(axis=1)
    confidence = mean[np.arange(len(labels)), predicted]
    return MCResult(backend, mean, std.sum(axis=1), confidence, predicted != labels, deterministic_acc)


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counting ½ (Mann–Whitney); NaN if a class is empty."""
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def spread_bins(result: MCResult, bins: int) -> list[tuple[float, float, int, float]]:
    """Equal-count bins by spread: ``(mean spread, error rate, count, mean confidence)`` each."""
    groups = np.array_split(np.argsort(result.spread, kind="stable"), bins)
    return [
        (float(result.spread[g].mean()), float(result.error[g].mean()), len(g), float(result.confidence[g].mean()))
        for g in groups
        if len(g)
    ]


def run(
    backends: Sequence[Backend],
    data: Classification,
    seed: int,
    console: Console,
    *,
    rates: tuple[float, ...] = DEFAULT_RATES,
    setup: MLPSetup = DEFAULT_SETUP,
    num_samples: int = 50,
    bins: int = 5,
    plot: Path | None = None,
) -> list[MCResult]:
    """Train on every backend, then ``num_samples`` stochastic passes over the test set."""
    keys = streams(seed)
    params0 = init_mlp(keys.init, (data.x_train.shape[1], *setup.hidden, data.num_classes))
    results = []
    with progress_bar(console) as progress:
        for backend in backends:
            task = progress.add_task(f"{backend.name}: training", total=setup.epochs * steps_per_epoch(data, setup))
            params, history = train_mlp(backend, data, params0, rates, setup, keys, partial(progress.advance, task))
            x_test, mc_key = backend.asarray(data.x_test), backend.asarray(keys.mc)
            mean, std = backend.models.mc_dropout(params, x_test, rates, mc_key, num_samples)
            mean, std = backend.to_numpy(mean).astype(np.float64), backend.to_numpy(std).astype(np.float64)
            results.append(analyse(backend.name, mean, std, data.y_test, history.test_acc[-1]))
    for result in results:
        console.print(bin_table(result, bins, num_samples))
    if len(results) > 1:
        for result in results[1:]:
            diff = np.max(np.abs(result.mean_probs - results[0].mean_probs))
            console.print(f"{result.backend}: max |p̄ − p̄(numpy)| = {diff:.1e}")
    if plot is not None:
        from .plotting import plot_mc_dropout

        plot_mc_dropout(results, {r.backend: spread_bins(r, bins) for r in results}, plot)
        console.print(f"plot written to {plot}")
    return results


def bin_table(result: MCResult, bins: int, num_samples: int) -> Table:
    caption = (
        f"accuracy: dropout off {result.deterministic_acc:.4f}, MC mean {result.mc_acc:.4f}; "
        f"AUROC(spread → error) {auroc(result.spread, result.error):.3f}, "
        f"AUROC(1 − confidence → error) {auroc(1.0 - result.confidence, result.error):.3f}"
    )
    table = Table(title=f"{result.backend}: MC dropout, T = {num_samples}, test set by spread", caption=caption)
    for column in ("mean spread", "examples", "error rate", "mean confidence"):
        table.add_column(column, justify="right")
    for spread, error, count, confidence in spread_bins(result, bins):
        table.add_row(f"{spread:.4f}", str(count), f"{error:.4f}", f"{confidence:.4f}")
    return table
