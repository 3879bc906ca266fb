"""Conventions a framework's optimizer might follow, as reference steps: variants of :mod:`numpy_ref`
and the two keras formulas written out (lr inside the velocity; ε added to √v with the bias correction
folded into the step size). Each has the signature of :func:`numpy_ref.sgd_step`/``adam_step``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten

from ..backends import Backend

__all__ = [
    "as_backend",
    "correction_in_float32",
    "dampened_first",
    "decay_after",
    "decoupled_without_lr",
    "eps_on_sqrt_v",
    "max_of_v_hat",
    "nan_where_infinite",
    "reference",
    "same_default",
    "velocity",
]

Step = Callable[..., tuple[PyTree, Any]]


def as_backend(adapter: Any) -> Backend:
    """The suite's wrapper around an adapter: NumPy trees in, native trees out (and back)."""
    return Backend(adapter.NAME, adapter.NAME, adapter)


def same_default(declared: object, reference: object) -> bool:
    """Equal defaults, ``None`` counting as ``0`` (optax's ``momentum=None``, keras's ``weight_decay=None``)."""
    return (0 if declared is None else declared) == (0 if reference is None else reference)


def reference(op: str, **fixed: Any) -> Step:
    """``numpy_ref.<op>`` with some arguments fixed."""
    return lambda p, g, s, **hyper: getattr(numpy_ref, op)(p, g, s, **{**hyper, **fixed})


def decoupled_without_lr(op: str) -> Step:
    """Decoupled decay by ``w·(1 − λ)``: the paper's form with the schedule multiplier 1, not multiplied by lr."""

    def step(p: PyTree, g: PyTree, s: Any, *, lr: float, weight_decay: float, **hyper: Any) -> tuple[PyTree, Any]:
        lam = weight_decay / lr if lr else 0.0
        return getattr(numpy_ref, op)(p, g, s, lr=lr, weight_decay=lam, decoupled=True, **hyper)

    return step


def decay_after(op: str) -> Step:
    """``λ·w`` added to the update after the lr scaling: ``w·(1 + λ) − step`` (a decay chained last)."""

    def step(p: PyTree, g: PyTree, s: Any, *, weight_decay: float, decay_mask: object = None, **hyper: Any) -> Any:
        new, state = getattr(numpy_ref, op)(p, g, s, weight_decay=0.0, **hyper)
        (ws, _), (news, td) = flatten(p), flatten(new)
        lam = np.float32(weight_decay)
        on = resolve_decay_mask(p, decay_mask)
        return unflatten(td, [n + lam * w if d else n for w, n, d in zip(ws, news, on)]), state

    return step


def nan_where_infinite(op: str) -> Step:
    """The reference's step, except that infinite weights become NaN (``0·inf`` from a decay of 0 still formed)."""

    def step(p: PyTree, g: PyTree, s: Any, **hyper: Any) -> tuple[PyTree, Any]:
        new, state = getattr(numpy_ref, op)(p, g, s, **hyper)
        (ws, _), (news, td) = flatten(p), flatten(new)
        return unflatten(td, [np.where(np.isinf(w), np.float32(np.nan), n) for w, n in zip(ws, news)]), state

    return step


def dampened_first(p: PyTree, g: PyTree, s: numpy_ref.SGDState, **hyper: Any) -> tuple[PyTree, Any]:
    """SGD with dampening applied at the first step too: ``b₁ = (1 − τ)·d``."""
    return numpy_ref.sgd_step(p, g, s._replace(step=np.maximum(s.step, 1)), **hyper)


def _leafwise(fn: Callable[..., tuple[np.ndarray, ...]], p: PyTree, g: PyTree, *buffers: PyTree) -> list[PyTree]:
    (ws, td), gs = flatten(p), flatten(g)[0]
    columns = zip(*(fn(*leaves) for leaves in zip(ws, gs, *(flatten(b)[0] for b in buffers))))
    return [unflatten(td, list(column)) for column in columns]


