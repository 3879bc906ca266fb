"""The three demos on the reference backend: what each experiment is meant to show, and determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from rich.console import Console

from experiments import dropout, mc_dropout, weight_decay
from experiments.backends import load_backend
from experiments.classifier import MLPSetup
from experiments.datasets import load_digits
from experiments.mc_dropout import analyse, auroc, spread_bins
from experiments.sampling import streams

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def numpy_backend():
    return [load_backend("numpy")]


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def quiet() -> Console:
    return Console(quiet=True)


@pytest.fixture(scope="module")
def chapter_runs(numpy_backend):
    """The chapter's default setup, λ = 0 and 3, seed 0 (about a second)."""
    return weight_decay.run(numpy_backend, [0.0, 3.0], 0, quiet())


def test_weight_decay_reproduces_the_chapter(chapter_runs):
    free, decayed = chapter_runs
    assert free.epochs == list(range(5, 101, 5))
    # λ = 0 overfits: the train loss collapses while the test loss stays high
    assert free.train_loss[-1] < 1e-3 * free.train_loss[0] and free.test_loss[-1] > 10
    # λ = 3 generalises: the test loss falls by orders of magnitude, and w shrinks toward w* (‖w*‖ = 0.14)
    assert decayed.test_loss[-1] < 1e-2 * free.test_loss[-1]
    # the 180 directions the 20 examples do not see keep their N(0, 1) start unless decayed: ‖w‖ ≈ √200
    assert free.w_norm > 10 and decayed.w_norm < 1


def test_directions_the_data_never_sees_only_decay(chapter_runs):
    # every minibatch gradient xᵀ(ŷ − y)/B lies in the span of the 20 training inputs, so the component
    # of w orthogonal to them feels only the decay: it is exactly (1 − ηλ)^steps times its start
    # (docs/derivations.md, "What ‖w‖ measures")
    setup = weight_decay.WeightDecaySetup()
    data, params0 = weight_decay.problem(streams(0), setup)
    basis, _ = np.linalg.qr(data.x_train.T.astype(np.float64))

    def unseen(w):
        return w - basis @ (basis.T @ w)

    steps = setup.epochs * setup.n_train // setup.batch_size
    for run in chapter_runs:
        want = (1 - setup.lr * run.lambd) ** steps * unseen(params0["w"].astype(np.float64))
        np.testing.assert_allclose(unseen(run.w), want, atol=2e-5)  # measured: 3e-6 (float32 steps)
        assert np.linalg.norm(run.w - unseen(run.w)) < 0.3  # the seen part is small: ‖w‖ is mostly the unseen part


def test_weight_decay_is_deterministic_given_the_seed(numpy_backend, chapter_runs):
    setup = weight_decay.WeightDecaySetup(epochs=10)
    a = weight_decay.run(numpy_backend, [3.0], 0, quiet(), setup=setup)[0]
    b = weight_decay.run(numpy_backend, [3.0], 0, quiet(), setup=setup)[0]
    c = weight_decay.run(numpy_backend, [3.0], 1, quiet(), setup=setup)[0]
    assert a == b
    np.testing.assert_array_equal(a.w, b.w)
    assert a.test_loss != c.test_loss
    assert a.train_loss == chapter_runs[1].train_loss[:2]  # a shorter run is a prefix of the longer one


def test_weight_decay_plot_and_table(numpy_backend, tmp_path):
    console = Console(record=True, width=200)
    setup = weight_decay.WeightDecaySetup(epochs=7)
    runs = weight_decay.run(numpy_backend, [0.0, 1.5], 4, console, setup=setup, plot=tmp_path / "wd.png")
    assert [r.epochs for r in runs] == [[5, 7], [5, 7]]  # every log_every epochs and after the last
    text = console.export_text()
    assert f"{runs[1].w_norm:.4f}" in text and "seed 4" in text
    assert (tmp_path / "wd.png").read_bytes().startswith(PNG)


