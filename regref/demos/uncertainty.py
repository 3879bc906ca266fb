"""What Monte-Carlo dropout's passes say about each test example, and how to read it.

``T`` stochastic passes give, per example, the mean class probabilities ``p̄`` and their standard
deviations ``s``. The prediction is ``argmax p̄``; its *confidence* is ``max p̄``; its *spread* is
``Σ_k s_k``, the standard deviations summed over the classes. The AUROC of a score as a detector of
errors is 0.5 for no signal and 1 for a perfect one.

(The standard deviation of the *predicted* class's probability alone is a poor spread: an
undertrained network spreads its probability thinly, so its least confident examples have small
standard deviations and the score runs backwards — AUROC 0.37 after 3 epochs on the digits.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Bin", "MCResult", "analyse", "auroc", "bins_by"]


@dataclass(frozen=True)
class MCResult:
    backend: str
    mean_probs: np.ndarray
    spread: np.ndarray
    confidence: np.ndarray
    error: np.ndarray
    deterministic_acc: float

    @property
    def mc_acc(self) -> float:
        return float(1.0 - self.error.mean())


@dataclass(frozen=True)
class Bin:
    """Examples grouped by a score: their number and mean spread, confidence and error rate."""

    count: int
    spread: float
    confidence: float
    error: float

    @property
    def accuracy(self) -> float:
        return 1.0 - self.error


def analyse(backend: str, mean: np.ndarray, std: np.ndarray, labels: np.ndarray, deterministic_acc: float) -> MCResult:
    """Per-example prediction, confidence, spread and error from the passes' mean and std."""
    predicted = mean.argmax(axis=1)
    confidence = mean[np.arange(len(labels)), predicted]
    return MCResult(backend, mean, std.sum(axis=1), confidence, predicted != labels, deterministic_acc)


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counting ½ (Mann–Whitney); NaN if a class is empty."""
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def bins_by(result: MCResult, score: str, bins: int) -> list[Bin]:
    """Equal-count bins of the test set sorted by ``score`` (``"spread"`` or ``"confidence"``), ascending.

    Equal counts rather than equal widths: a trained network puts most examples near confidence 1, and
    equal-width bins would leave the others a few examples each, whose error rates zig-zag.
    """
    groups = np.array_split(np.argsort(getattr(result, score), kind="stable"), bins)
    return [
        Bin(len(g), float(result.spread[g].mean()), float(result.confidence[g].mean()), float(result.error[g].mean()))
        for g in groups
        if len(g)
    ]
