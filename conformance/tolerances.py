"""How close is close enough: ULPs per op and dtype, and the magnitude each ULP is measured at.

An error is measured as ``|got − want|`` in ULPs (of the output dtype) of ``max(|want|, scale)``,
where ``scale`` is the size of the largest term the result was computed from (:func:`scale`). Forward
error analysis bounds the error of a short sum of products by a few roundings *of its terms*, not of
its result, so measuring against the terms keeps an update that cancels to nearly zero honest.

Every op not in :data:`TOLERANCES` is exact (0 ULPs: identical bits, any NaN matching any NaN):
the Threefry stream, keys, bits, uniforms and masks are integer arithmetic; dropout forms one product
``x·s`` with ``s = fl(1/fl(1 − p))`` (C7) and selects ``+0.0`` elsewhere; ``λ·w`` is one product; ``*_init``
writes zeros. An implementation that follows the contract's order of operations cannot differ there.
"""

from __future__ import annotations

import inspect

import numpy as np

import numpy_ref
from numpy_ref.tree import PyTree, flatten, resolve_decay_mask, unflatten

__all__ = ["ETA", "TOLERANCES", "dropout_difference_bound", "l2_difference_bound", "scale", "tolerance"]

#: The smallest subnormal float64: the absolute error a float64 product may add by underflowing, which no
#: relative (ULP) bound covers — a rounding bound on float64 sums adds it once per product.
ETA = 2.0**-1074

# 16-bit dtypes are computed in float32 (C11): a float32 difference of a few float32 ULPs, rounded
# to a 16-bit grid 2**13 (float16) or 2**16 (bfloat16) times coarser, lands at most one grid point
# away, so every entry below is 1 for float16 and bfloat16.

TOLERANCES: dict[str, dict[str, float]] = {
    # (1 − lr·λ)·w − lr·g: two products and a difference. A fused multiply-add (XLA on CPU and GPU,
    # CUDA compilers) skips one rounding: at most 1 ULP of the larger product, plus the result's.
    "weight_decay_step": {"float16": 1, "bfloat16": 1, "float32": 2, "float64": 2},
    # d = ±g + λw, b = μb + (1 − τ)d, d + μb (Nesterov), w − lr·d: up to four contractible roundings.
    "sgd_step": {"float16": 1, "bfloat16": 1, "float32": 4, "float64": 4},
    # m, v, m̂, v̂, √, + ε, ÷, × lr, −: eight roundings, and the bias corrections 1 − β^t may be formed
    # on the device (accurately: from 1 − β computed on the host, or in float64) rather than in Python.
    "adam_step": {"float16": 1, "bfloat16": 1, "float32": 8, "float64": 8},
    "adamw_step": {"float16": 1, "bfloat16": 1, "float32": 8, "float64": 8},
    # λ/2·Σw² accumulated in float64 in any order: n terms err by at most (n + 1) roundings of the sum,
    # so scale() reports (n + 1)·sum and the 2 absorbs the factor between u·x and ULP(x).
    "l2_penalty": {"float16": 2, "bfloat16": 2, "float32": 2, "float64": 2},
    # Autodiff of the penalty: λ·w rounded once from float64 (the penalty's graph) versus the
    # reference's float32(λ)·w: two roundings of values within u of each other, one grid point apart.
    "l2_penalty:vjp": {"float16": 1, "bfloat16": 1, "float32": 1, "float64": 1},
    # Autodiff of dropout is where(keep, d_y·s, +0.0), the contract's backward: exact ("dropout:vjp" absent).
}


def tolerance(op: str, dtype: str | None, steps: int = 1) -> float:
    """Allowed error in ULPs of the scale; after ``steps`` steps of a trajectory, ``steps`` times one step's
    (each step adds its own rounding error, and the update rules carry earlier errors at most 1:1)."""
    return float(TOLERANCES.get(op, {}).get(dtype or "", 0.0)) * steps


def _arguments(op: str, args: tuple, kwargs: dict) -> dict:
    bound = inspect.signature(getattr(numpy_ref, op)).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _abs_leaves(tree: PyTree) -> list[np.ndarray]:
    return [np.abs(np.asarray(x, np.float64)) for x in flatten(tree)[0]]


def _decay(a: dict, tree_arg: str) -> list[float]:
    """λ per leaf: ``weight_decay`` where ``decay_mask`` says so, else 0."""
    flags = resolve_decay_mask(a[tree_arg], a.get("decay_mask"))
    return [a["weight_decay"] if on else 0.0 for on in flags]


def _weight_decay_scale(a: dict) -> PyTree:
    ws, gs = _abs_leaves(a["w"]), _abs_leaves(a["grad"])
    shrink = abs(1 - a["lr"] * a["weight_decay"])
    return unflatten(flatten(a["w"])[1], [w * shrink + a["lr"] * g for w, g in zip(ws, gs)])


