"""``regref demo`` end to end through ``regref.demos.cli.main``, with tiny epochs and plots in tmp: what it
prints, usage errors in one line before any training, a missing extra named, and Ctrl-C keeping what finished."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from regref.demos import linreg
from regref.demos.cli import main
from regref.demos.datasets import FASHION_MNIST_ENV

PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_fashion_mnist_and_a_wide_console(monkeypatch):
    monkeypatch.delenv(FASHION_MNIST_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "240")  # rich wraps table cells to the width it detects


@pytest.fixture
def no_training(monkeypatch):
    """Any training step fails the test: usage errors must come before the work."""
    monkeypatch.setattr("regref.demos.linreg.minibatches", lambda *a: pytest.fail("trained before checking"))
    monkeypatch.setattr("regref.demos.classifier.minibatches", lambda *a: pytest.fail("trained before checking"))


def test_weight_decay_command(tmp_path, capsys):
    plot = tmp_path / "wd.png"
    assert main(["weight-decay", "--epochs", "5", "--lambd", "0", "--lambd", "1", "2", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "‖w‖" in out and "seed 0" in out and "with λ = 2 the test loss ended at" in out
    assert [line.split()[0] for line in out.splitlines() if " numpy " in line] == ["0", "1", "2"]
    assert plot.read_bytes().startswith(PNG)


def test_dropout_command(tmp_path, capsys):
    plot = tmp_path / "new" / "folder" / "dropout.svg"
    assert main(["dropout", "--epochs", "1", "--seed", "3", "--rates", "0.2", "0.4", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "digits (scikit-learn)" in out and "0.2, 0.4" in out and " off " in out
    assert "numpy: without dropout the test loss" in out and "per epoch" not in out
    assert plot.read_text().lstrip().startswith("<?xml")


def test_mc_dropout_command(tmp_path, capsys):
    plot = tmp_path / "mc.png"
    assert main(["mc-dropout", "--epochs", "1", "--samples", "3", "--bins", "2", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "T = 3" in out and "AUROC" in out
    assert plot.read_bytes().startswith(PNG)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["weight-decay", "--lambd", "-1"], "lambd must be >= 0, got -1.0"),
        (["dropout", "--rates", "0.3", "1.5"], r"rates must be in [0, 1], got 1.5"),
        (["dropout", "--epochs", "0"], "must be a positive integer, got '0'"),
        (["mc-dropout", "--seed", "-3"], "seed must be an integer in [0, 2**64), got '-3'"),
        (["weight-decay", "--backend", "toch"], "invalid choice: 'toch'"),
        (["weight-decay", "--plot", "wd.jpgx"], "--plot wd.jpgx: matplotlib writes "),
        (["weight-decay", "--plot", "wd"], "--plot wd: matplotlib writes "),
        (["weight-decay", "--plot", "a_file/wd.png"], "--plot a_file/wd.png: cannot create its folder"),
        (["dropout", "--data", "nowhere"], "train-images-idx3-ubyte"),
        (["fit"], "invalid choice: 'fit'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_usage_errors_return_2_in_one_line_before_training(argv, message, tmp_path, monkeypatch, capsys, no_training):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("regref demo") and message in err


@pytest.mark.parametrize(
    ("argv", "module", "message"),
    [
        (["weight-decay", "--plot", "wd.png"], "matplotlib", "--plot needs matplotlib"),
        (["dropout"], "sklearn", "the digits data set (the default without --data) needs scikit-learn"),
        (["weight-decay", "--backend", "all"], "jax", "--backend all needs JAX"),
        (["dropout", "--backend", "torch"], "torch", "--backend torch needs PyTorch"),
    ],
)
def test_a_missing_extra_is_named_before_training(argv, module, message, monkeypatch, capsys, no_training):
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    assert main(argv) == 2
    err = capsys.readouterr().err
    extra = "demo" if module in ("matplotlib", "sklearn") else module
    assert err.endswith(f"{message}, which is not installed: pip install 'regref[{extra}]'\n")


def test_ctrl_c_prints_the_runs_and_epochs_that_finished(tmp_path, monkeypatch, capsys):
    """Interrupted in the λ = 3 run's 8th epoch: λ = 0's run and λ = 3's first 5 epochs are reported and plotted."""
    calls = []

    def interrupt_at_the_last_call(*args):
        calls.append(args)
        if len(calls) == 10 + 8:
            raise KeyboardInterrupt
        return real(*args)

    real = linreg.minibatches
    monkeypatch.setattr("regref.demos.linreg.minibatches", interrupt_at_the_last_call)
    plot = tmp_path / "wd.png"
    assert main(["weight-decay", "--epochs", "10", "--plot", str(plot)]) == 130
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if " numpy " in line]
    assert [row[0] for row in rows] == ["0", "3"]
    assert "weight decay after 10 epochs" in out and "interrupted: the tables hold the runs and epochs" in out
    assert "the test loss ended at" not in out  # no reading of a run cut short
    assert plot.read_bytes().startswith(PNG)


def test_help_returns_0(capsys):
    assert main(["weight-decay", "--help"]) == 0
    assert "--lambd" in capsys.readouterr().out


def test_python_dash_m_regref_demo_runs_from_the_repo_root(tmp_path):
    plot = tmp_path / "wd.png"
    done = subprocess.run(
        [sys.executable, "-m", "regref", "demo", "weight-decay", "--epochs", "2", "--plot", str(plot)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "‖w‖" in done.stdout and plot.is_file()


def test_ctrl_c_in_the_dropout_demo_keeps_the_finished_epochs(monkeypatch, capsys):
    """Interrupted in the second run's second epoch: the first run whole, the second's first epoch."""
    from regref.demos import classifier

    calls = []

    def interrupt(*args):
        calls.append(1)
        if len(calls) == 7:  # two evaluations (train, test) an epoch
            raise KeyboardInterrupt
        return real(*args)

    real = classifier.evaluate
    monkeypatch.setattr(classifier, "evaluate", interrupt)
    assert main(["dropout", "--epochs", "2", "--verbose"]) == 130
    out = capsys.readouterr().out
    rows = [line.split()[:2] for line in out.splitlines() if line.lstrip().startswith("numpy ")]
    assert rows == [["numpy", "0.3,"], ["numpy", "off"]]
    assert "numpy: per epoch" in out and "interrupted: the tables hold the runs and epochs" in out
    assert "without dropout the test loss" not in out  # no reading of a run cut short
