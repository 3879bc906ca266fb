"""Host time of the fused paths up to their launch: ``python -m benchmarks.host_overhead`` (any machine).

A fused step is one launch per dtype, so what the host does before it — validate, group, build the
address table — is the rest of its cost, and a CUDA-event timing with nothing queued (the harness's,
or a training step whose GPU is idle) counts it as device time. Here the kernels are replaced by
no-ops and the tensors are CPU tensors the dispatch is told to accept, so only the host work is timed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from unittest import mock

import torch

import torch_impl as ti
from torch_impl import kernels
from torch_impl import optim as ti_optim
from torch_impl.kernels import l2 as kernel_l2
from torch_impl.kernels import optim as kernel_optim

__all__ = ["measure"]


class _NoLaunch:
    def __getitem__(self, grid: tuple) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def _median_us(fn: Callable[[], object], reps: int) -> float:
    for _ in range(min(reps, 20)):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def measure(tensors: int = 64, reps: int = 400) -> dict[str, float]:
    """Median host µs per call of each fused path, launches stubbed, over ``tensors`` tensors."""
    params = [torch.zeros(4096, requires_grad=True) for _ in range(tensors)]
    for p in params:
        p.grad = torch.zeros(4096)
    stubs = [
        mock.patch.object(kernels, "usable", lambda name, *t: True),
        mock.patch.object(kernel_optim, "_sgd_kernel", _NoLaunch()),
        mock.patch.object(kernel_optim, "_adam_kernel", _NoLaunch()),
        mock.patch.object(kernel_l2, "_sum_squares_kernel", _NoLaunch()),
    ]
    for stub in stubs:
        stub.start()
    try:
        sgd = ti_optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4)
        adamw = ti_optim.AdamW(params, lr=1e-3, weight_decay=1e-2)
        out = {
            "SGD momentum step": _median_us(sgd.step, reps),
            "AdamW step": _median_us(adamw.step, reps),
            "l2_penalty": _median_us(lambda: ti.l2_penalty(params, 0.01), reps),
        }
    finally:
        for stub in stubs:
            stub.stop()
    paths = {name: kernels.status().get(name) for name in ("sgd", "adam", "l2")}
    if set(paths.values()) != {"triton"}:  # else an eager path was timed, not the fused path's host work
        raise RuntimeError(f"the fused dispatch was not taken: {paths}")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.host_overhead", description=__doc__)
    parser.add_argument("--tensors", type=int, default=64)
    parser.add_argument("--reps", type=int, default=400)
    args = parser.parse_args()
    for name, us in measure(args.tensors, args.reps).items():
        print(f"{name}: {us:.0f} us on the host per call ({args.tensors} tensors, launches stubbed)")
