"""The demos' figures, drawn with matplotlib's Agg canvas (no display, no pyplot global state).

Curves are paired by model: one colour per model (a λ, dropout on or off), its training curve dashed
and its test curve solid. With several backends each has its own marker (numpy none, jax ×, torch +),
so that curves that agree lie on top of each other and a disagreement shows. Legends sit below the
axes, never over the curves. Imports only the results it draws, never the demos that run them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .classifier import History, describe_rates
from .linreg import LinregRun
from .uncertainty import Bin, MCResult, bins_by

__all__ = ["formats", "plot_dropout", "plot_mc_dropout", "plot_weight_decay"]

MARKERS = {"numpy": "o", "jax": "x", "torch": "+"}
TRAIN, TEST = "--", "-"


def formats() -> list[str]:
    """The file suffixes matplotlib can write (``png``, ``svg``, ``pdf``, …)."""
    return sorted(FigureCanvasBase.get_supported_filetypes())


def _figure(ncols: int) -> tuple[Figure, list]:
    fig = Figure(figsize=(5.5 * ncols, 4.6), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, list(np.atleast_1d(fig.subplots(1, ncols)))


def _marks(backend: str, points: int, several: bool) -> dict:
    """Markers that tell backends apart, about ten per curve; none with a single backend."""
    if not several:
        return {}
    return {"marker": MARKERS[backend], "fillstyle": "none", "markevery": max(1, points // 10), "markersize": 6}


def _legend(fig: Figure, models: dict[str, str], backends: Sequence[str], pairs: bool = True) -> None:
    """Below the axes: one entry per model (its colour), train/test (dashed/solid), one per backend (its marker)."""
    handles = [Line2D([], [], color=colour, linewidth=2.5, label=label) for label, colour in models.items()]
    if pairs:
        handles += [
            Line2D([], [], color="0.3", linestyle=style, label=name)
            for name, style in (("train", TRAIN), ("test", TEST))
        ]
    if len(backends) > 1:
        handles += [Line2D([], [], color="0.3", **_marks(b, 1, True), label=b) for b in backends]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 7), fontsize="small")


def _save(fig: Figure, path: Path) -> Figure:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return fig


def plot_weight_decay(runs: Sequence[LinregRun], path: Path, w_star_norm: float) -> Figure:
    """Train and test loss (log scale) beside ‖w‖, per λ, against epochs."""
    fig, (ax_loss, ax_norm) = _figure(2)
    models = {f"λ = {lambd:g}": f"C{i}" for i, lambd in enumerate(dict.fromkeys(r.lambd for r in runs))}
    several = len({r.backend for r in runs}) > 1
    for r in runs:
        colour, marks = models[f"λ = {r.lambd:g}"], _marks(r.backend, len(r.epochs), several)
        ax_loss.plot(r.epochs, r.train_loss, color=colour, linestyle=TRAIN, **marks)
        ax_loss.plot(r.epochs, r.test_loss, color=colour, linestyle=TEST, **marks)
        ax_norm.plot(r.epochs, r.w_norms, color=colour, **marks)
    ax_norm.axhline(w_star_norm, color="0.5", linestyle=":", linewidth=1)
    ax_norm.annotate(f"‖w*‖ = {w_star_norm:.3g}", (0.02, w_star_norm), xycoords=("axes fraction", "data"),
                     xytext=(0, 3), textcoords="offset points", fontsize="small", color="0.4")  # fmt: skip
    ax_loss.set(yscale="log", xlabel="epoch", ylabel="mean ½(ŷ − y)²", title="loss: train dashed, test solid")
    ax_norm.set(yscale="log", xlabel="epoch", ylabel="‖w‖", title="‖w‖: the decay shrinks the weights")
    for ax in (ax_loss, ax_norm):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(fig, models, list(dict.fromkeys(r.backend for r in runs)))
    return _save(fig, path)


def plot_dropout(histories: Sequence[History], path: Path) -> Figure:
    """Cross-entropy (log scale) and accuracy per epoch, train dashed and test solid, dropout on and off."""
    fig, (ax_loss, ax_acc) = _figure(2)
    models = {describe_rates(r): f"C{i}" for i, r in enumerate(dict.fromkeys(h.rates for h in histories))}
    several = len({h.backend for h in histories}) > 1
    for h in histories:
        colour, epochs = models[describe_rates(h.rates)], np.arange(1, len(h.test_loss) + 1)
        marks = _marks(h.backend, len(epochs), several)
        for ax, train, test in ((ax_loss, h.train_loss, h.test_loss), (ax_acc, h.train_acc, h.test_acc)):
            ax.plot(epochs, train, color=colour, linestyle=TRAIN, **marks)
            ax.plot(epochs, test, color=colour, linestyle=TEST, **marks)
    ax_loss.set(yscale="log", xlabel="epoch", ylabel="cross-entropy (dropout off)", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (dropout off)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(fig, models, list(dict.fromkeys(h.backend for h in histories)))
    return _save(fig, path)


def _counts(bins: Sequence[Bin]) -> str:
    low, high = min(b.count for b in bins), max(b.count for b in bins)
    return f"{len(bins)} bins of {low if low == high else f'{low}–{high}'} examples"


def plot_mc_dropout(results: Sequence[MCResult], bins: int, path: Path) -> Figure:
    """Error rate against the MC spread, and accuracy against confidence (reliability), in ``bins`` equal-count
    bins of the test set — no bin so small that its rate is noise; their counts in the titles."""
    fig, (ax_spread, ax_conf) = _figure(2)
    for r in results:
        by_spread, by_conf = bins_by(r, "spread", bins), bins_by(r, "confidence", bins)
        style = {"color": "C3", "marker": MARKERS[r.backend], "fillstyle": "none", "markersize": 7}
        ax_spread.plot([b.spread for b in by_spread], [b.error for b in by_spread], **style)
        ax_conf.plot([b.confidence for b in by_conf], [b.accuracy for b in by_conf], **style)
    low = min(b.confidence for b in bins_by(results[0], "confidence", bins))
    edge = max(0.0, low - 0.05)
    ax_conf.plot([edge, 1], [edge, 1], color="0.5", linestyle=":", linewidth=1)
    ax_spread.set(xlabel="spread Σ_k std(p_k) over the passes (bin mean)", ylabel="test error rate",
                  title=f"does the spread track the error? ({_counts(by_spread)})")  # fmt: skip
    ax_conf.set(xlabel="confidence max p̄ (bin mean)", ylabel="accuracy", xlim=(edge, 1.005), ylim=(edge, 1.005),
                title=f"reliability, dotted: calibrated ({_counts(by_conf)})")  # fmt: skip
    _legend(fig, {"equal-count bins of the test set": "C3"}, [r.backend for r in results], pairs=False)
    return _save(fig, path)
