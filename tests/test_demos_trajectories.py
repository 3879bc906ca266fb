"""Same seed ⇒ same run on numpy, jax and torch: same initial weights, minibatches and dropout masks,
so the logged losses agree to :data:`regref.demos.TRAJECTORY_RTOL` (float32 summation order aside)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from rich.console import Console

from regref.demos import TRAJECTORY_RTOL, mc_dropout, weight_decay
from regref.demos.backends import resolve_backends
from regref.demos.classifier import DEFAULT_RATES as RATES
from regref.demos.classifier import MLPSetup, init_mlp, train_mlp
from regref.demos.cli import main
from regref.demos.console import trajectory_difference
from regref.demos.datasets import load_digits
from regref.demos.linreg import WeightDecaySetup
from regref.demos.sampling import streams


@pytest.fixture(scope="module")
def backends():
    return resolve_backends("all")


@pytest.fixture(scope="module")
def digits():
    """The digits with 512 training examples: 4 full minibatches, so one batch shape to compile or plan."""
    data = load_digits()
    return dataclasses.replace(data, x_train=data.x_train[:512], y_train=data.y_train[:512])


def by_backend(runs, key):
    grouped: dict = {}
    for r in runs:
        grouped.setdefault(key(r), {})[r.backend] = r
    return grouped


def test_weight_decay_trajectories_agree(backends):
    runs = weight_decay.run(backends, [0.0, 3.0], 0, Console(quiet=True), setup=WeightDecaySetup(epochs=30))
    for lambd, group in by_backend(runs, lambda r: r.lambd).items():
        assert set(group) == {"numpy", "jax", "torch"}
        for name in ("jax", "torch"):
            diff = trajectory_difference(group[name], group["numpy"])
            assert diff <= TRAJECTORY_RTOL, f"{name} λ={lambd}: losses {diff:.1e} from numpy's"
            assert group[name].w_norm == pytest.approx(group["numpy"].w_norm, rel=TRAJECTORY_RTOL)


def test_mlp_trajectories_agree_with_dropout(backends, digits):
    keys = streams(0)
    params0 = init_mlp(keys.init, (64, *MLPSetup().hidden, 10))
    runs = {b.name: train_mlp(b, digits, params0, RATES, MLPSetup(epochs=3), keys)[1] for b in backends}
    for name in ("jax", "torch"):
        diff = trajectory_difference(runs[name], runs["numpy"])
        assert diff <= TRAJECTORY_RTOL, f"{name}: losses {diff:.1e} from numpy's"
        np.testing.assert_allclose(runs[name].test_acc, runs["numpy"].test_acc, atol=2 / len(digits.y_test))
    assert runs["numpy"].train_loss[-1] < runs["numpy"].train_loss[0]


def test_mc_dropout_predictions_agree(backends, digits):
    results = mc_dropout.run(backends, digits, 0, Console(quiet=True), setup=MLPSetup(epochs=1), num_samples=4)
    reference = results[0]
    assert reference.backend == "numpy"
    for result in results[1:]:
        np.testing.assert_allclose(result.mean_probs, reference.mean_probs, atol=1e-4)
        np.testing.assert_allclose(result.spread, reference.spread, atol=1e-4)


def test_backend_all_overlays_the_three_and_reports_their_distance(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    plot = tmp_path / "all.png"
    assert main(["weight-decay", "--backend", "all", "--epochs", "5", "--plot", str(plot)]) == 0
    rows = [
        line.split()
        for line in capsys.readouterr().out.splitlines()
        if line.split()[1:2] in (["numpy"], ["jax"], ["torch"])
    ]
    assert [r[1] for r in rows] == ["numpy", "jax", "torch"] * 2
    assert all(float(r[5]) <= TRAJECTORY_RTOL for r in rows if r[1] != "numpy")
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_dropout_backend_all_states_each_ports_distance(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["dropout", "--backend", "all", "--epochs", "1"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("largest relative distance"))
    distances = [float(d) for d in re.findall(r"\) (\d\.\de[-+]\d\d)", line)]
    assert len(distances) == 4 and max(distances) <= TRAJECTORY_RTOL
