"""Planted bug: survivors are scaled by 1 − p instead of 1/(1 − p)."""

from typing import Any

import numpy as np

from numpy_ref import *  # noqa: F403
from numpy_ref import dropout_mask
from numpy_ref.dropout import check_keep
from numpy_ref.dtypes import as_float_array, compute_dtype
from numpy_ref.validation import check_probability


def dropout_forward(x: Any, keep: Any, p: float) -> np.ndarray:
    x, p = as_float_array("x", x), check_probability("p", p)
    keep = check_keep(keep, x)
    ct = compute_dtype(x.dtype)
    return np.where(keep, x.astype(ct) * ct.type(1.0 - p), ct.type(0.0)).astype(x.dtype)  # the bug: 1 − p


def dropout_backward(d_y: Any, keep: Any, p: float) -> np.ndarray:
    return dropout_forward(d_y, keep, p)


def dropout(x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Any = ()) -> Any:
    mask = dropout_mask(key, p, as_float_array("x", x).shape, broadcast_dims=broadcast_dims)  # x checked in every mode
    return dropout_forward(x, mask, p) if training else x
