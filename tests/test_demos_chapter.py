"""The three demos on the reference backend: what each experiment is meant to show, the sentence that reads
it, the figures, and determinism."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from rich.console import Console

from regref.demos import dropout, mc_dropout, weight_decay
from regref.demos.backends import load_backend
from regref.demos.classifier import History, MLPSetup
from regref.demos.cli import DIGITS_EPOCHS
from regref.demos.datasets import load_digits
from regref.demos.linreg import CHAPTER, WeightDecaySetup, problem
from regref.demos.plotting import plot_dropout
from regref.demos.sampling import streams
from regref.demos.uncertainty import analyse, auroc, bins_by

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


def test_w_norm_is_logged_over_the_epochs(chapter_runs):
    free, decayed = chapter_runs
    assert len(decayed.w_norms) == len(decayed.epochs) and decayed.w_norm == np.linalg.norm(decayed.w)
    # with λ = 3 the decay shrinks ‖w‖ every logged epoch; without it ‖w‖ barely moves from its start
    assert all(b < a for a, b in zip(decayed.w_norms, decayed.w_norms[1:]))
    assert max(free.w_norms) - min(free.w_norms) < 0.05 * free.w_norm


def test_directions_the_data_never_sees_only_decay(chapter_runs):
    # every minibatch gradient xᵀ(ŷ − y)/B lies in the span of the 20 training inputs, so the component
    # of w orthogonal to them feels only the decay: it is exactly (1 − ηλ)^steps times its start
    # (docs/derivations.md, "What ‖w‖ measures")
    data, params0 = problem(streams(0), CHAPTER)
    basis, _ = np.linalg.qr(data.x_train.T.astype(np.float64))

    def unseen(w):
        return w - basis @ (basis.T @ w)

    steps = CHAPTER.epochs * CHAPTER.n_train // CHAPTER.batch_size
    for run in chapter_runs:
        want = (1 - CHAPTER.lr * run.lambd) ** steps * unseen(params0["w"].astype(np.float64))
        np.testing.assert_allclose(unseen(run.w), want, atol=2e-5)  # measured: 3e-6 (float32 steps)
        assert np.linalg.norm(run.w - unseen(run.w)) < 0.3  # the seen part is small: ‖w‖ is mostly the unseen part


def test_weight_decay_is_deterministic_given_the_seed(numpy_backend, chapter_runs):
    setup = WeightDecaySetup(epochs=10)
    a = weight_decay.run(numpy_backend, [3.0], 0, quiet(), setup=setup)[0]
    b = weight_decay.run(numpy_backend, [3.0], 0, quiet(), setup=setup)[0]
    c = weight_decay.run(numpy_backend, [3.0], 1, quiet(), setup=setup)[0]
    assert a == b
    np.testing.assert_array_equal(a.w, b.w)
    assert a.test_loss != c.test_loss
    assert a.train_loss == chapter_runs[1].train_loss[:2]  # a shorter run is a prefix of the longer one


def test_weight_decay_reading_plot_and_table(numpy_backend, tmp_path):
    console = Console(record=True, width=80)
    setup = WeightDecaySetup(epochs=7)
    runs = weight_decay.run(numpy_backend, [0.0, 1.5], 4, console, setup=setup, plot=tmp_path / "wd.png")
    assert [r.epochs for r in runs] == [[5, 7], [5, 7]]  # every log_every epochs and after the last
    text = console.export_text()
    assert f"{runs[1].w_norm:.4g}" in text and "seed 4" in text and "12.96" in text
    free, decayed = runs
    ratio = free.test_loss[-1] / decayed.test_loss[-1]
    assert f"with λ = 1.5 the test loss ended at {decayed.test_loss[-1]:.3g}, {ratio:.3g}× lower than" in text
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


def test_the_default_dropout_configuration_shows_overfitting_and_dropout_helps(numpy_backend, digits):
    """The demo's digits default (100 epochs, seed 0): without dropout the test loss turns up while the train loss
    falls; with dropout it ends lower. (Measured on seeds 0-4 in regref.demos.dropout's docstring.)"""
    setup = MLPSetup(epochs=DIGITS_EPOCHS["dropout"])
    console = Console(record=True, width=200)
    on, off = dropout.run(numpy_backend, digits, 0, console, setup=setup)
    low = int(np.argmin(off.test_loss))
    assert low < 60 and off.test_loss[-1] > 1.1 * off.test_loss[low] and off.train_loss[-1] < 1e-3
    assert on.test_loss[-1] < 0.9 * off.test_loss[-1]
    sentence = console.export_text().replace("\n", " ")
    assert f"numpy: without dropout the test loss was lowest at epoch {low + 1}" in sentence
    assert "overfitting; with dropout 0.3, 0.5 the test loss ended lower" in sentence


def test_the_dropout_reading_says_what_the_numbers_say_either_way():
    on = History("numpy", (0.3, 0.5), [0.01] * 3, [1.0] * 3, [0.5, 0.4, 0.45], [0.9, 0.9, 0.95])
    rising = History("numpy", (0.0, 0.0), [0.001] * 3, [1.0] * 3, [0.5, 0.3, 0.4], [0.9, 0.9, 0.9])
    falling = dataclasses.replace(rising, test_loss=[0.5, 0.45, 0.3])
    text = dropout.reading(on, rising, n_test=20)
    assert "lowest at epoch 2 (0.300) and rose to 0.400 by epoch 3" in text and "overfitting" in text
    assert "the test loss ended not lower, at 0.450" in text and "0.950 against 0.900 (1 more of 20 right)" in text
    text = dropout.reading(on, falling, n_test=20)
    assert "no overfitting shows in 3 epochs" in text and "ended not lower" in text
    even = dataclasses.replace(on, test_loss=[0.5, 0.4, 0.2], test_acc=[0.9] * 3)
    assert "ended lower, at 0.200, and test accuracy was 0.900 in both (18 of 20 right)" in dropout.reading(
        even, falling, n_test=20
    )


def test_dropout_demo_is_deterministic_given_the_seed(numpy_backend, digits, dropout_histories):
    small = dataclasses.replace(digits, x_train=digits.x_train[:300], y_train=digits.y_train[:300])
    runs = [dropout.run(numpy_backend, small, seed, quiet(), setup=MLPSetup(epochs=1)) for seed in (0, 0, 1)]
    assert runs[0] == runs[1]
    assert runs[0][0].train_loss != runs[2][0].train_loss


def test_dropout_tables_fit_80_columns_and_plot(dropout_histories, tmp_path):
    console = Console(record=True, width=80)
    console.print(dropout.summary_table(dropout_histories, 3))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if "backend" in line)
    assert header.split() == ["backend", "dropout", "train", "loss", "test", "loss", "lowest", "(epoch)", "test", "acc"]
    assert f"{dropout_histories[0].test_acc[-1]:.4f}" in text and "0.3, 0.5" in text and " off " in text
    plot_dropout(dropout_histories, tmp_path / "sub" / "dropout.png")
    assert (tmp_path / "sub" / "dropout.png").read_bytes().startswith(PNG)