def velocity(p: PyTree, g: PyTree, s: numpy_ref.SGDState, *, lr: float, momentum: float = 0.0, **_: Any) -> Any:
    """keras SGD: ``m = μ·m − lr·g; w += m`` — lr inside the velocity (``s.momentum`` holds ``m``)."""
    mu, eta = np.float32(momentum), np.float32(lr)
    new_w, new_m = _leafwise(lambda w, d, m: (w + (mu * m - d * eta), mu * m - d * eta), p, g, s.momentum)
    return new_w, numpy_ref.SGDState(s.step + 1, new_m)


def eps_on_sqrt_v(
    p: PyTree, g: PyTree, s: numpy_ref.AdamState, *, lr: float, eps: float, betas: tuple = (0.9, 0.999), **_: Any
) -> Any:
    """keras Adam: ``w −= lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/(√v + ε)``, i.e. ε added to √v before the bias correction."""
    t = int(s.step) + 1
    b1, b2 = np.float32(betas[0]), np.float32(betas[1])
    alpha = np.float32(lr) * np.sqrt(np.float32(1) - b2**t) / (np.float32(1) - b1**t)

    def leaf(w: np.ndarray, d: np.ndarray, m: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
        m = m + (d - m) * (np.float32(1) - b1)
        v = v + (d * d - v) * (np.float32(1) - b2)
        return w - m * alpha / (np.sqrt(v) + np.float32(eps)), m, v

    new_w, new_m, new_v = _leafwise(leaf, p, g, s.m, s.v)
    return new_w, numpy_ref.AdamState(s.step + 1, new_m, new_v, s.v_max)


def correction_in_float32(
    p: PyTree, g: PyTree, s: numpy_ref.AdamState, *, lr: float, betas: tuple, eps: float = 0.0, **_: Any
) -> Any:
    """Adam with ``1 − βᵗ`` formed in float32 from β rounded to float32 (``β**t`` on the device, as optax and
    keras do), the moments' ``1 − β`` from the exact β; no decay."""
    t = int(s.step) + 1
    one, (b1, b2) = np.float32(1), (float(b) for b in betas)
    c1, c2 = one - np.float32(b1) ** t, one - np.float32(b2) ** t

    def leaf(w: np.ndarray, d: np.ndarray, m: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
        m = np.float32(b1) * m + np.float32(1 - b1) * d
        v = np.float32(b2) * v + np.float32(1 - b2) * (d * d)
        return w - np.float32(lr) * (m / c1) / (np.sqrt(v / c2) + np.float32(eps)), m, v

    new_w, new_m, new_v = _leafwise(leaf, p, g, s.m, s.v)
    return new_w, numpy_ref.AdamState(s.step + 1, new_m, new_v, s.v_max)


def max_of_v_hat(
    p: PyTree, g: PyTree, s: numpy_ref.AdamState, *, lr: float, betas: tuple, eps: float = 0.0, **_: Any
) -> Any:
    """Adam with amsgrad's running maximum taken of the bias-corrected ``v̂ = v/(1 − β₂ᵗ)`` rather than of ``v``
    (``s.v_max`` holds that maximum); no decay."""
    t = int(s.step) + 1
    b1, b2 = (float(b) for b in betas)
    c1, c2 = np.float32(1.0 - b1**t), np.float32(1.0 - b2**t)

    def leaf(w: np.ndarray, d: np.ndarray, m: np.ndarray, v: np.ndarray, v_max: np.ndarray) -> tuple[np.ndarray, ...]:
        m = np.float32(b1) * m + np.float32(1 - b1) * d
        v = np.float32(b2) * v + np.float32(1 - b2) * (d * d)
        v_max = np.maximum(v_max, v / c2)
        return w - np.float32(lr) * (m / c1) / (np.sqrt(v_max) + np.float32(eps)), m, v, v_max

    new_w, new_m, new_v, new_v_max = _leafwise(leaf, p, g, s.m, s.v, s.v_max)
    return new_w, numpy_ref.AdamState(s.step + 1, new_m, new_v, new_v_max)
