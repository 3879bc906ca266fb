"""torch port of :mod:`numpy_ref.dtypes`: the contract's four floats and the reference's checks on tensors.

The reference's checks read only a dtype and a shape. A tensor reaches them as a :func:`shadow`, a
NumPy array of its dtype and shape that owns no memory, so that bad input raises the reference's
exception with the reference's message, word for word.
"""

from __future__ import annotations

import numpy as np
import torch

from numpy_ref import dtypes as ref
from numpy_ref.tree import PyTree, TreeDef, flatten, matching_leaves, unflatten

from .interop import asarray, numpy_dtype

__all__ = ["FLOAT_DTYPES", "as_float_tensor", "compute_dtype", "matching_float_leaves", "owned", "shadow"]

#: The dtypes the contract covers, by name.
FLOAT_DTYPES: dict[str, torch.dtype] = {name: getattr(torch, name) for name in ref.FLOAT_DTYPES}


def shadow(x: object) -> np.ndarray:
    """A read-only NumPy stand-in with the dtype and shape of a tensor (any other ``x`` as an array)."""
    if not isinstance(x, torch.Tensor):
        return np.asarray(x)
    return np.broadcast_to(np.zeros((), numpy_dtype(x.dtype)), tuple(x.shape))


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """float64 for float64, float32 for the narrower floats (C11)."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def as_float_tensor(name: str, x: object) -> torch.Tensor:
    """``x`` if it is a tensor of a contract dtype; an array-like of one is converted; TypeError otherwise."""
    if isinstance(x, torch.Tensor):
        ref.check_float_dtype(name, numpy_dtype(x.dtype))
        return x
    return asarray(ref.as_float_array(name, x))


def _describe(x: torch.Tensor) -> tuple[tuple[int, ...], str]:
    return ref.describe(shadow(x))


def matching_float_leaves(named_trees: dict[str, PyTree]) -> tuple[list[list[torch.Tensor]], TreeDef]:
    """:func:`numpy_ref.dtypes.matching_float_leaves` for tensors: types first, then structure, shape, dtype."""
    checked = {}
    for name, tree in named_trees.items():
        leaves, td = flatten(tree)
        checked[name] = unflatten(td, [as_float_tensor(f"{name} leaf {i}", w) for i, w in enumerate(leaves)])
    return matching_leaves(checked, _describe)


def owned(value: torch.Tensor, dtype: torch.dtype, *inputs: torch.Tensor) -> torch.Tensor:
    """``value`` rounded to ``dtype``, copied if it is still one of ``inputs`` (C12: no output aliases an input).

    ``Tensor.to`` returns the tensor itself when there is nothing to convert, which is how an input can
    reach an output unchanged (for example a momentum buffer when ``momentum = 0``).
    """
    out = value.to(dtype)
    return out.clone() if any(out is x for x in inputs) else out
