"""Fused kernels behind the ports' dispatch points: Triton for CUDA tensors, C for CPU tensors.

Each kernel computes, in one pass over memory, exactly what the eager path of its dispatch point
computes (the same bits for dropout and the stream; the same roundings, one IEEE op each, for the
update rules):

- :mod:`.dropout`: the Threefry word, keep decision and scaling of each element in registers
  (``torch_impl.dropout._masked_scale``);
- :mod:`.optim`: SGD and Adam updates in place, all tensors of a group in one launch
  (``torch_impl.optim``);
- :mod:`.l2`: ``Σ w²`` accumulated in float64 without a float64 copy (``torch_impl.l2``);
- :mod:`.cpu`: on the CPU, dropout, the stream's words and keep masks, and the SGD and Adam steps
  (in place for ``torch_impl.optim``, on copies for the functional steps), as C loops built once per
  machine (:mod:`.clib`).

A Triton kernel is used when its tensors are on a CUDA device and ``triton`` imports; a C kernel when
they are CPU tensors (not subclasses) outside ``torch.compile``, and ``REGREF_CPU_COMPILE`` is not
``0`` (a functional step also not while autograd records it). If a kernel fails to compile or launch,
it is switched off for the rest of the process and the eager path (tensor ops) runs instead; the
failure is logged (logger ``torch_impl.kernels``, level INFO), not warned, and :func:`status` reports
it — except with ``REGREF_CPU_COMPILE=1``, where a C kernel's failure is raised. :func:`disabled`
forces the eager paths, for comparisons.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from functools import cache
from types import ModuleType
from typing import TypeVar

import torch

from . import cpu

__all__ = [
    "adam_",
    "disabled",
    "functional_step",
    "keep_mask",
    "launch",
    "masked_scale",
    "random_bits",
    "sgd_",
    "status",
    "sum_squares",
    "usable",
]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

_enabled = os.environ.get("REGREF_KERNELS", "1") != "0"
_paths: dict[str, str] = {}  # kernel name -> "triton" / "c", or "eager: <why>" once it failed
_CPU_MODES = ("auto", "1", "0")
_cpu_mode = os.environ.get("REGREF_CPU_COMPILE", "auto")
if _cpu_mode not in _CPU_MODES:
    raise ValueError(f"REGREF_CPU_COMPILE must be one of {_CPU_MODES}, got {_cpu_mode!r}")
_PLAIN = (torch.Tensor, torch.nn.Parameter)  # not subclasses whose data_ptr is not theirs (DTensor, fakes)


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
    """``run()``, or None (and kernel ``name`` off from now on) if it raises: the caller then runs its eager path.

    A C kernel's failure is raised instead with ``REGREF_CPU_COMPILE=1``.
    """
    try:
        out = run()
    except Exception as error:  # a compiler or driver failure can be any exception type
        if path == "c" and _cpu_mode == "1":
            raise
        _paths[name] = f"eager: {type(error).__name__}: {error}"
        _log.info("%s kernel %r failed; using the eager path from now on: %s", path, name, error, exc_info=True)
        return None
    if out is not None:  # None: the kernel declined (a constant mask, say) and nothing ran
        _paths[name] = path
    return out


def status() -> dict[str, str]:
    """Per kernel that ran: ``"triton"`` or ``"c"`` (``<name>-cpu``), or ``"eager: <why>"`` once it failed."""
    return dict(_paths)


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Run the eager paths inside the block (benchmarks and tests compare the two)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def on_cpu(name: str, *tensors: torch.Tensor) -> bool:
    """Whether C kernel ``name`` should run on ``tensors``: plain CPU tensors, outside ``torch.compile``, not off."""
    if not _enabled or _cpu_mode == "0" or _paths.get(name, "").startswith("eager"):
        return False
    if torch.compiler.is_compiling():  # tracing: fake tensors, and the caller's compiler fuses the eager ops
        return False
    if getattr(torch._C, "_are_functorch_transforms_active", lambda: False)():  # torch.func: wrapped tensors
        return False
    for t in tensors:  # a loop, not all(...): per-step host time on 20 tensors
        if type(t) not in _PLAIN or not t.is_cpu:
            return False
    return True


def _dense(tensors: list[torch.Tensor]) -> bool:
    """Contiguous, strided, of one dtype: what one grouped launch (:mod:`.groups`) takes."""
    dtype, strided = tensors[0].dtype, torch.strided
    for t in tensors:
        if t.dtype is not dtype or t.layout is not strided or not t.is_contiguous():
            return False
    return True


def masked_scale(
    x: torch.Tensor, key_words: torch.Tensor, threshold: int, scale: float, axes: tuple[int, ...]
) -> torch.Tensor | None:
    """:func:`.dropout.masked_scale` (CUDA) or :func:`.cpu.masked_scale` (CPU) where it applies, else None.

    ``threshold`` is never 0 or ``2**23`` here: a constant mask draws nothing (the eager path's case).
    """
    if usable("dropout", x):

        def run() -> torch.Tensor | None:
            from .dropout import masked_scale as fused

            return fused(x, key_words, threshold, scale, axes)

        return launch("dropout", run)
    if axes or not on_cpu("dropout-cpu", x):
        return None
    return launch("dropout-cpu", lambda: cpu.masked_scale(x, key_words, threshold, scale), "c")


def random_bits(key_words: torch.Tensor, n: int) -> torch.Tensor | None:
    """:func:`.cpu.random_bits` for a CPU key, else None."""
    if not on_cpu("bits-cpu", key_words):
        return None
    return launch("bits-cpu", lambda: cpu.random_bits(key_words, n), "c")


def keep_mask(key_words: torch.Tensor, threshold: int, n: int, device: torch.device) -> torch.Tensor | None:
    """:func:`.cpu.keep_mask` for a mask on the CPU (``0 < threshold < 2**23``), else None."""
    if device.type != "cpu" or not on_cpu("bits-cpu", key_words):
        return None
    return launch("bits-cpu", lambda: cpu.keep_mask(key_words, threshold, n), "c")


def _update(name: str, columns: list[list[torch.Tensor]], step: Callable[[str], None]) -> bool:
    """``step("triton")`` on CUDA or ``step("c")`` on the CPU, where a kernel applies; whether one ran."""
    tensors = [t for c in columns for t in c]
    if not _dense(tensors):
        return False
    if usable(name, *tensors):
        return launch(name, lambda: step("triton") or True) is not None
    if on_cpu(f"{name}-cpu", *tensors):
        return launch(f"{name}-cpu", lambda: step("c") or True, "c") is not None
    return False


def _module(path: str) -> ModuleType:
    if path == "c":
        return cpu
    from . import optim

    return optim


def sgd_(
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    buffers: list[torch.Tensor],
    decay: list[bool],
    step: int,
    **hyper: object,
) -> bool:
    """:func:`.optim.sgd_` or :func:`.cpu.sgd_` (in place) if one applies; False, with nothing written, if not."""

    def run(path: str) -> None:
        _module(path).sgd_(params, grads, buffers, decay, step, **hyper)  # type: ignore[arg-type]

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
    """:func:`.optim.adam_` or :func:`.cpu.adam_` (in place) if one applies; False, with nothing written, if not."""

    def run(path: str) -> None:
        _module(path).adam_(params, grads, m, v, v_max, decay, step, **hyper)  # type: ignore[arg-type]

    return _update("adam", [params, grads, m, v, v_max], run)


def functional_step(
    rule: str, columns: list[list[torch.Tensor]], decay: list[bool], step: int, **hyper: object
) -> list[list[torch.Tensor]] | None:
    """A functional step of ``rule`` (``"sgd"``, ``"adam"``) on CPU tensors by its in-place C kernel, on copies.

    ``columns`` are the params, the grads and the state's buffers; the result the new params and
    buffers (fresh tensors, contiguous), one kernel call per dtype. None where the kernel does not apply
    to all of them, having written only into the copies; and whenever autograd should record the step
    (grad mode on and a leaf requiring grad), which the eager ops do.
    """
    tensors = [t for c in columns for t in c]
    if not tensors or not on_cpu(f"{rule}-cpu", *tensors):
        return None
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return None
    params, grads, *buffers = columns
    out = [[t.clone(memory_format=torch.contiguous_format) for t in c] for c in [params, *buffers]]
    grads = [g.contiguous() for g in grads]
    update = sgd_ if rule == "sgd" else adam_
    for dtype in dict.fromkeys(t.dtype for t in params):
        chosen = [i for i, t in enumerate(params) if t.dtype is dtype]
        new, old = [[c[i] for i in chosen] for c in out], [[c[i] for i in chosen] for c in (grads, decay)]
        if not update(new[0], old[0], *new[1:], old[1], step, **hyper):
            return None
    return out


def sum_squares(leaves: list[torch.Tensor]) -> torch.Tensor | None:
    """:func:`.l2.sum_squares` (a 0-d float64 tensor, not differentiable) if it applies, else None."""
    if not (usable("l2", *leaves) and all(w.is_contiguous() and w.layout == torch.strided for w in leaves)):
        return None

    def run() -> torch.Tensor:
        from .l2 import sum_squares as fused

        return fused(leaves)

    return launch("l2", run)
