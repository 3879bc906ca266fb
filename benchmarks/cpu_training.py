"""CPU: what a training loop calls every step — torch_impl's dropout and update rules — against torch's own.

``python -m benchmarks --device cpu`` runs this module in fresh processes of its own
(``python -m benchmarks.cpu_training``): first two that time only the first calls of a process (set-up:
loading the C kernels, or building them into an empty cache), then one that times every section from
the second call on. A section times ``--calls`` calls of each variant taking turns
(:func:`benchmarks.timing.interleaved_ms`): medians (the table's ms) and minima (its notes), on inputs
rotated through twice the cache.

Variants: torch_impl on its default CPU path (the kernel path in brackets: ``c``), torch_impl on its
tensor-op path (``kernels.disabled()``: what runs without a C compiler), and torch's own: ``F.dropout``;
``torch.optim`` with ``foreach=True`` (the baseline) and with ``fused=True``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

import numpy_ref as nr
import torch_impl as ti
from torch_impl import kernels

from .checks import same_bits, ulps, valid_dropout
from .guard import section
from .report import Report, Row
from .timing import interleaved_ms
from .torch_dropout import count, fresh_check, inputs, slice_check
from .torch_optim import RULES, checked_step, optimizer_classes, with_grads

__all__ = ["run"]

P = 0.5
CPU = torch.device("cpu")
MLP = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]  # the chapter's 784-256-128-10
LAYOUTS = {"MLP 784-256-128-10": MLP, "1e7 in 10 tensors": [(10**6,)] * 10}


def _tensor_ops(fn: Callable[[int], object]) -> Callable[[int], object]:
    def call(i: int) -> object:
        with kernels.disabled():
            return fn(i)

    return call


def _dropout_name(n: int, dtype: torch.dtype, backward: bool) -> str:
    return f"dropout {'fwd+bwd' if backward else 'fwd'} {str(dtype).removeprefix('torch.')} {count(n)}"


def _dropout(report: Report, n: int, dtype: torch.dtype, calls: int, backward: bool) -> None:
    name = _dropout_name(n, dtype, backward)
    xs = inputs(n, dtype, CPU, grad=backward)
    d_y = torch.randn(n).to(dtype)
    seeds = [int(s) for s in np.random.default_rng().integers(0, 2**63, len(xs))]
    keys = [ti.key(s) for s in seeds]

    def pass_of(op: Callable[[torch.Tensor, int], torch.Tensor]) -> Callable[[int], object]:
        def call(i: int) -> object:
            x = xs[i % len(xs)]
            y = op(x, i)
            return torch.autograd.grad(y, x, d_y) if backward else y

        return call

    ours = pass_of(lambda x, i: ti.dropout(x, P, keys[i % len(xs)]))
    theirs = pass_of(lambda x, i: F.dropout(x, P, training=True))
    checks = []
    for path in (contextlib.nullcontext(), kernels.disabled()):
        with path:
            check = fresh_check(dtype, CPU, P)
            y = ti.dropout(xs[0], P, keys[0])
            checks.append(check if check != "ok (bits)" else slice_check(xs[0], y, seeds[0], P))
    x0 = xs[0].detach()
    checks.append(valid_dropout(ti.to_numpy(x0), ti.to_numpy(F.dropout(x0, P, training=True)), P))
    times = interleaved_ms([ours, _tensor_ops(ours), theirs], calls)
    path = kernels.status().get("dropout-cpu", "tensor ops")
    moved = 2 * (torch.finfo(dtype).bits // 8) * n * (2 if backward else 1)
    labels = [f"torch_impl ({path})", "torch_impl (tensor ops)", "F.dropout"]
    for label, (ms, fastest), check in zip(labels, times, checks):
        report.add(Row(name, label, ms, calls, moved, label == "F.dropout", check, f"min {fastest:.3g} ms"))


def _optimizers(report: Report, layout: str, calls: int) -> None:
    shapes = LAYOUTS[layout]
    n = sum(int(np.prod(s)) for s in shapes)
    for rule, (options, _, _) in RULES.items():
        name = f"{rule} float32 {layout}"
        with section(report, name, 600):
            ours_cls, torch_cls = optimizer_classes(rule)
            variants = [
                ("torch_impl.optim", ours_cls, {}, contextlib.nullcontext),
                ("torch_impl.optim (tensor ops)", ours_cls, {}, kernels.disabled),
                ("torch foreach=True", torch_cls, {"foreach": True}, contextlib.nullcontext),
                ("torch fused=True", torch_cls, {"fused": True}, contextlib.nullcontext),
            ]
            steps, checks = [], []
            for variant, cls, extra, path in variants:
                opt = cls(with_grads(shapes, CPU), **options, **extra)
                with path():
                    worst = max(checked_step(opt, rule, variant.startswith("torch_impl"), step) for step in range(2))
                checks.append(f"max {worst:g} ULP vs numpy_ref")
                step = lambda i, opt=opt: opt.step()  # noqa: E731
                steps.append(_tensor_ops(step) if path is kernels.disabled else step)
            times = interleaved_ms(steps, calls)
            kernel = kernels.status().get("sgd-cpu" if rule == "SGD momentum" else "adam-cpu", "tensor ops")
            moved = n * 4 * (5 if rule == "SGD momentum" else 7)  # read w, g, state; write w, state
            for (variant, *_), (ms, fastest), check in zip(variants, times, checks):
                label = f"{variant} ({kernel})" if variant == "torch_impl.optim" else variant
                baseline = variant == "torch foreach=True"
                report.add(Row(name, label, ms, calls, moved, baseline, check, f"min {fastest:.3g} ms"))


def _first_calls(report: Report, cache: str) -> None:
    """The first call of this process to torch_impl's dropout and to an optimizer step (then torch's own),
    each checked against numpy_ref."""
    x = torch.randn(1000)
    options = RULES["SGD momentum"][0]
    ours_cls, torch_cls = optimizer_classes("SGD momentum")
    params = with_grads(MLP, CPU)
    before = [(ti.to_numpy(p.detach()).copy(), ti.to_numpy(p.grad).copy()) for p in params]
    ours_sgd, torch_sgd = ours_cls(params, **options), torch_cls(with_grads(MLP, CPU), foreach=True, **options)

    def dropout_check(y: torch.Tensor) -> str:
        return same_bits(ti.to_numpy(y), nr.dropout(ti.to_numpy(x), P, nr.key(0)))

    def sgd_check(_: object) -> str:
        ws, gs = (list(c) for c in zip(*before))
        want = nr.sgd_step(ws, gs, nr.sgd_init(ws), **options)[0]
        return f"max {max(ulps(ti.to_numpy(p.detach()), w) for p, w in zip(params, want)):g} ULP vs numpy_ref"

    where = (lambda source: f"cold cache: builds {source}") if cache == "cold" else (lambda _: "library in the cache")
    dropout, sgd = "dropout fwd float32 1e3", "SGD momentum step, MLP 784-256-128-10"
    calls = [
        (dropout, f"torch_impl.dropout ({where('stream.c')})", lambda: ti.dropout(x, P, ti.key(0)), dropout_check),
        (sgd, f"torch_impl.optim.SGD ({where('sgd.c')})", ours_sgd.step, sgd_check),
    ]
    if cache == "cached":
        calls += [
            (dropout, "F.dropout", lambda: F.dropout(x, P, training=True), None),
            (sgd, "torch.optim.SGD foreach=True", torch_sgd.step, None),
        ]
    for title, variant, call, check in calls:
        t0 = time.perf_counter()
        out = call()
        ms = (time.perf_counter() - t0) * 1e3
        row = Row(f"first call in a fresh process: {title}", variant, ms, 1, 0, check is None)
        row.check = check(out) if check else ""
        report.add(row)


def _child(report: Report, args: list[str], env: dict[str, str]) -> None:
    """Run this module in a fresh process and add its rows to ``report``."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "rows.json")
        command = [sys.executable, "-m", "benchmarks.cpu_training", *args, "--json", out]
        try:
            subprocess.run(command, env={**os.environ, **env}, timeout=3000, check=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            report.add(Row("cpu training", "-", check=f"FAILED: {error}"))
        if os.path.exists(out):
            fields = {f.name for f in dataclasses.fields(Row)}
            with open(out) as f:
                for row in json.load(f)["rows"]:
                    report.add(Row(**{k: v for k, v in row.items() if k in fields}))


def run(report: Report, sizes: list[int], calls: int, quick: bool) -> None:
    """The set-up of a fresh process (with a cold and with a warm kernel cache), then every section."""
    with tempfile.TemporaryDirectory() as cache:  # a cache of the run's own: the user's is left alone
        for kind in ("cold", "cached"):
            _child(report, ["--first-calls", kind], {"XDG_CACHE_HOME": cache})
    sizes_arg = ",".join(str(n) for n in sizes)
    _child(report, ["--sizes", sizes_arg, "--calls", str(calls), *(["--quick"] if quick else [])], {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cpu_training", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000,10000000", help="dropout sizes")
    parser.add_argument("--calls", type=int, default=15, help="timed calls per variant, after the first")
    parser.add_argument("--first-calls", choices=["cold", "cached"], help="time only the first calls")
    parser.add_argument("--quick", action="store_true", help="float32 and the MLP only: a smoke test")
    parser.add_argument("--json", required=True, help="write the rows here")
    args = parser.parse_args(argv)
    report = Report("cpu")
    report.path, report.prefix = args.json, "torch: "
    if args.first_calls:
        _first_calls(report, args.first_calls)
        return 0
    dtypes = [torch.float32] if args.quick else [torch.float32, torch.bfloat16]
    for dtype in dtypes:
        for n in (int(float(s)) for s in args.sizes.split(",")):
            for backward in (False, True):
                with section(report, _dropout_name(n, dtype, backward), 600):
                    _dropout(report, n, dtype, args.calls, backward)
    for layout in list(LAYOUTS)[: 1 if args.quick else None]:
        _optimizers(report, layout, args.calls)
    report.meta["kernel paths"] = kernels.status()
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
