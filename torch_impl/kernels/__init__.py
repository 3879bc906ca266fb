"""Fused Triton kernels for CUDA tensors, behind the ports' dispatch points.

Each kernel computes, in one pass over memory, exactly what the eager path of its dispatch point
computes (the same bits for dropout; the same roundings, one IEEE op each, for the update rules):

- :mod:`.dropout`: the Threefry word, keep decision and scaling of each element in registers
  (``torch_impl.dropout._masked_scale``);
- :mod:`.optim`: SGD and Adam updates in place, all tensors of a group in one launch
  (``torch_impl.optim``);
- :mod:`.l2`: ``Σ w²`` accumulated in float64 without a float64 copy (``torch_impl.l2``).

A kernel is used when its tensors are on a CUDA device and ``triton`` imports. If it fails to compile
or launch, that kernel is switched off for the rest of the process and the eager path runs instead;
the failure is logged (logger ``torch_impl.kernels``, level INFO), not warned, and :func:`status`
reports it. :func:`disabled` forces the eager paths, for comparisons.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from functools import cache
from typing import TypeVar

import torch

__all__ = ["disabled", "launch", "status", "usable"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

_enabled = os.environ.get("REGREF_KERNELS", "1") != "0"
_paths: dict[str, str] = {}  # kernel name -> "triton", or "eager: <why>" once it failed


@cache
def _triton_imports() -> bool:
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


def usable(name: str, *tensors: torch.Tensor) -> bool:
    """Whether kernel ``name`` should run on ``tensors``: all on one CUDA device, triton importable, not off."""
    if not (_enabled and tensors and not _paths.get(name, "").startswith("eager")):
        return False
    device = tensors[0].device
    return device.type == "cuda" and all(t.device == device for t in tensors) and _triton_imports()


def launch(name: str, run: Callable[[], _T]) -> _T | None:
    """``run()``, or None (and kernel ``name`` off from now on) if it raises: the caller then runs its eager path."""
    try:
        out = run()
    except Exception as error:  # a compiler or driver failure can be any exception type
        _paths[name] = f"eager: {type(error).__name__}: {error}"
        _log.info("triton kernel %r failed; using the eager path from now on: %s", name, error, exc_info=True)
        return None
    _paths[name] = "triton"
    return out


def status() -> dict[str, str]:
    """For each kernel that was asked for: ``"triton"``, or ``"eager: <error>"`` after a failure."""
    return dict(_paths)


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Run the eager paths inside the block (benchmarks compare the two)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before
