"""Fused kernels behind the ports' dispatch points: Triton for CUDA tensors, Inductor C++ for CPU dropout.

Each kernel computes, in one pass over memory, exactly what the eager path of its dispatch point
computes (the same bits for dropout; the same roundings, one IEEE op each, for the update rules):

- :mod:`.dropout`: the Threefry word, keep decision and scaling of each element in registers
  (``torch_impl.dropout._masked_scale``);
- :mod:`.optim`: SGD and Adam updates in place, all tensors of a group in one launch
  (``torch_impl.optim``);
- :mod:`.l2`: ``Σ w²`` accumulated in float64 without a float64 copy (``torch_impl.l2``);
- :mod:`.cpu`: dropout's one pass on the CPU, compiled by ``torch.compile`` once a process has shown
  it needs it (tiered: see there).

A Triton kernel is used when its tensors are on a CUDA device and ``triton`` imports. If it fails to compile
or launch, that kernel is switched off for the rest of the process and the eager path runs instead;
the failure is logged (logger ``torch_impl.kernels``, level INFO), not warned, and :func:`status`
reports it. :func:`disabled` forces the eager paths, for comparisons; :func:`cpu_compiled` the compiled
CPU dropout.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from functools import cache
from typing import TypeVar

import torch

__all__ = ["adam_", "cpu_compiled", "disabled", "launch", "masked_scale", "sgd_", "status", "sum_squares", "usable"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

_enabled = os.environ.get("REGREF_KERNELS", "1") != "0"
_paths: dict[str, str] = {}  # kernel name -> "triton" / "inductor", or "eager: <why>" once it failed
_CPU_MODES = ("auto", "1", "0")
_cpu_mode = os.environ.get("REGREF_CPU_COMPILE", "auto")
if _cpu_mode not in _CPU_MODES:
    raise ValueError(f"REGREF_CPU_COMPILE must be one of {_CPU_MODES}, got {_cpu_mode!r}")
_cpu_elements = 0  # elements sent through CPU dropout so far (the tiering's count)


@cache
def _triton_imports() -> bool:
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


def usable(name: str, *tensors: torch.Tensor) -> bool:
    """Whether kernel ``name`` should run on ``tensors``: all on one CUDA device, triton importable, not off."""
    if not (_enabled and tensors and tensors[0].is_cuda and not _paths.get(name, "").startswith("eager")):
        return False
    index = tensors[0].get_device()  # an int: cheaper than building a torch.device per tensor
    return all(t.get_device() == index for t in tensors) and _triton_imports()


def launch(name: str, run: Callable[[], _T], path: str = "triton") -> _T | None:
    """``run()``, or None (and kernel ``name`` off from now on) if it raises: the caller then runs its eager path."""
    try:
        out = run()
    except Exception as error:  # a compiler or driver failure can be any exception type
        _paths[name] = f"eager: {type(error).__name__}: {error}"
        _log.info("%s kernel %r failed; using the eager path from now on: %s", path, name, error, exc_info=True)
        return None
    if out is not None:  # None: the kernel declined (a constant mask, say) and nothing ran
        _paths[name] = path
    return out


def status() -> dict[str, str]:
    """Per kernel that ran: ``"triton"`` (``"inductor"`` for ``dropout-cpu``), or ``"eager: <why>"`` once it failed."""
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


@contextlib.contextmanager
def cpu_compiled() -> Iterator[None]:
    """Inside the block CPU dropout takes the compiled path from the first call (tests, benchmarks)."""
    global _cpu_mode
    before, _cpu_mode = _cpu_mode, "1"
    try:
        yield
    finally:
        _cpu_mode = before


def _cpu_hot(x: torch.Tensor) -> bool:
    """Whether CPU dropout on ``x`` takes the compiled path now (the tiering of :mod:`.cpu`)."""
    global _cpu_elements
    if not (_enabled and x.device.type == "cpu") or _paths.get("dropout-cpu", "").startswith("eager"):
        return False
    if torch.compiler.is_compiling():  # inside the caller's own torch.compile, which fuses it anyway
        return False
    _cpu_elements += x.numel()
    from .cpu import HOT_ELEMENTS

    return _cpu_mode == "1" or (_cpu_mode == "auto" and _cpu_elements > HOT_ELEMENTS)


def _dense(tensors: list[torch.Tensor]) -> bool:
    """Contiguous, strided, of one dtype: what one grouped launch (:mod:`.groups`) takes."""
    dtype, strided = tensors[0].dtype, torch.strided
    return all(t.dtype is dtype and t.layout is strided and t.is_contiguous() for t in tensors)


def masked_scale(
    x: torch.Tensor, key_words: torch.Tensor, threshold: int, scale: float, axes: tuple[int, ...]
) -> torch.Tensor | None:
    """:func:`.dropout.masked_scale` (CUDA) or :func:`.cpu.masked_scale` (CPU, once hot) where it applies, else None."""
    if not axes and _cpu_hot(x):

        def run_cpu() -> torch.Tensor | None:
            from .cpu import masked_scale as compiled

            return compiled(x, key_words, threshold, scale)

        return launch("dropout-cpu", run_cpu, "inductor")
    if not usable("dropout", x):
        return None

    def run() -> torch.Tensor | None:
        from .dropout import masked_scale as fused

        return fused(x, key_words, threshold, scale, axes)

    return launch("dropout", run)


def _update(name: str, columns: list[list[torch.Tensor]], step: Callable[[], None]) -> bool:
    tensors = [t for c in columns for t in c]
    if not (usable(name, *tensors) and _dense(tensors)):
        return False
    return launch(name, lambda: step() or True) is not None


def sgd_(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    buffers: list[torch.Tensor],
    decay: list[bool],
    step: int,
    **hyper: object,
) -> bool:
    """:func:`.optim.sgd_` (in place) if it applies; False, with nothing written, if not."""

    def run() -> None:
        from .optim import sgd_ as fused

        fused(params, grads, buffers, decay, step, **hyper)  # type: ignore[arg-type]

    return _update("sgd", [params, grads, buffers], run)


def adam_(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    m: list[torch.Tensor],
    v: list[torch.Tensor],
    v_max: list[torch.Tensor],
    decay: list[bool],
    step: int,
    **hyper: object,
) -> bool:
    """:func:`.optim.adam_` (in place) if it applies; False, with nothing written, if not."""

    def run() -> None:
        from .optim import adam_ as fused

        fused(params, grads, m, v, v_max, decay, step, **hyper)  # type: ignore[arg-type]

    return _update("adam", [params, grads, m, v, v_max], run)


def sum_squares(leaves: list[torch.Tensor]) -> torch.Tensor | None:
    """:func:`.l2.sum_squares` (a 0-d float64 tensor, not differentiable) if it applies, else None."""
    if not (usable("l2", *leaves) and all(w.is_contiguous() and w.layout == torch.strided for w in leaves)):
        return None

    def run() -> torch.Tensor:
        from .l2 import sum_squares as fused

        return fused(leaves)

    return launch("l2", run)