@pytest.fixture(scope="module")
def dropout_histories(numpy_backend, digits):
    return dropout.run(numpy_backend, digits, 0, quiet(), setup=MLPSetup(epochs=3))


def test_dropout_demo_trains_both_models_from_the_same_start(dropout_histories):
    on, off = dropout_histories
    assert on.rates == (0.3, 0.5) and off.rates == (0.0, 0.0)
    for h in (on, off):
        assert len(h.test_acc) == 3
        assert h.test_acc[-1] > 0.8  # 10 classes: chance is 0.1
        assert h.train_loss[-1] < h.train_loss[0]
    assert on.train_loss != off.train_loss


def test_dropout_demo_is_deterministic_given_the_seed(numpy_backend, digits, dropout_histories):
    small = dataclasses.replace(digits, x_train=digits.x_train[:300], y_train=digits.y_train[:300])
    runs = [dropout.run(numpy_backend, small, seed, quiet(), setup=MLPSetup(epochs=1)) for seed in (0, 0, 1)]
    assert runs[0] == runs[1]
    assert runs[0][0].train_loss != runs[2][0].train_loss


def test_dropout_tables_and_plot(dropout_histories, tmp_path):
    from experiments.plotting import plot_dropout

    console = Console(record=True, width=250)
    console.print(dropout.epoch_table(dropout_histories), dropout.summary_table(dropout_histories))
    text = console.export_text()
    assert f"{dropout_histories[0].test_acc[-1]:.4f}" in text and "no dropout" in text and "dropout 0.3, 0.5" in text
    plot_dropout(dropout_histories, tmp_path / "sub" / "dropout.png")
    assert (tmp_path / "sub" / "dropout.png").read_bytes().startswith(PNG)


def test_auroc_counts_pairs():
    errors = np.array([True, True, False, False, False])
    assert auroc(np.array([0.9, 0.8, 0.1, 0.2, 0.3]), errors) == 1.0
    assert auroc(np.array([0.0, 0.0, 0.1, 0.2, 0.3]), errors) == 0.0
    # pairs (error, correct): 0.5 ties 0.5 (½), beats 0.2 and 0.3 (2); 0.1 beats none: 2.5 of 6
    assert auroc(np.array([0.5, 0.1, 0.5, 0.2, 0.3]), errors) == pytest.approx(2.5 / 6)
    assert np.isnan(auroc(np.ones(3), np.zeros(3, bool)))


def test_analyse_sums_the_spread_over_the_classes():
    mean = np.array([[0.7, 0.3], [0.2, 0.8]])
    std = np.array([[0.125, 0.25], [0.5, 0.25]])
    result = analyse("numpy", mean, std, np.array([0, 0]), deterministic_acc=0.5)
    np.testing.assert_array_equal(result.spread, [0.375, 0.75])
    np.testing.assert_array_equal(result.confidence, [0.7, 0.8])
    np.testing.assert_array_equal(result.error, [False, True])
    assert result.mc_acc == 0.5
    bins = spread_bins(result, 2)
    assert bins == [(0.375, 0.0, 1, 0.7), (0.75, 1.0, 1, 0.8)]


def test_mc_dropout_demo_spread_tracks_the_error(numpy_backend, digits, tmp_path):
    console = Console(record=True, width=200)
    results = mc_dropout.run(
        numpy_backend, digits, 0, console, setup=MLPSetup(epochs=5), num_samples=20, bins=4, plot=tmp_path / "mc.png"
    )
    (result,) = results
    assert result.mean_probs.shape == (359, 10)
    np.testing.assert_allclose(result.mean_probs.sum(axis=1), 1.0, rtol=1e-6)
    assert result.spread.min() >= 0 and result.spread.max() > 0
    bins = spread_bins(result, 4)
    assert sum(b[2] for b in bins) == 359
    assert bins[-1][1] > bins[0][1]  # the most uncertain quarter errs more often than the least
    assert auroc(result.spread, result.error) > 0.7
    assert "AUROC" in console.export_text()
    assert (tmp_path / "mc.png").read_bytes().startswith(PNG)
