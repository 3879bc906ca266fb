"""The conformance hooks (``conformance/protocol.py``): NumPy ↔ torch conversion, devices, autodiff VJP.

Conversions preserve the dtype. NumPy has no bfloat16 of its own (``ml_dtypes`` provides it) and torch
cannot read ``ml_dtypes`` arrays, so such arrays cross as integers of the same width and are
reinterpreted on the other side; keys are ``uint32`` on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import ml_dtypes
import numpy as np
import torch

from numpy_ref.tree import PyTree, flatten, unflatten

__all__ = ["NAME", "asarray", "devices", "numpy_dtype", "to_numpy", "torch_dtype", "vjp"]

NAME = "torch"


@cache
def numpy_dtype(dtype: torch.dtype) -> np.dtype:
    """The NumPy dtype with the same name (``torch.bfloat16`` → ``ml_dtypes.bfloat16``); TypeError if none."""
    name = str(dtype).removeprefix("torch.")
    try:
        return np.dtype(getattr(ml_dtypes, name)) if hasattr(ml_dtypes, name) else np.dtype(name)
    except TypeError:
        raise TypeError(f"dtype {dtype} has no NumPy counterpart") from None


def torch_dtype(dtype: np.dtype) -> torch.dtype:
    """The torch dtype with the same name as a NumPy dtype; TypeError if none."""
    found = getattr(torch, np.dtype(dtype).name, None)
    if not isinstance(found, torch.dtype):
        raise TypeError(f"dtype {dtype} has no torch counterpart")
    return found


def _carrier(dtype: np.dtype) -> np.dtype | None:
    """The signed integer dtype whose bits carry ``dtype`` across, or None if it crosses as itself.

    ``ml_dtypes`` arrays (bfloat16) are not readable by torch, and torch's unsigned types wider than
    a byte (the uint32 keys) have few kernels: copies between devices among the missing ones.
    """
    if hasattr(ml_dtypes, dtype.name) or (dtype.kind == "u" and dtype.itemsize > 1):
        return np.dtype(f"i{dtype.itemsize}")
    return None


def asarray(x: object, device: str | torch.device | None = None) -> torch.Tensor:
    """A new tensor with the values and dtype of ``x`` (copied: it never shares memory with ``x``)."""
    arr = np.array(x, copy=True, order="C")
    dtype, carrier = torch_dtype(arr.dtype), _carrier(arr.dtype)
    tensor = torch.from_numpy(arr if carrier is None else arr.view(carrier))
    if device is not None:
        tensor = tensor.to(device)
    return tensor.view(dtype)


def to_numpy(x: object) -> np.ndarray:
    """A NumPy array with the values and dtype of a tensor (bfloat16 as ``ml_dtypes.bfloat16``)."""
    if not isinstance(x, torch.Tensor):
        return np.asarray(x)
    t = x.detach().resolve_conj().resolve_neg()
    dtype = numpy_dtype(t.dtype)
    carrier = _carrier(dtype)
    if carrier is None:
        return t.cpu().numpy()
    return t.view(torch_dtype(carrier)).cpu().numpy().view(dtype)


def devices() -> list[str]:
    """``["cpu"]``, plus ``"cuda"`` when a CUDA device is present."""
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def vjp(fn: Callable[[PyTree], PyTree], primal: PyTree, cotangent: PyTree) -> PyTree:
    """Autograd's vector-Jacobian product of ``fn`` at ``primal`` with ``cotangent``, shaped like ``primal``.

    Inputs that an output does not depend on get a zero gradient.
    """
    leaves, td = flatten(primal)
    inputs = [w.detach().requires_grad_(True) for w in leaves]
    outputs = flatten(fn(unflatten(td, inputs)))[0]
    pairs = [(y, c) for y, c in zip(outputs, flatten(cotangent)[0]) if y.requires_grad]
    grads: list[torch.Tensor | None] = [None] * len(inputs)
    if pairs:
        ys, cs = zip(*pairs)
        grads = list(torch.autograd.grad(ys, inputs, cs, allow_unused=True))
    return unflatten(td, [torch.zeros_like(w) if g is None else g for w, g in zip(inputs, grads)])