def test_per_epoch_tables_only_when_verbose(numpy_backend, digits):
    small = dataclasses.replace(digits, x_train=digits.x_train[:256], y_train=digits.y_train[:256])
    outputs = []
    for verbose in (False, True):
        console = Console(record=True, width=200)
        dropout.run(numpy_backend, small, 0, console, setup=MLPSetup(epochs=2), verbose=verbose)
        outputs.append(console.export_text())
    assert "per epoch" not in outputs[0] and "numpy: per epoch" in outputs[1]
    assert len(outputs[0].splitlines()) < 15


def test_auroc_counts_pairs():
    errors = np.array([True, True, False, False, False])
    assert auroc(np.array([0.9, 0.8, 0.1, 0.2, 0.3]), errors) == 1.0
    assert auroc(np.array([0.0, 0.0, 0.1, 0.2, 0.3]), errors) == 0.0
    # pairs (error, correct): 0.5 ties 0.5 (½), beats 0.2 and 0.3 (2); 0.1 beats none: 2.5 of 6
    assert auroc(np.array([0.5, 0.1, 0.5, 0.2, 0.3]), errors) == pytest.approx(2.5 / 6)
    assert np.isnan(auroc(np.ones(3), np.zeros(3, bool)))


def test_analyse_sums_the_spread_over_the_classes_and_bins_count_examples():
    mean = np.array([[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]])
    std = np.array([[0.125, 0.25], [0.5, 0.25], [0.0, 0.0]])
    result = analyse("numpy", mean, std, np.array([0, 0, 0]), deterministic_acc=0.5)
    np.testing.assert_array_equal(result.spread, [0.375, 0.75, 0.0])
    np.testing.assert_array_equal(result.confidence, [0.75, 0.75, 0.5])
    np.testing.assert_array_equal(result.error, [False, True, False])
    assert result.mc_acc == pytest.approx(2 / 3)
    by_spread = bins_by(result, "spread", 2)  # sorted by spread: [0.0, 0.375] and [0.75]
    assert [(b.count, b.spread, b.error) for b in by_spread] == [(2, 0.1875, 0.0), (1, 0.75, 1.0)]
    by_confidence = bins_by(result, "confidence", 2)  # sorted by confidence, ties in order: [0.5, 0.75] and [0.75]
    assert [(b.count, b.confidence, b.accuracy) for b in by_confidence] == [(2, 0.625, 1.0), (1, 0.75, 0.0)]


def test_mc_dropout_demo_spread_tracks_the_error(numpy_backend, digits, tmp_path):
    console = Console(record=True, width=200)
    results = mc_dropout.run(
        numpy_backend, digits, 0, console, setup=MLPSetup(epochs=5), num_samples=20, bins=4, plot=tmp_path / "mc.png"
    )
    (result,) = results
    assert result.mean_probs.shape == (359, 10)
    np.testing.assert_allclose(result.mean_probs.sum(axis=1), 1.0, rtol=1e-6)
    assert result.spread.min() >= 0 and result.spread.max() > 0
    bins = bins_by(result, "spread", 4)
    assert [b.count for b in bins] == [90, 90, 90, 89]
    assert bins[-1].error > bins[0].error  # the most uncertain quarter errs more often than the least
    assert auroc(result.spread, result.error) > 0.7
    text = console.export_text()
    assert "the test set by spread" in text and "the test set by confidence" in text
    largest = r"the 89 test examples with the largest spread err at \d+\.\d%"
    assert re.search(r"numpy: MC accuracy 0\.\d{3} .*; " + largest, text)
    assert (tmp_path / "mc.png").read_bytes().startswith(PNG)
