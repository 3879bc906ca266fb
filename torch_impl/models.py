"""The models of :mod:`numpy_ref.models` in PyTorch: the same forward passes, gradients by autograd.

Names and signatures are the reference's; the hand-written ``*_backward`` functions have no
counterpart here, since ``torch.autograd.grad`` derives them (dropout's backward is the port's own
``autograd.Function``). Parameters stay plain tensors: each loss-and-gradient call differentiates
detached copies, so nothing is mutated and no ``.grad`` accumulates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from numpy_ref.models import ONLY_W, check_rates
from numpy_ref.tree import flatten, unflatten

from .dropout import dropout
from .l2 import l2_penalty
from .random import split

__all__ = [
    "linear_forward",
    "linreg_loss_and_grads",
    "mc_dropout",
    "mlp_forward",
    "mlp_loss_and_grads",
    "relu_forward",
    "softmax",
    "softmax_cross_entropy",
    "squared_loss",
]


def linear_forward(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """See :func:`numpy_ref.models.linear_forward`."""
    return x @ w + b


def relu_forward(z: torch.Tensor) -> torch.Tensor:
    """See :func:`numpy_ref.models.relu_forward` (``torch.relu``'s gradient at 0 is 0, as the reference's)."""
    return torch.relu(z)


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """See :func:`numpy_ref.models.squared_loss`."""
    return 0.5 * torch.sum(torch.square(y_hat - y)) / y.shape[0]


def softmax(z: torch.Tensor) -> torch.Tensor:
    """See :func:`numpy_ref.models.softmax`."""
    return torch.softmax(z, dim=-1)


def softmax_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """See :func:`numpy_ref.models.softmax_cross_entropy`."""
    log_probs = torch.log_softmax(logits, dim=1)
    return -torch.mean(torch.gather(log_probs, 1, labels.long()[:, None]))


def _value_and_grad(loss_fn: Callable[..., torch.Tensor], params: object, *args: object) -> tuple[torch.Tensor, object]:
    """``(loss_fn(params, *args), ∂loss/∂params)`` with ``params`` a pytree of tensors."""
    leaves, treedef = flatten(params)
    leaves = [w.detach().requires_grad_(True) for w in leaves]
    loss = loss_fn(unflatten(treedef, leaves), *args)
    grads = torch.autograd.grad(loss, leaves)
    return loss.detach(), unflatten(treedef, list(grads))


def _linreg_loss(params: dict, x: torch.Tensor, y: torch.Tensor, lambd: float) -> torch.Tensor:
    return squared_loss(linear_forward(x, params["w"], params["b"]), y) + l2_penalty(params, lambd, decay_mask=ONLY_W)


def linreg_loss_and_grads(params: dict, x: torch.Tensor, y: torch.Tensor, lambd: float) -> tuple[torch.Tensor, dict]:
    """See :func:`numpy_ref.models.linreg_loss_and_grads`."""
    return _value_and_grad(_linreg_loss, params, x, y, lambd)  # type: ignore[return-value]


def mlp_forward(params: list, x: torch.Tensor, rates: Sequence[float], key: torch.Tensor | None = None) -> torch.Tensor:
    """See :func:`numpy_ref.models.mlp_forward`."""
    rates = check_rates(params, rates)
    keys = split(key, len(rates)) if key is not None else [None] * len(rates)
    h = x
    for layer, k, p in zip(params[:-1], keys, rates):
        h = relu_forward(linear_forward(h, layer["w"], layer["b"]))
        h = dropout(h, p, k) if k is not None else h
    return linear_forward(h, params[-1]["w"], params[-1]["b"])


def _mlp_loss(
    params: list, x: torch.Tensor, labels: torch.Tensor, rates: Sequence[float], key: torch.Tensor
) -> torch.Tensor:
    return softmax_cross_entropy(mlp_forward(params, x, rates, key), labels)


def mlp_loss_and_grads(
    params: list, x: torch.Tensor, labels: torch.Tensor, rates: Sequence[float], key: torch.Tensor
) -> tuple[torch.Tensor, list]:
    """See :func:`numpy_ref.models.mlp_loss_and_grads`."""
    return _value_and_grad(_mlp_loss, params, x, labels, rates, key)  # type: ignore[return-value]


@torch.no_grad()
def mc_dropout(
    params: list, x: torch.Tensor, rates: Sequence[float], key: torch.Tensor, num_samples: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """See :func:`numpy_ref.models.mc_dropout`."""
    probs = torch.stack([softmax(mlp_forward(params, x, rates, k)) for k in split(key, num_samples)])
    return probs.mean(dim=0), probs.std(dim=0, correction=0)  # numpy's std: no Bessel correction
