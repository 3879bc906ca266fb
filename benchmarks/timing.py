"""Medians of per-call times on a device: CUDA events, JAX ``block_until_ready``, or the wall clock."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Timer", "interleaved_ms", "rotation"]


def rotation(bytes_per_input: int, cache_bytes: int) -> int:
    """How many inputs to cycle through so that together they are twice the cache (at least 1)."""
    return max(1, min(64, math.ceil(2 * cache_bytes / max(bytes_per_input, 1))))


def interleaved_ms(fns: list[Callable[[int], Any]], calls: int) -> list[tuple[float, float]]:
    """Wall-clock ``(median, min)`` in ms of ``calls`` calls of each of ``fns``, after one untimed first call each.

    The calls take turns (``fns[0](i)``, ``fns[1](i)``, …, then ``i + 1``), so that load which comes and
    goes on a shared machine weighs on every variant alike. It comes in bursts, though: a call that
    finds the other core taken waits for it at its next fork/join (milliseconds), so under load the
    times of every variant are bimodal and a median of few calls can land in either mode; the
    minimum says what a call costs on an otherwise idle machine.
    """
    for fn in fns:
        fn(0)
    times: list[list[float]] = [[] for _ in fns]
    for i in range(1, calls + 1):
        for fn, record in zip(fns, times):
            t0 = time.perf_counter()
            fn(i)
            record.append((time.perf_counter() - t0) * 1e3)
    return [(statistics.median(record), min(record)) for record in times]


class Timer:
    """``median_ms(fn)``: warm up, choose a repetition count for ``budget_s``, return the median in ms."""

    def __init__(self, kind: str, budget_s: float = 1.0, max_reps: int = 50) -> None:
        self.kind, self.budget_s, self.max_reps = kind, budget_s, max_reps

    def _once(self, fn: Callable[[int], Any], i: int) -> float:
        if self.kind == "cuda":
            import torch

            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn(i)
            end.record()
            end.synchronize()
            return start.elapsed_time(end)
        t0 = time.perf_counter()
        out = fn(i)
        if self.kind == "jax":
            import jax

            jax.block_until_ready(out)
        return (time.perf_counter() - t0) * 1e3

    def host_note(self, fn: Callable[[int], Any], reps: int = 20) -> str:
        """On CUDA, the median host time to *issue* ``fn`` (the device synchronised after, not counted).

        :meth:`median_ms` counts it as device time when nothing else is queued (the device idles from
        the start event until the first launch), as a training step with an idle GPU would; this note
        tells the two apart. Empty elsewhere, where host time is the whole time.
        """
        if self.kind != "cuda":
            return ""
        import torch

        times = []
        for i in range(reps):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn(i)
            times.append(time.perf_counter() - t0)
        torch.cuda.synchronize()
        return f"host {statistics.median(times) * 1e6:.0f} us to issue"

    def median_ms(self, fn: Callable[[int], Any]) -> tuple[float, int]:
        """``fn(i)`` runs repetition ``i``; returns (median ms, repetitions)."""
        first = self._once(fn, 0)  # compiles, allocates
        second = self._once(fn, 1)
        reps = int(max(3, min(self.max_reps, self.budget_s * 1e3 / max(min(first, second), 1e-3))))
        times = [self._once(fn, 2 + i) for i in range(reps)]
        return statistics.median(times), reps
