r"""The chapter's two models, forward and hand-written backward side by side (docs/derivations.md).

Every ``*_backward`` takes the upstream gradient ``d_y = ∂L/∂y`` of what its forward returned and
applies the chain rule ``d_x = (∂y/∂x)ᵀ d_y``; the names follow the math (``z`` pre-activation,
``h`` activation, ``keep`` dropout mask). Shapes: ``x (n, d_in)``, ``w (d_in, d_out)``, ``b (d_out,)``.

- **Linear regression** ``ŷ = xw + b`` with the squared loss and the L2 penalty on ``w`` only (the
  weight-decay experiment): :func:`linreg_loss_and_grads`.
- **MLP** ``Linear → ReLU → dropout → … → Linear`` with softmax cross-entropy (the dropout
  experiment): :func:`mlp_forward`, :func:`mlp_loss_and_grads`, and Monte-Carlo dropout
  :func:`mc_dropout`. Parameters are a list of ``{"w", "b"}`` layers; ``rates[i]`` is the drop
  probability after hidden layer ``i``; the masks come from ``split(key, len(rates))``, one key per
  dropout layer, so every backend given the same key draws the same masks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .dropout import dropout, dropout_backward, dropout_forward, dropout_mask
from .l2 import l2_penalty, l2_penalty_grad
from .random import split
from .validation import check_probability

__all__ = [
    "ONLY_W",
    "check_rates",
    "linear_backward",
    "linear_forward",
    "linreg_loss_and_grads",
    "mc_dropout",
    "mlp_forward",
    "mlp_loss_and_grads",
    "relu_backward",
    "relu_forward",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "squared_loss",
    "squared_loss_backward",
]

#: The decay mask of linear regression: the chapter penalises ``w`` and spares the bias.
ONLY_W = {"w": True, "b": False}


def linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``y = x w + b``."""
    return x @ w + b


