"""The demos' figures, drawn with matplotlib's Agg canvas (no display, no pyplot global state).

Backends are told apart by line style (numpy wide and pale, jax dashed, torch dotted), so that with
``--backend all`` three curves that agree lie on top of each other and any disagreement shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from .classifier import History
    from .mc_dropout import MCResult
    from .weight_decay import LinregRun

__all__ = ["plot_dropout", "plot_mc_dropout", "plot_weight_decay"]

BACKEND_STYLE = {
    "numpy": {"linestyle": "-", "linewidth": 3.0, "alpha": 0.45},
    "jax": {"linestyle": "--", "linewidth": 1.5},
    "torch": {"linestyle": ":", "linewidth": 2.0},
}


def _figure(ncols: int) -> tuple[Figure, list]:
    fig = Figure(figsize=(5.0 * ncols, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, list(np.atleast_1d(fig.subplots(1, ncols)))


def _save(fig: Figure, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def plot_weight_decay(runs: Sequence[LinregRun], path: Path) -> None:
    """One panel per λ: train and test loss against epochs on a log axis, as in the book."""
    lambdas = list(dict.fromkeys(r.lambd for r in runs))
    fig, axes = _figure(len(lambdas))
    for ax, lambd in zip(axes, lambdas):
        for r in (r for r in runs if r.lambd == lambd):
            style = BACKEND_STYLE[r.backend]
            ax.plot(r.epochs, r.train_loss, color="C0", label=f"train ({r.backend})", **style)
            ax.plot(r.epochs, r.test_loss, color="C1", label=f"test ({r.backend})", **style)
        ax.set(
            yscale="log",
            xlabel="epoch",
            ylabel="loss",
            title=f"λ = {lambd:g}",
            xlim=(0, max(r.epochs[-1] for r in runs)),
        )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize="small")
    _save(fig, path)


def plot_dropout(histories: Sequence[History], path: Path) -> None:
    """Loss (train and test) and test accuracy per epoch, dropout on and off."""
    from .dropout import describe_rates

    fig, (ax_loss, ax_acc) = _figure(2)
    configs = list(dict.fromkeys(h.rates for h in histories))
    for h in histories:
        style, c = BACKEND_STYLE[h.backend], 2 * configs.index(h.rates)
        epochs = np.arange(1, len(h.test_loss) + 1)
        name = f"{describe_rates(h.rates)} ({h.backend})"
        ax_loss.plot(epochs, h.train_loss, color=f"C{c}", label=f"train, {name}", **style)
        ax_loss.plot(epochs, h.test_loss, color=f"C{c + 1}", label=f"test, {name}", **style)
        ax_acc.plot(epochs, h.test_acc, color=f"C{c + 1}", label=name, **style)
    ax_loss.set(yscale="log", xlabel="epoch", ylabel="cross-entropy (evaluation mode)", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize="x-small")
    _save(fig, path)


def plot_mc_dropout(
    results: Sequence[MCResult], bins: dict[str, list[tuple[float, float, int, float]]], path: Path
) -> None:
    """Error rate against MC spread (equal-count bins), and accuracy against confidence (reliability)."""
    fig, (ax_spread, ax_conf) = _figure(2)
    edges = np.linspace(0.0, 1.0, 11)
    for r in results:
        style = BACKEND_STYLE[r.backend]
        spread, error = np.array([(b[0], b[1]) for b in bins[r.backend]]).T
        ax_spread.plot(spread, error, marker="o", color="C3", label=r.backend, **style)
        which = np.clip(np.digitize(r.confidence, edges) - 1, 0, len(edges) - 2)
        filled = [i for i in range(len(edges) - 1) if np.any(which == i)]
        centres = [r.confidence[which == i].mean() for i in filled]
        accuracy = [1.0 - r.error[which == i].mean() for i in filled]
        ax_conf.plot(centres, accuracy, marker="o", color="C0", label=r.backend, **style)
    ax_spread.set(xlabel="spread Σ_k std(p_k) over the passes", ylabel="test error rate",
                  title="does the spread track the error?")  # fmt: skip
    ax_conf.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="calibrated")
    ax_conf.set(xlabel="confidence (mean probability of the prediction)", ylabel="accuracy", title="reliability")
    for ax in (ax_spread, ax_conf):
        ax.legend(fontsize="small")
    _save(fig, path)
