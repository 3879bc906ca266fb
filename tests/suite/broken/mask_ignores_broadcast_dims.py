"""Planted bug: the dropout mask is drawn for the full shape, ignoring ``broadcast_dims``."""

from typing import Any

import numpy as np

from numpy_ref import *  # noqa: F403
from numpy_ref import bernoulli, dropout_forward
from numpy_ref.dtypes import as_float_array
from numpy_ref.validation import check_broadcast_dims, check_probability, check_shape


def dropout_mask(key: Any, p: float, shape: Any, *, broadcast_dims: Any = ()) -> np.ndarray:
    p, dims = check_probability("p", p), check_shape(shape)
    check_broadcast_dims(broadcast_dims, len(dims))
    return bernoulli(key, 1.0 - p, dims)  # the bug: one draw per element, even along broadcast_dims


def dropout(x: Any, p: float, key: Any, *, training: bool = True, broadcast_dims: Any = ()) -> Any:
    mask = dropout_mask(key, p, as_float_array("x", x).shape, broadcast_dims=broadcast_dims)  # x checked in every mode
    return dropout_forward(x, mask, p) if training else x
