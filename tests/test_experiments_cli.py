"""``regref demo`` end to end through ``experiments.cli.main``, with tiny epochs and plots in tmp."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from experiments.cli import main
from experiments.datasets import FASHION_MNIST_ENV

PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_fashion_mnist_and_a_wide_console(monkeypatch):
    monkeypatch.delenv(FASHION_MNIST_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "240")  # rich wraps table cells to the width it detects


def test_weight_decay_command(tmp_path, capsys):
    plot = tmp_path / "wd.png"
    assert main(["weight-decay", "--epochs", "5", "--lambd", "0", "--lambd", "1", "2", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "‖w‖" in out and "seed 0" in out
    assert [line.split("│")[1].strip() for line in out.splitlines() if line.count("numpy") and "│" in line] == [
        "0",
        "1",
        "2",
    ]
    assert plot.read_bytes().startswith(PNG)


def test_dropout_command(tmp_path, capsys):
    plot = tmp_path / "dropout.svg"
    assert main(["dropout", "--epochs", "1", "--seed", "3", "--rates", "0.2", "0.4", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "digits (scikit-learn)" in out and "dropout 0.2, 0.4" in out and "no dropout" in out
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
        (["weight-decay", "--backend", "tensorflow"], "invalid choice: 'tensorflow'"),
        (["fit"], "invalid choice: 'fit'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_usage_errors_return_2_and_explain(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_missing_fashion_mnist_directory_is_a_usage_error(tmp_path, capsys):
    assert main(["dropout", "--data", str(tmp_path / "nowhere"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "train-images-idx3-ubyte" in err


def test_help_returns_0(capsys):
    assert main(["weight-decay", "--help"]) == 0
    assert "--lambd" in capsys.readouterr().out


def test_python_dash_m_experiments_runs_from_the_repo_root(tmp_path):
    plot = tmp_path / "wd.png"
    done = subprocess.run(
        [sys.executable, "-m", "experiments", "weight-decay", "--epochs", "2", "--plot", str(plot)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "‖w‖" in done.stdout and plot.is_file()
