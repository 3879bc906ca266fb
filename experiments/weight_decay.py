"""``regref demo weight-decay``: d2l's 200-dimensional linear regression on 20 examples, with and
without weight decay (setup in ``shared/reference/d2l.md``; the book prints ‖w‖ = 12.96 for λ = 0
and 0.356 for λ = 3, unseeded).

Each step is one SGD step on ``J = 1/B Σ ½(ŷ − y)² + λ/2‖w‖²`` (the book's summed loss with the
step divided by the batch size), gradients from :func:`<backend>.models.linreg_loss_and_grads` and
the step from the backend's own ``sgd_step``. Losses are logged every ``log_every`` epochs (and after
the last), as the mean of ``½(ŷ − y)²`` over the whole train or test set, without the penalty. Why
‖w‖ ends where it does — the 180 directions the 20 examples never see only decay — is in
docs/derivations.md §2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from numpy_ref.models import squared_loss
from numpy_ref.tree import tree_map

from .backends import Backend
from .console import progress_bar, trajectory_difference
from .datasets import Regression, synthetic_regression
from .sampling import Keys, minibatches, normal, streams

__all__ = ["LinregRun", "WeightDecaySetup", "initial_params", "problem", "run", "train"]


@dataclass(frozen=True)
class WeightDecaySetup:
    num_inputs: int = 200
    n_train: int = 20
    n_test: int = 100
    batch_size: int = 5
    lr: float = 0.003
    epochs: int = 100
    log_every: int = 5
    true_w: float = 0.01
    true_b: float = 0.05
    noise: float = 0.01


@dataclass(frozen=True)
class LinregRun:
    backend: str
    lambd: float
    epochs: list[int]
    train_loss: list[float]
    test_loss: list[float]
    w: np.ndarray = field(compare=False, repr=False)  # the trained weights, float64

    @property
    def w_norm(self) -> float:
        return float(np.linalg.norm(self.w))


def initial_params(key: np.ndarray, num_inputs: int) -> dict[str, np.ndarray]:
    """``w ~ N(0, 1)`` of shape ``(num_inputs, 1)`` and ``b = 0``, float32 (the book's ``init_params``)."""
    return {"w": normal(key, (num_inputs, 1)), "b": np.zeros(1, np.float32)}


def problem(keys: Keys, setup: WeightDecaySetup) -> tuple[Regression, dict[str, np.ndarray]]:
    """The data and the initial parameters that ``keys`` fix."""
    data = synthetic_regression(
        keys.data, setup.num_inputs, setup.n_train, setup.n_test, true_w=setup.true_w, true_b=setup.true_b,
        noise=setup.noise,
    )  # fmt: skip
    return data, initial_params(keys.init, setup.num_inputs)


def _mean_loss(backend: Backend, params: object, x: object, y: np.ndarray) -> float:
    y_hat = backend.to_numpy(backend.models.linear_forward(x, params["w"], params["b"]))  # type: ignore[index]
    return float(squared_loss(y_hat.astype(np.float64), y.astype(np.float64)))


def train(
    backend: Backend,
    data: Regression,
    params0: dict[str, np.ndarray],
    lambd: float,
    setup: WeightDecaySetup,
    shuffle_key: np.ndarray,
    on_step: Callable[[], None] = lambda: None,
) -> LinregRun:
    """Train from ``params0`` with minibatches ordered by ``shuffle_key``; the same on every backend."""
    params = tree_map(backend.asarray, params0)
    state = backend.ops.sgd_init(params)
    x_train, x_test = backend.asarray(data.x_train), backend.asarray(data.x_test)
    epochs, train_loss, test_loss = [], [], []
    for epoch in range(1, setup.epochs + 1):
        for idx in minibatches(shuffle_key, epoch, setup.n_train, setup.batch_size):
            x, y = backend.asarray(data.x_train[idx]), backend.asarray(data.y_train[idx])
            _, grads = backend.models.linreg_loss_and_grads(params, x, y, lambd)
            params, state = backend.ops.sgd_step(params, grads, state, lr=setup.lr)
            on_step()
        if epoch % setup.log_every == 0 or epoch == setup.epochs:
            epochs.append(epoch)
            train_loss.append(_mean_loss(backend, params, x_train, data.y_train))
            test_loss.append(_mean_loss(backend, params, x_test, data.y_test))
    w = backend.to_numpy(params["w"]).astype(np.float64)
    return LinregRun(backend.name, lambd, epochs, train_loss, test_loss, w)


def run(
    backends: Sequence[Backend],
    lambdas: Sequence[float],
    seed: int,
    console: Console,
    *,
    setup: WeightDecaySetup = WeightDecaySetup(),
    plot: Path | None = None,
) -> list[LinregRun]:
    """Every (λ, backend) pair from one seed's data, initial weights and minibatch order."""
    keys = streams(seed)
    data, params0 = problem(keys, setup)
    steps = setup.epochs * -(-setup.n_train // setup.batch_size)
    runs = []
    with progress_bar(console) as progress:
        for lambd in lambdas:
            for backend in backends:
                task = progress.add_task(f"{backend.name} λ={lambd:g}", total=steps)
                runs.append(train(backend, data, params0, lambd, setup, keys.shuffle, partial(progress.advance, task)))
    console.print(summary_table(runs, seed))
    if plot is not None:
        from .plotting import plot_weight_decay

        plot_weight_decay(runs, plot)
        console.print(f"plot written to {plot}")
    return runs


def summary_table(runs: Sequence[LinregRun], seed: int) -> Table:
    """Final losses and ‖w‖ per run, and each port's largest relative distance from NumPy's curves."""
    table = Table(title=f"weight decay, seed {seed} (the book, unseeded: ‖w‖ = 12.96 at λ = 0, 0.356 at λ = 3)")
    for column in ("λ", "backend", "train loss", "test loss", "‖w‖", "max rel. diff. vs numpy"):
        table.add_column(column, justify="right")
    reference = {r.lambd: r for r in runs if r.backend == "numpy"}
    for r in runs:
        ref = reference.get(r.lambd)
        diff = "" if ref is None or ref is r else f"{trajectory_difference(r, ref):.1e}"
        table.add_row(
            f"{r.lambd:g}", r.backend, f"{r.train_loss[-1]:.4g}", f"{r.test_loss[-1]:.4g}", f"{r.w_norm:.4f}", diff
        )
    return table