def _sgd_scale(a: dict) -> PyTree:
    lr, mu, tau, state = a["lr"], a["momentum"], a["dampening"], a["state"]
    first = int(np.asarray(state.step)) == 0
    new_w, new_b = [], []
    leaves = zip(_abs_leaves(a["params"]), _abs_leaves(a["grads"]), _abs_leaves(state.momentum), _decay(a, "params"))
    for w, g, b, lam in leaves:
        d = g + (0.0 if a["decoupled"] else lam) * w
        b = b if mu == 0 else d if first else mu * b + abs(1 - tau) * d
        direction = d + mu * b if a["nesterov"] else (b if mu else d)
        new_w.append(w * abs(1 - lr * lam * a["decoupled"]) + lr * direction)
        new_b.append(b)
    td = flatten(a["params"])[1]
    return unflatten(td, new_w), type(state)(None, unflatten(td, new_b))


def _adam_scale(a: dict, decoupled: bool) -> PyTree:
    lr, (b1, b2), eps, state = a["lr"], a["betas"], a["eps"], a["state"]
    t = int(np.asarray(state.step)) + 1
    out: list[list[np.ndarray]] = [[], [], [], []]
    trees = [_abs_leaves(x) for x in (a["params"], a["grads"], state.m, state.v, state.v_max)]
    for w, g, m, v, v_max, lam in zip(*trees, _decay(a, "params")):
        d = g + (0.0 if decoupled else lam) * w
        m, v = b1 * m + (1 - b1) * d, b2 * v + (1 - b2) * d * d
        v_max = np.maximum(v_max, v) if a["amsgrad"] else v_max
        step = lr * (m / (1 - b1**t)) / (np.sqrt((v_max if a["amsgrad"] else v) / (1 - b2**t)) + eps)
        for slot, value in zip(out, (w * abs(1 - lr * lam * decoupled) + step, m, v, v_max)):
            slot.append(value)
    td = flatten(a["params"])[1]
    new_w, new_m, new_v, new_v_max = (unflatten(td, slot) for slot in out)
    return new_w, type(state)(None, new_m, new_v, new_v_max)


def _l2_scale(a: dict, want: object) -> PyTree:
    n = sum(w.size for w, lam in zip(_abs_leaves(a["params"]), _decay(a, "params")) if lam)
    want = numpy_ref.l2_penalty(a["params"], a["weight_decay"], decay_mask=a["decay_mask"]) if want is None else want
    return np.float64((n + 1) * abs(float(want)))  # type: ignore[arg-type]


def scale(op: str, args: tuple, kwargs: dict, want: PyTree = None) -> PyTree:
    """A tree shaped like the reference's result of term magnitudes (float64), or ``None`` for "measure against
    ``|want|``"; ``want``, the reference's result if the caller has it, saves computing it again."""
    if op not in ("weight_decay_step", "sgd_step", "adam_step", "adamw_step", "l2_penalty"):
        return None
    a = _arguments(op, args, kwargs)
    with np.errstate(all="ignore"):  # inf and NaN magnitudes are fine: non-finite results must match exactly
        if op == "weight_decay_step":
            return _weight_decay_scale(a)
        if op == "sgd_step":
            return _sgd_scale(a)
        if op == "l2_penalty":
            return _l2_scale(a, want)
        return _adam_scale(a, decoupled=op == "adamw_step" or a["decoupled"])


def l2_difference_bound(leaves: list[np.ndarray], v: list[np.ndarray], lam: float, plus: float, minus: float) -> float:
    """How far ``(R(w + v) − R(w − v))/2`` and ``<λw, v>`` may lie apart in float64 (``R`` the L2 penalty,
    ``plus`` and ``minus`` its two values): ``n + 2`` roundings of the sums involved, and what underflow adds
    — an absolute ``η/2`` per product, and ``η/2`` in ``λ/2`` itself times the sum of squares it scales (a
    subnormal λ makes the penalty 0 while ``λw`` is not)."""
    n = sum(w.size for w in leaves) + 2
    products = lam * sum(float(np.sum(np.abs(w * d))) for w, d in zip(leaves, v))
    squares = sum(float(np.sum(np.square(w + d) + np.square(w - d))) for w, d in zip(leaves, v))
    underflow = 2 * ETA * (squares + sum(float(np.sum(np.abs(d))) for d in v) + (lam + 1) * n)
    return 4 * n * 2.0**-53 * (abs(plus) + abs(minus) + products) + underflow


def dropout_difference_bound(x: np.ndarray, v: np.ndarray, d_y: np.ndarray, p: float) -> float:
    """How far ``<d_y, (f(x + v) − f(x − v))/2>`` and ``<dropout_backward(d_y), v>`` may lie apart in float64
    (``f`` dropout's forward at rate ``p``): two roundings per forward value (``x ± v``, then ``·s``), and an
    absolute ``η/2`` per product that underflows."""
    s, u = 1.0 / (1.0 - p), 2.0**-53
    rounding = 8 * u * float(np.sum(np.abs(d_y) * s * (np.abs(x) + np.abs(v)))) * (x.size + 1)
    return rounding + 2 * ETA * (float(np.sum(np.abs(d_y) * (s + 1) + np.abs(v))) + 2 * x.size)
