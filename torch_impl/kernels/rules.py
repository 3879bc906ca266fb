"""The update rules' scalars, as both kinds of kernel take them (:mod:`.optim` in Triton, :mod:`.cpu` in C).

Python floats, formed as :mod:`numpy_ref` forms them (``1.0 - dampening``, ``1.0 - beta1**t``, …) and
rounded once to the computation dtype inside the kernel, as ``dtype.type(...)`` does in the reference.
"""

from __future__ import annotations

__all__ = ["COUPLED", "DECOUPLED", "NO_DECAY", "adam_scalars", "decay_kind", "sgd_scalars"]

NO_DECAY, COUPLED, DECOUPLED = 0, 1, 2  # where the decay enters: nowhere, the gradient (C2), the weights (C3)


def decay_kind(weight_decay: float, decoupled: bool) -> int:
    return NO_DECAY if weight_decay == 0.0 else DECOUPLED if decoupled else COUPLED


def sgd_scalars(lr: float, momentum: float, dampening: float, weight_decay: float) -> tuple[float, ...]:
    """``(lr, μ, 1 − τ, λ, 1 − lr·λ)``."""
    return lr, momentum, 1.0 - dampening, weight_decay, 1.0 - lr * weight_decay


def adam_scalars(
    step: int, lr: float, betas: tuple[float, float], eps: float, weight_decay: float
) -> tuple[float, ...]:
    """``(lr, β1, 1 − β1, β2, 1 − β2, 1 − β1^t, 1 − β2^t, ε, λ, 1 − lr·λ)`` for the 1-based step ``t = step + 1``."""
    beta1, beta2 = betas
    t = step + 1
    return (
        lr,
        beta1,
        1.0 - beta1,
        beta2,
        1.0 - beta2,
        1.0 - beta1**t,
        1.0 - beta2**t,
        eps,
        weight_decay,
        1.0 - lr * weight_decay,
    )
