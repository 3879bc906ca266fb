r"""Inverted dropout: forward and hand-written backward, side by side (conventions C7, C8, C9).

Training keeps each element with probability ``keep_prob = 1 − p`` and scales survivors by
``scale = 1 / keep_prob``, so that ``E[y] = x`` and evaluation is the identity:

.. math::

    keep \sim \mathrm{Bernoulli}(1 - p), \qquad y = keep \cdot x \cdot s, \qquad s = \frac{1}{1 - p}

and since ``y`` is linear in ``x`` with a diagonal Jacobian ``diag(keep · s)``, the backward pass is
the same map applied to the upstream gradient: ``d_x = keep · d_y · s``.

**Convention.** ``p`` is the *drop* probability (torch, flax, keras; d2l's ``dropout``). The mask is
``bernoulli(key, 1 − p, mask_shape)`` from :mod:`numpy_ref.random` (flax.linen.Dropout's draw).
``s`` is formed as the frameworks form it: ``keep_prob = 1 − p`` rounded to the computation dtype
(float32 for float16/bfloat16/float32, float64 for float64), then ``s = 1 / keep_prob`` rounded there
too; the product ``x · s`` is formed in the computation dtype and rounded to ``x.dtype``. In float32
this is, bit for bit, what torch (``F.dropout``, ``nn.Dropout``, ``dropout1d/2d/3d``), flax
(``linen``/``nnx``), keras on jax and equinox (eager) compute — measured by ``regref check --native``
(docs/framework-report.md): flax's and equinox's sources divide, ``x / (1 − p)``, but XLA compiles a
division by a constant into the multiplication by its rounded reciprocal. Rounding ``1/(1 − p)`` once
instead would be an ulp or two from all of them for a quarter of rates drawn uniformly (p = 0.04,
0.42, …). For float16 and bfloat16 the frameworks disagree with each other (torch rounds ``s`` to the
input's dtype, flax computes in it); regref computes in float32 and rounds once at the end. Dropped
elements are exactly ``+0.0`` whatever ``x`` holds — inf and NaN included (torch's ``x * mask``
would give NaN). ``p = 1`` drops everything and the gradient is zero, never ``0 · inf``. ``p = 0``
keeps everything. ``training=False`` returns ``x`` itself (the one output that aliases an input).

References: Srivastava et al., "Dropout", JMLR 2014 (non-inverted form); d2l §5.6 ``dropout_layer``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .dtypes import as_float_array, compute_dtype
from .random import bernoulli, check_key
from .validation import check_broadcast_dims, check_probability, check_shape

__all__ = ["dropout", "dropout_backward", "dropout_forward", "dropout_mask", "dropout_scale"]


def dropout_scale(p: float, dtype: np.dtype) -> np.generic:
    """``s = fl(1 / fl(1 − p))`` in the computation dtype of ``dtype``; ``0`` at ``p = 1`` (no element survives).

    ``1 − p`` is formed in Python floats and rounded to the computation dtype (``keep_prob``), and its
    reciprocal is rounded there again: two roundings, as the frameworks do (module docstring).

    >>> float(dropout_scale(0.42, np.dtype(np.float32)))  # fl32(1/(1 − p)) rounded once: 1.7241379022598267
    1.7241380214691162
    """
    ct = compute_dtype(dtype).type
    if p == 1.0:
        return ct(0.0)
    keep_prob = ct(1.0 - p)
    with np.errstate(divide="ignore", over="ignore"):  # keep_prob may underflow: then nothing is kept
        return ct(1.0) / keep_prob


def dropout_mask(key: object, p: float, shape: object, *, broadcast_dims: Sequence[int] = ()) -> np.ndarray:
    """The keep-mask (True = kept): ``bernoulli(key, 1 − p, mask_shape)`` broadcast to ``shape``.

    ``mask_shape`` is ``shape`` with the axes in ``broadcast_dims`` set to 1, so one draw is shared
    along them (flax.linen's ``broadcast_dims``; on NCHW input ``(2, 3)`` drops whole channels, as
    ``torch.nn.Dropout2d`` does).

    >>> from numpy_ref.random import key
    >>> dropout_mask(key(0), 0.5, (2, 3), broadcast_dims=(0,)).astype(int)
    array([[0, 0, 1],
           [0, 0, 1]])
    """
    p = check_probability("p", p)
    dims = check_shape(shape)
    axes = check_broadcast_dims(broadcast_dims, len(dims))
    mask_shape = tuple(1 if i in axes else d for i, d in enumerate(dims))
    keep = bernoulli(key, 1.0 - p, mask_shape)
    return np.array(np.broadcast_to(keep, dims))


def check_keep(keep: object, x: np.ndarray) -> np.ndarray:
    """``keep`` as a bool array of ``x``'s shape: TypeError for another dtype, ValueError for another shape."""
    keep = np.asarray(keep)
    if keep.dtype != np.bool_:
        raise TypeError(f"keep must be a bool array, got dtype {keep.dtype}")
    if keep.shape != x.shape:
        raise ValueError(f"keep must have the shape of the input {x.shape}, got {keep.shape}")
    return keep


def dropout_forward(x: object, keep: object, p: float) -> np.ndarray:
    """``y = where(keep, x · s, +0.0)`` computed in the computation dtype, rounded to ``x.dtype``.

    >>> dropout_forward(np.array([1.0, np.inf, 3.0]), np.array([True, False, True]), 0.5)
    array([2., 0., 6.])
    """
    x = as_float_array("x", x)
    keep = check_keep(keep, x)
    p = check_probability("p", p)
    scale = dropout_scale(p, x.dtype)
    x_c = x.astype(scale.dtype, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):  # IEEE results are the contract: inf·s, NaN·s
        return np.asarray(np.where(keep, x_c * scale, scale.dtype.type(0.0)).astype(x.dtype))


def dropout_backward(d_y: object, keep: object, p: float) -> np.ndarray:
    """``d_x = where(keep, d_y · s, +0.0)``: ``∂y_i/∂x_j = keep_i · s · [i = j]``, so the chain rule
    ``d_x_j = Σ_i d_y_i ∂y_i/∂x_j`` is the forward map applied to ``d_y``. Zero where dropped and
    everywhere at ``p = 1``, whatever ``d_y`` holds.
    """
    return dropout_forward(d_y, keep, p)


def dropout(
    x: object, p: float, key: object, *, training: bool = True, broadcast_dims: Sequence[int] = ()
) -> np.ndarray:
    """Inverted dropout: ``dropout_forward(x, dropout_mask(key, p, x.shape, broadcast_dims), p)``.

    With ``training=False`` the input is returned as is (``p`` and ``key`` are still validated).

    >>> from numpy_ref.random import key
    >>> dropout(np.ones(4, np.float32), 0.5, key(0))
    array([0., 0., 2., 2.], dtype=float32)
    """
    arr = as_float_array("x", x)
    check_probability("p", p)
    check_key(key)
    check_broadcast_dims(broadcast_dims, arr.ndim)
    if not training:
        return x  # type: ignore[return-value]
    return dropout_forward(arr, dropout_mask(key, p, arr.shape, broadcast_dims=broadcast_dims), p)
