"""Planted bug: the dropout scale is one ULP above fl(1/fl(1 − p)) (as a scale rounded up, not to nearest, would be)."""

from typing import Any

import numpy as np

from numpy_ref import *  # noqa: F403
from numpy_ref import dropout_mask
from numpy_ref.dropout import check_keep, dropout_scale
from numpy_ref.dtypes import as_float_array, compute_dtype
from numpy_ref.validation import check_probability


def dropout_forward(x: Any, keep: Any, p: float) -> np.ndarray:
    x, p = as_float_array("x", x), check_probability("p", p)
    keep = check_keep(keep, x)
    ct = compute_dtype(x.dtype)
    s = np.nextafter(dropout_scale(p, x.dtype), ct.type(np.inf))  # the bug: one ULP too large
    with np.errstate(all="ignore"):
        return np.where(keep, x.astype(ct) * s, ct.type(0.0)).astype(x.dtype)


def dropout_backward(d_y: Any, keep: Any, p: float) -> np.ndarray:
    return dropout_forward(d_y, keep, p)


def dropout(x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Any = ()) -> Any:
    mask = dropout_mask(key, p, as_float_array("x", x).shape, broadcast_dims=broadcast_dims)  # x checked in every mode
    return dropout_forward(x, mask, p) if training else x
