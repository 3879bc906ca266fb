"""The demos' figures show what the chapter teaches: ‖w‖ beside the losses, curves paired by model (one colour,
train dashed, test solid), backends told apart by marker, legends off the curves, bins with their counts."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_hex

from regref.demos.classifier import History
from regref.demos.linreg import LinregRun
from regref.demos.plotting import plot_dropout, plot_mc_dropout, plot_weight_decay
from regref.demos.uncertainty import analyse


def _pairs(ax) -> dict[str, set[str]]:
    """Colour → the line styles drawn in it."""
    styles: dict[str, set[str]] = {}
    for line in ax.get_lines():
        styles.setdefault(to_hex(line.get_color()), set()).add(line.get_linestyle())
    return styles


def _legend_texts(fig) -> list[str]:
    assert not any(ax.get_legend() for ax in fig.axes) and len(fig.legends) == 1  # below the axes, not over them
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_weight_decay_plots_w_norm_beside_the_losses(tmp_path):
    runs = [
        LinregRun(b, lambd, [5, 10], [1.0 / (1 + lambd), 0.5], [2.0, 1.0 + lambd], [12.0, 10.0 / (1 + lambd)])
        for lambd in (0.0, 3.0)
        for b in ("numpy", "jax")
    ]
    fig = plot_weight_decay(runs, tmp_path / "wd.png", w_star_norm=0.141)
    ax_loss, ax_norm = fig.axes
    assert ax_norm.get_ylabel() == "‖w‖" and ax_loss.get_yscale() == ax_norm.get_yscale() == "log"
    np.testing.assert_array_equal(ax_norm.get_lines()[0].get_ydata(), [12.0, 10.0])
    assert any("0.141" in t.get_text() for t in ax_norm.texts)  # ‖w*‖ marked
    pairs = _pairs(ax_loss)
    assert len(pairs) == 2 and all(styles == {"--", "-"} for styles in pairs.values())  # one colour per λ
    markers = {line.get_marker() for line in ax_loss.get_lines()}
    assert markers == {"o", "x"}  # numpy and jax
    assert _legend_texts(fig) == ["λ = 0", "λ = 3", "train", "test", "numpy", "jax"]


def test_dropout_pairs_train_and_test_by_model(tmp_path):
    histories = [
        History("numpy", rates, [0.5, 0.1], [0.8, 0.9], [0.6, 0.7], [0.7, 0.8]) for rates in ((0.3, 0.5), (0.0, 0.0))
    ]
    fig = plot_dropout(histories, tmp_path / "d.svg")
    for ax in fig.axes:
        pairs = _pairs(ax)
        assert len(pairs) == 2 and all(styles == {"--", "-"} for styles in pairs.values())
        assert {line.get_marker() for line in ax.get_lines()} == {"None"}  # one backend: no markers
    assert _legend_texts(fig) == ["dropout 0.3, 0.5", "no dropout", "train", "test"]


def test_mc_dropout_bins_carry_their_counts(tmp_path):
    rng = np.random.default_rng(0)
    mean = rng.dirichlet(np.ones(10), size=103)
    result = analyse("numpy", mean, rng.uniform(0, 0.1, (103, 10)), rng.integers(0, 10, 103), 0.5)
    fig = plot_mc_dropout([result], 5, tmp_path / "mc.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert all(title.endswith("(5 bins of 20–21 examples)") for title in titles), titles
    assert len(fig.axes[1].get_lines()[0].get_xdata()) == 5  # the reliability curve: one point per bin
