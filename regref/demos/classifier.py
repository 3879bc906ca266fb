"""Training the source's MLP on any backend: shared by the dropout and MC-dropout demos.

The network is ``Linear(d, 256) → ReLU → dropout(0.3) → Linear(256, 128) → ReLU → dropout(0.5) →
Linear(128, 10)``, trained with the mean softmax cross-entropy and the backend's own ``adam_step``
(lr 1e-3), minibatches of 128, shuffled. Step ``s`` draws its masks from ``fold_in(dropout_key, s)``.
Each epoch ends with an evaluation (dropout off) of loss and accuracy on the whole train and test sets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from numpy_ref.models import softmax_cross_entropy
from numpy_ref.random import split
from numpy_ref.tree import tree_map

from .backends import Backend
from .datasets import Classification
from .sampling import Keys, minibatches, step_key, uniform_between

__all__ = [
    "DEFAULT_RATES",
    "DEFAULT_SETUP",
    "History",
    "MLPSetup",
    "describe_rates",
    "evaluate",
    "init_mlp",
    "steps_per_epoch",
    "train_mlp",
]

#: The source's drop probabilities after hidden layers 1 and 2.
DEFAULT_RATES = (0.3, 0.5)


@dataclass(frozen=True)
class MLPSetup:
    hidden: tuple[int, ...] = (256, 128)
    lr: float = 1e-3
    batch_size: int = 128
    epochs: int = 10


DEFAULT_SETUP = MLPSetup()


def describe_rates(rates: tuple[float, ...]) -> str:
    """``dropout 0.3, 0.5`` or ``no dropout``."""
    return "no dropout" if not any(rates) else "dropout " + ", ".join(f"{p:g}" for p in rates)


@dataclass
class History:
    """Per-epoch metrics of one run (losses and accuracies in evaluation mode), filled as it trains."""

    backend: str
    rates: tuple[float, ...]
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)


def init_mlp(key: np.ndarray, sizes: Sequence[int]) -> list[dict[str, np.ndarray]]:
    """torch's ``nn.Linear`` default: ``w, b ~ U(−1/√fan_in, 1/√fan_in)``; one key per layer and tensor."""
    layers = []
    for layer_key, fan_in, fan_out in zip(split(key, len(sizes) - 1), sizes[:-1], sizes[1:]):
        k_w, k_b = split(layer_key, 2)
        bound = 1.0 / np.sqrt(fan_in)
        layers.append(
            {
                "w": uniform_between(k_w, (fan_in, fan_out), -bound, bound),
                "b": uniform_between(k_b, (fan_out,), -bound, bound),
            }
        )
    return layers


def evaluate(
    backend: Backend, params: object, rates: tuple[float, ...], x: object, labels: np.ndarray
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy with dropout off, computed in float64 from the backend's logits."""
    logits = backend.to_numpy(backend.models.mlp_forward(params, x, rates, None)).astype(np.float64)
    return float(softmax_cross_entropy(logits, labels)), float(np.mean(logits.argmax(axis=1) == labels))


def steps_per_epoch(data: Classification, setup: MLPSetup) -> int:
    return -(-len(data.y_train) // setup.batch_size)


def train_mlp(
    backend: Backend,
    data: Classification,
    params0: list[dict[str, np.ndarray]],
    rates: tuple[float, ...],
    setup: MLPSetup,
    keys: Keys,
    on_step: Callable[[], None] = lambda: None,
    history: History | None = None,
) -> tuple[object, History]:
    """Adam from ``params0``; returns the trained parameters (backend arrays) and the history, filled epoch by
    epoch into ``history`` if given (so that a caller keeps the epochs of a run that is interrupted)."""
    params = tree_map(backend.asarray, params0)
    state = backend.ops.adam_init(params)
    x_train, x_test = backend.asarray(data.x_train), backend.asarray(data.x_test)
    history = History(backend.name, rates) if history is None else history
    step = 0
    for epoch in range(1, setup.epochs + 1):
        for idx in minibatches(keys.shuffle, epoch, len(data.y_train), setup.batch_size):
            x, labels = backend.asarray(data.x_train[idx]), backend.asarray(data.y_train[idx])
            key = backend.asarray(step_key(keys.dropout, step))
            _, grads = backend.models.mlp_loss_and_grads(params, x, labels, rates, key)
            params, state = backend.ops.adam_step(params, grads, state, lr=setup.lr)
            step += 1
            on_step()
        train_loss, train_acc = evaluate(backend, params, rates, x_train, data.y_train)
        test_loss, test_acc = evaluate(backend, params, rates, x_test, data.y_test)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        history.test_loss.append(test_loss)
        history.test_acc.append(test_acc)
    return params, history