def linear_backward(d_y: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``d_x = d_y wᵀ``, ``d_w = xᵀ d_y``, ``d_b = Σ_rows d_y`` (``b`` is broadcast over the rows)."""
    return d_y @ w.T, x.T @ d_y, d_y.sum(axis=0)


def relu_forward(z: np.ndarray) -> np.ndarray:
    """``h = max(z, 0)``."""
    return np.maximum(z, z.dtype.type(0))


def relu_backward(d_h: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``d_z = d_h · [z > 0]``: the gradient at the kink ``z = 0`` is taken as 0 (as ``jax.nn.relu``)."""
    return np.where(z > 0, d_h, d_h.dtype.type(0))


def squared_loss(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``L = 1/n Σ_i ½(ŷ_i − y_i)²``: the book's summed loss with the step divided by the batch size."""
    return 0.5 * np.sum(np.square(y_hat - y)) / y.shape[0]


def squared_loss_backward(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂L/∂ŷ_i = (ŷ_i − y_i) / n``."""
    return (y_hat - y) / y_hat.dtype.type(y.shape[0])


def linreg_loss_and_grads(params: dict, x: np.ndarray, y: np.ndarray, lambd: float) -> tuple[np.float64, dict]:
    """``J = squared_loss(x w + b, y) + λ/2‖w‖²`` and ``{"w": ∂J/∂w, "b": ∂J/∂b}``.

    The penalty and its gradient ``λw`` are the reference's own (:mod:`numpy_ref.l2`, ``ONLY_W``).

    >>> params = {"w": np.array([[2.0]]), "b": np.array([0.0])}
    >>> linreg_loss_and_grads(params, np.array([[1.0]]), np.array([[1.0]]), 1.0)[1]["w"]
    array([[3.]])
    """
    w, b = params["w"], params["b"]
    y_hat = linear_forward(x, w, b)
    loss = squared_loss(y_hat, y) + l2_penalty(params, lambd, decay_mask=ONLY_W)
    _, d_w, d_b = linear_backward(squared_loss_backward(y_hat, y), x, w)
    d_penalty = l2_penalty_grad(params, lambd, decay_mask=ONLY_W)
    return np.float64(loss), {"w": d_w + d_penalty["w"], "b": d_b + d_penalty["b"]}


def softmax(z: np.ndarray) -> np.ndarray:
    """``softmax(z)_k = exp(z_k − max z) / Σ_j exp(z_j − max z)`` along the last axis."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``L = 1/n Σ_i (logsumexp(z_i) − z_{i, y_i})``, the mean of ``−log softmax(z_i)_{y_i}``."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum_exp = np.log(np.exp(shifted).sum(axis=1))
    return np.mean(log_sum_exp - shifted[np.arange(labels.shape[0]), labels])


def softmax_cross_entropy_backward(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``∂L/∂z_i = (softmax(z_i) − onehot(y_i)) / n``."""
    d_z = softmax(logits)
    d_z[np.arange(labels.shape[0]), labels] -= 1
    return d_z / d_z.dtype.type(labels.shape[0])


def check_rates(params: list, rates: Sequence[float]) -> tuple[float, ...]:
    """``rates`` as a tuple: one drop probability in [0, 1] per hidden layer (``len(params) − 1``)."""
    if isinstance(rates, str) or not isinstance(rates, Sequence):
        raise TypeError(f"rates must be a sequence of probabilities, got {rates!r}")
    if len(rates) != len(params) - 1:
        raise ValueError(f"rates must have one entry per hidden layer ({len(params) - 1}), got {rates!r}")
    return tuple(check_probability("rates", p) for p in rates)


def mlp_forward(params: list, x: np.ndarray, rates: Sequence[float], key: object = None) -> np.ndarray:
    """Logits of ``Linear → ReLU → dropout(rates[0]) → … → Linear``; ``key=None`` evaluates (no dropout).

    >>> layer = {"w": np.eye(2), "b": np.zeros(2)}
    >>> mlp_forward([layer, layer], np.array([[1.0, -1.0]]), rates=[0.5])
    array([[1., 0.]])
    """
    rates = check_rates(params, rates)
    keys = split(key, len(rates)) if key is not None else [None] * len(rates)
    h = x
    for layer, k, p in zip(params[:-1], keys, rates):
        h = relu_forward(linear_forward(h, layer["w"], layer["b"]))
        h = dropout(h, p, k) if k is not None else h
    return linear_forward(h, params[-1]["w"], params[-1]["b"])


def mlp_loss_and_grads(
    params: list, x: np.ndarray, labels: np.ndarray, rates: Sequence[float], key: object
) -> tuple[np.ndarray, list]:
    """``L = softmax_cross_entropy(mlp_forward(params, x, rates, key), labels)`` and ``∂L/∂params``.

    The forward pass keeps, per hidden layer, its input ``h_in``, pre-activation ``z`` and mask
    ``keep``; the backward pass walks the layers in reverse: ``d_h → dropout_backward → relu_backward
    → linear_backward``.
    """
    rates = check_rates(params, rates)
    keys = split(key, len(rates))
    h, tape = x, []
    for layer, k, p in zip(params[:-1], keys, rates):
        z = linear_forward(h, layer["w"], layer["b"])
        keep = dropout_mask(k, p, z.shape)
        tape.append((h, z, keep, p))
        h = dropout_forward(relu_forward(z), keep, p)
    logits = linear_forward(h, params[-1]["w"], params[-1]["b"])
    loss = softmax_cross_entropy(logits, labels)

    d_h, d_w, d_b = linear_backward(softmax_cross_entropy_backward(logits, labels), h, params[-1]["w"])
    grads = [{"w": d_w, "b": d_b}]
    for layer, (h_in, z, keep, p) in zip(reversed(params[:-1]), reversed(tape)):
        d_z = relu_backward(dropout_backward(d_h, keep, p), z)
        d_h, d_w, d_b = linear_backward(d_z, h_in, layer["w"])
        grads.append({"w": d_w, "b": d_b})
    return loss, grads[::-1]


def mc_dropout(
    params: list, x: np.ndarray, rates: Sequence[float], key: object, num_samples: int
) -> tuple[np.ndarray, np.ndarray]:
    r"""Monte-Carlo dropout: mean and standard deviation of ``T = num_samples`` stochastic predictions.

    .. math::

        \bar p = \frac1T \sum_{t=1}^T \mathrm{softmax}(f(x; \text{keep}_t)), \qquad
        s = \sqrt{\frac1T \sum_t \big(\mathrm{softmax}(f(x; \text{keep}_t)) - \bar p\big)^2}

    with dropout *on* at inference and pass ``t`` keyed by ``split(key, T)[t]`` (Gal & Ghahramani,
    "Dropout as a Bayesian approximation", ICML 2016). Both outputs have shape ``(n, classes)``.
    """
    probs = np.stack([softmax(mlp_forward(params, x, rates, k)) for k in split(key, num_samples)])
    return probs.mean(axis=0), probs.std(axis=0)
