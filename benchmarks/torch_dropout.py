"""torch dropout on CUDA: torch_impl (Triton) against ``F.dropout``; the checks and inputs the CPU rows share."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

import numpy_ref as nr
import torch_impl as ti
from torch_impl import kernels

from .checks import dropout_slices, reference_dropout_slice, same_bits, valid_dropout
from .guard import section
from .report import Report, Row
from .timing import Timer, rotation

__all__ = ["copy", "count", "dropout", "fresh_check", "high_word", "inputs", "memory", "slice_check"]

P = 0.1


def count(n: int) -> str:
    """``2^k`` for a power of two, ``1eK`` for a power of ten, else ``1.5e+06``-style."""
    if n & (n - 1) == 0:
        return f"2^{int(math.log2(n))}"
    return f"1e{len(str(n)) - 1}" if str(n).strip("0") == "1" else f"{n:.1e}"


def _cache(device: torch.device) -> int:
    if device.type == "cuda":
        return getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 64 << 20)
    return 64 << 20


def inputs(n: int, dtype: torch.dtype, device: torch.device, grad: bool = False) -> list[torch.Tensor]:
    k = rotation(n * torch.finfo(dtype).bits // 8, _cache(device))
    g = torch.Generator(device=device).manual_seed(int(np.random.SeedSequence().entropy % 2**62))
    return [torch.randn(n, generator=g, device=device).to(dtype).requires_grad_(grad) for _ in range(k)]


def _ours_name(device: torch.device) -> str:
    fused = device.type == "cuda" and kernels.status().get("dropout") == "triton"
    return "torch_impl (triton)" if fused else "torch_impl (eager)"


def fresh_check(dtype: torch.dtype, device: torch.device, p: float = P) -> str:
    """torch_impl on a fresh input, forward and backward, against numpy_ref bit for bit."""
    seed = int(np.random.SeedSequence().entropy % 2**64)
    x = nr.dtypes.FLOAT_DTYPES[str(dtype).removeprefix("torch.")]
    x = np.random.default_rng(seed).standard_normal((517, 1031)).astype(x)
    x_t = ti.asarray(x, device=str(device)).requires_grad_(True)
    y = ti.dropout(x_t, p, ti.key(seed))
    (d_x,) = torch.autograd.grad(y, x_t, y.detach())
    want = nr.dropout(x, p, nr.key(seed))
    forward, backward = same_bits(ti.to_numpy(y), want), same_bits(ti.to_numpy(d_x), nr.dropout(want, p, nr.key(seed)))
    return forward if forward != "ok (bits)" else backward


def slice_check(x: torch.Tensor, y: torch.Tensor, seed: int, p: float = P) -> str:
    """The timed output itself, on three slices, against numpy_ref."""
    for start in dropout_slices(x.numel()):
        xs = ti.to_numpy(x.detach().reshape(-1)[start : start + (1 << 14)])
        got = ti.to_numpy(y.detach().reshape(-1)[start : start + (1 << 14)])
        result = same_bits(got, reference_dropout_slice(xs, p, nr.key(seed), start))
        if result != "ok (bits)":
            return f"{result} (slice at {start})"
    return "ok (bits)"


def copy(report: Report, timer: Timer, device: torch.device, n: int) -> None:
    with section(report, f"copy float32 {count(n)}", 60):
        xs, out = inputs(n, torch.float32, device), torch.empty(n, device=device)
        ms, reps = timer.median_ms(lambda i: out.copy_(xs[i % len(xs)]))
        check = "ok" if torch.equal(out, xs[(reps + 1) % len(xs)]) else "MISMATCH"
        report.add(Row(f"copy float32 {count(n)}", "tensor.copy_", ms, reps, 8 * n, True, check))
        report.set_copy(8 * n / ms / 1e6)


def dropout(report: Report, timer: Timer, device: torch.device, n: int, dtype: torch.dtype, eager: bool) -> None:
    """Forward, and forward + backward, of torch_impl and F.dropout on ``n`` elements of ``dtype`` (CUDA)."""
    for passes in ("fwd", "fwd+bwd"):
        name = f"dropout {passes} {str(dtype).removeprefix('torch.')} {count(n)}"
        with section(report, name, 90):
            _dropout_pass(report, timer, device, n, dtype, eager and passes == "fwd", name, passes == "fwd+bwd")


def _dropout_pass(
    report: Report,
    timer: Timer,
    device: torch.device,
    n: int,
    dtype: torch.dtype,
    eager: bool,
    name: str,
    backward: bool,
) -> None:
    xs = inputs(n, dtype, device, grad=backward)
    d_y = torch.randn(n, device=device).to(dtype)
    seeds = [int(s) for s in np.random.default_rng().integers(0, 2**63, len(xs))]
    keys = [ti.key(s) for s in seeds]

    def ours(i: int) -> object:
        x = xs[i % len(xs)]
        y = ti.dropout(x, P, keys[i % len(xs)])
        return torch.autograd.grad(y, x, d_y) if backward else y

    def theirs(i: int) -> object:
        x = xs[i % len(xs)]
        y = F.dropout(x, P, training=True)
        return torch.autograd.grad(y, x, d_y) if backward else y

    bytes_moved = 2 * (torch.finfo(dtype).bits // 8) * n * (2 if backward else 1)
    check = fresh_check(dtype, device)
    check = check if check != "ok (bits)" else slice_check(xs[0], ti.dropout(xs[0], P, keys[0]), seeds[0])
    ms, reps = timer.median_ms(ours)
    report.add(Row(name, _ours_name(device), ms, reps, bytes_moved, check=check))
    if eager:
        with kernels.disabled():
            ms, reps = Timer(timer.kind, timer.budget_s, 5).median_ms(ours)
        report.add(Row(name, "torch_impl (eager)", ms, reps, bytes_moved, check="same code path as CPU"))
    x0 = xs[0].detach()
    check = valid_dropout(ti.to_numpy(x0), ti.to_numpy(F.dropout(x0, P, training=True)), P)
    ms, reps = timer.median_ms(theirs)
    report.add(Row(name, "F.dropout", ms, reps, bytes_moved, True, check))


def memory(report: Report, device: torch.device, n: int) -> None:
    """Bytes kept alive between forward and backward (beyond the output): the stored mask, or nothing."""
    name = f"dropout saved for backward float32 {count(n)}"
    with section(report, name, 60):
        x = torch.randn(n, device=device, requires_grad=True)
        for variant, op in [
            ("torch_impl", lambda: ti.dropout(x, P, ti.key(1))),
            ("F.dropout", lambda: F.dropout(x, P)),
        ]:
            torch.cuda.synchronize()
            before = torch.cuda.memory_allocated(device)
            y = op()
            torch.cuda.synchronize()
            saved = torch.cuda.memory_allocated(device) - before - y.numel() * y.element_size()
            report.add(Row(name, variant, note=f"{saved / 2**20:.0f} MiB saved for backward"))
            del y


def high_word(report: Report, device: torch.device) -> None:
    """2**32 + 2**16 float16 elements: the counter's high word, on the slices around 2**32."""
    name = "dropout 2^32+2^16 float16 (counter high word)"
    with section(report, name, 60):
        n = 2**32 + 2**16
        x = torch.randn(n // 2**16, 2**16, device=device, dtype=torch.float16).reshape(-1)
        y = ti.dropout(x, P, ti.key(77))
        for start in [0, 2**32 - 2**13, 2**32, n - 2**14]:
            xs, got = ti.to_numpy(x[start : start + 2**14]), ti.to_numpy(y[start : start + 2**14])
            check = same_bits(got, reference_dropout_slice(xs, P, nr.key(77), start))
            if check != "ok (bits)":
                break
        report.add(Row(name, _ours_name(device), check=check))
        del x, y
