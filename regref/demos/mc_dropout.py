"""``regref demo mc-dropout``: does Monte-Carlo dropout's spread track the error?

The MLP is trained with dropout as in the dropout demo; at inference dropout stays *on* for ``T``
passes keyed by ``split(mc_key, T)`` (``<backend>.models.mc_dropout``), and each test example gets a
prediction, a confidence and a spread (:mod:`regref.demos.uncertainty`). Printed for the reference
backend (for every backend with ``--verbose``): the test set in equal-count bins by spread (does the
error rate rise with it?) and by confidence (reliability: is the accuracy what the confidence claims?),
each bin with its count; the AUROC of the spread as a detector of errors, against ``1 − confidence``,
a baseline that needs no sampling; and one sentence reading them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from .backends import Backend
from .classifier import DEFAULT_RATES, DEFAULT_SETUP, MLPSetup, init_mlp, steps_per_epoch, train_mlp
from .console import compact_table, progress_bar, reporting
from .datasets import Classification
from .sampling import streams
from .uncertainty import MCResult, analyse, auroc, bins_by

__all__ = ["bin_table", "reading", "run"]


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
    verbose: bool = False,
) -> list[MCResult]:
    """Train on every backend, then ``num_samples`` stochastic passes over the test set; report what finished."""
    keys = streams(seed)
    params0 = init_mlp(keys.init, (data.x_train.shape[1], *setup.hidden, data.num_classes))
    results: list[MCResult] = []

    def report() -> None:
        for result in results if verbose else results[:1]:
            console.print(
                bin_table(result, "spread", bins, num_samples), bin_table(result, "confidence", bins, num_samples)
            )
        for result in results[1:]:
            diff = np.max(np.abs(result.mean_probs - results[0].mean_probs))
            console.print(f"{result.backend}: max |p̄ − p̄({results[0].backend})| = {diff:.1e}")
        if results:
            console.print(reading(results[0], bins), highlight=False)
        if plot is not None and results:
            from .plotting import plot_mc_dropout

            plot_mc_dropout(results, bins, plot)
            console.print(f"plot written to {plot}")

    with reporting(console, report), progress_bar(console) as progress:
        for backend in backends:
            task = progress.add_task(f"{backend.name}: training", total=setup.epochs * steps_per_epoch(data, setup))
            params, history = train_mlp(backend, data, params0, rates, setup, keys, partial(progress.advance, task))
            x_test, mc_key = backend.asarray(data.x_test), backend.asarray(keys.mc)
            mean, std = backend.models.mc_dropout(params, x_test, rates, mc_key, num_samples)
            mean, std = backend.to_numpy(mean).astype(np.float64), backend.to_numpy(std).astype(np.float64)
            results.append(analyse(backend.name, mean, std, data.y_test, history.test_acc[-1]))
    return results


def bin_table(result: MCResult, score: str, bins: int, num_samples: int) -> Table:
    """The test set in ``bins`` equal-count bins by ``score`` (``spread`` or ``confidence``), each with its count."""
    first = "mean spread" if score == "spread" else "mean confidence"
    title = f"{result.backend}: MC dropout, T = {num_samples}, the test set by {score}"
    table = compact_table(title, [first, "examples", "error rate", "accuracy"])
    for b in bins_by(result, score, bins):
        table.add_row(f"{getattr(b, score):.4f}", str(b.count), f"{b.error:.4f}", f"{b.accuracy:.4f}")
    return table


def reading(result: MCResult, bins: int) -> str:
    """One sentence: accuracy, the error rates of the least and most uncertain bins, and the two AUROCs."""
    by_spread = bins_by(result, "spread", bins)
    spread, baseline = auroc(result.spread, result.error), auroc(1.0 - result.confidence, result.error)
    better = "better than" if spread > baseline else "no better than"
    return (
        f"{result.backend}: MC accuracy {result.mc_acc:.3f} (dropout off {result.deterministic_acc:.3f}); the "
        f"{by_spread[-1].count} test examples with the largest spread err at {by_spread[-1].error:.1%}, the "
        f"{by_spread[0].count} with the smallest at {by_spread[0].error:.1%}; as a detector of errors the spread "
        f"scores AUROC {spread:.3f}, {better} 1 − confidence ({baseline:.3f})."
    )
