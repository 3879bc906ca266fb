"""The weight-decay experiment's training: d2l's 200-dimensional linear regression on 20 examples.

The setup is the book's (Zhang, Lipton, Li & Smola, *Dive into Deep Learning*, section "Weight
Decay", PyTorch code; https://d2l.ai): ``y = Xw* + b* + ε`` with ``w* = 0.01·1``, ``b* = 0.05``,
``ε ~ N(0, 0.01²)``, 20 training and 100 test examples; the model ``Xw + b`` starts from
``w ~ N(0, 1)``, ``b = 0``; SGD with lr 0.003 on minibatches of 5 for 100 epochs, penalising ``w``
only. Each step is one SGD step on ``J = 1/B Σ ½(ŷ − y)² + λ/2‖w‖²`` (the book's summed loss with the
step divided by the batch size), gradients from ``<backend>.models.linreg_loss_and_grads`` and the
step from the backend's own ``sgd_step``. Every ``log_every`` epochs (and after the last) a run logs
the mean of ``½(ŷ − y)²`` over the whole train and test sets, without the penalty, and ‖w‖. Why ‖w‖
ends where it does — the 180 directions the 20 examples never see only decay — is in
docs/derivations.md §2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numpy_ref.models import squared_loss
from numpy_ref.tree import tree_map

from .backends import Backend
from .datasets import Regression, synthetic_regression
from .sampling import Keys, minibatches, normal

__all__ = ["CHAPTER", "LinregRun", "WeightDecaySetup", "initial_params", "problem", "train"]


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


#: The book's setup.
CHAPTER = WeightDecaySetup()


@dataclass
class LinregRun:
    """One run's log, filled as it trains (an interrupted run keeps the epochs it finished)."""

    backend: str
    lambd: float
    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    w_norms: list[float] = field(default_factory=list)  # ‖w‖ at each logged epoch
    w: np.ndarray | None = field(default=None, compare=False, repr=False)  # the trained weights, float64

    @property
    def w_norm(self) -> float:
        """‖w‖ at the last logged epoch."""
        return self.w_norms[-1]


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


def _mean_loss(backend: Backend, params: dict, x: object, y: np.ndarray) -> float:
    y_hat = backend.to_numpy(backend.models.linear_forward(x, params["w"], params["b"]))
    return float(squared_loss(y_hat.astype(np.float64), y.astype(np.float64)))


def train(
    backend: Backend,
    data: Regression,
    params0: dict[str, np.ndarray],
    lambd: float,
    setup: WeightDecaySetup,
    shuffle_key: np.ndarray,
    on_step: Callable[[], None] = lambda: None,
    run: LinregRun | None = None,
) -> LinregRun:
    """Train from ``params0`` with minibatches ordered by ``shuffle_key`` (the same on every backend), logging
    into ``run`` (a fresh one by default)."""
    run = LinregRun(backend.name, lambd) if run is None else run
    params = tree_map(backend.asarray, params0)
    state = backend.ops.sgd_init(params)
    x_train, x_test = backend.asarray(data.x_train), backend.asarray(data.x_test)
    for epoch in range(1, setup.epochs + 1):
        for idx in minibatches(shuffle_key, epoch, setup.n_train, setup.batch_size):
            x, y = backend.asarray(data.x_train[idx]), backend.asarray(data.y_train[idx])
            _, grads = backend.models.linreg_loss_and_grads(params, x, y, lambd)
            params, state = backend.ops.sgd_step(params, grads, state, lr=setup.lr)
            on_step()
        if epoch % setup.log_every == 0 or epoch == setup.epochs:
            run.w = backend.to_numpy(params["w"]).astype(np.float64)
            run.epochs.append(epoch)
            run.train_loss.append(_mean_loss(backend, params, x_train, data.y_train))
            run.test_loss.append(_mean_loss(backend, params, x_test, data.y_test))
            run.w_norms.append(float(np.linalg.norm(run.w)))
    return run
