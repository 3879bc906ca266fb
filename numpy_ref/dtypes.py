"""The four floating dtypes of the contract and the dtype each one is computed in (convention C11).

float16, bfloat16 and float32 are computed in float32 and float64 in float64: inputs are widened,
the formula is evaluated once in the computation dtype, and the result is rounded back to the input's
dtype. bfloat16 is NumPy's through ``ml_dtypes``. Integer, bool and complex inputs raise TypeError.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from .tree import PyTree, TreeDef, flatten, matching_leaves

__all__ = [
    "FLOAT_DTYPES",
    "as_float_array",
    "check_float_dtype",
    "compute_dtype",
    "describe",
    "dtype_name",
    "matching_float_leaves",
]

bfloat16 = np.dtype(ml_dtypes.bfloat16)

#: The dtypes the contract covers, by name (the names every backend uses).
FLOAT_DTYPES: dict[str, np.dtype] = {
    "float16": np.dtype(np.float16),
    "bfloat16": bfloat16,
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
}


def dtype_name(dtype: object) -> str:
    """The contract name of a NumPy dtype (``'bfloat16'``, ``'float32'``, …)."""
    return np.dtype(dtype).name  # type: ignore[call-overload, no-any-return]


def check_float_dtype(name: str, dtype: np.dtype) -> np.dtype:
    """``dtype`` if it is one of :data:`FLOAT_DTYPES`, else TypeError naming ``name``."""
    if dtype not in FLOAT_DTYPES.values():
        raise TypeError(f"{name} must have a floating dtype (float16, bfloat16, float32 or float64), got {dtype}")
    return dtype


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """float64 for float64, float32 for the narrower floats."""
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def as_float_array(name: str, x: object) -> np.ndarray:
    """``x`` as an ndarray of a contract dtype, without copying; TypeError otherwise."""
    if isinstance(x, (list, tuple, dict)):
        raise TypeError(f"{name} must be an array, got a {type(x).__name__}")
    arr = np.asarray(x)
    check_float_dtype(name, arr.dtype)
    return arr


def describe(x: np.ndarray) -> tuple[tuple[int, ...], str]:
    """``(shape, dtype name)``: what must match between a parameter and its gradient and state."""
    return tuple(x.shape), np.dtype(x.dtype).name


def matching_float_leaves(named_trees: dict[str, PyTree]) -> tuple[list[list[np.ndarray]], TreeDef]:
    """Leaves of trees that must share structure, shapes and dtypes, as arrays of contract dtypes.

    Types are checked first (TypeError naming the tree and leaf), then the match (ValueError).
    """
    for name, tree in named_trees.items():
        for i, leaf in enumerate(flatten(tree)[0]):
            as_float_array(f"{name} leaf {i}", leaf)
    leaves, td = matching_leaves(named_trees, lambda a: describe(np.asarray(a)))
    return [[np.asarray(a) for a in group] for group in leaves], td
