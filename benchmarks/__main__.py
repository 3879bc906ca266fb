"""``python -m benchmarks``: time regref against the frameworks' own ops; see :mod:`benchmarks`."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys

from .guard import section
from .report import Report, Row
from .timing import Timer


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda if torch sees one, else cpu")
    parser.add_argument("--frameworks", default="numpy,torch,jax", help="comma-separated subset of numpy,torch,jax")
    parser.add_argument("--log2n", type=int, help="elements per benchmark (GPU default 28, CPU 22)")
    parser.add_argument("--cpu-sizes", default="1e3,1e4,1e5,1e6,1e7", help="torch CPU dropout sizes")
    parser.add_argument("--calls", type=int, default=15, help="CPU training rows: timed calls per variant")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing per variant")
    parser.add_argument("--no-eager", action="store_true", help="skip the slow eager torch_impl paths on the GPU")
    parser.add_argument("--no-high-word", action="store_true", help="skip the 2^32-element dropout check")
    parser.add_argument("--json", help="write the full results here")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and budgets: a smoke test")
    return parser.parse_args(argv)


def _versions(frameworks: set[str]) -> dict[str, str]:
    import numpy

    out = {"numpy": numpy.__version__, "machine": platform.machine(), "cpus": str(os.cpu_count())}
    for name in ("torch", "jax", "triton", "optax", "flax"):
        if (name in frameworks or name in ("triton", "optax", "flax")) and importlib.util.find_spec(name):
            out[name] = __import__(name).__version__
    return out


def _torch(report: Report, args: argparse.Namespace, log2n: int) -> None:
    import torch

    from torch_impl import kernels

    from . import torch_dropout, torch_optim

    device, n = torch.device(args.device), 2**log2n
    timer = Timer(args.device, args.budget)
    torch_dropout.copy(report, timer, device, n)
    if device.type == "cpu":  # dropout and the update rules in fresh processes of their own (issue 15's rows)
        from . import cpu_training

        sizes = [10**3] if args.quick else [int(float(s)) for s in args.cpu_sizes.split(",")]
        cpu_training.run(report, sizes, 3 if args.quick else args.calls, args.quick)
        torch_optim.l2(report, timer, device, n)
        return
    with section(report, "device", 30):
        report.meta["gpu"] = torch.cuda.get_device_name()
    torch_dropout.dropout(report, timer, device, n, torch.float32, eager=not args.no_eager)
    torch_dropout.dropout(report, timer, device, n, torch.bfloat16, eager=False)
    torch_dropout.memory(report, device, n)
    _dropout_configs(report, timer, n)
    if not args.no_high_word:
        torch_dropout.high_word(report, device)
    torch_optim.optimizers(report, timer, device, n)
    torch_optim.l2(report, timer, device, n)
    report.meta["kernel paths"] = kernels.status()
    if not args.quick and importlib.util.find_spec("triton"):
        with section(report, "kernel SASS", 60):
            from .kernel_asm import counts

            report.meta["kernel SASS"] = counts()


def _dropout_configs(report: Report, timer: Timer, n: int) -> None:
    """The fused dropout's (block, warps) choices, forward on float32: which CONFIG to ship."""
    import torch

    import torch_impl as ti
    from torch_impl.dropout import dropout_scale
    from torch_impl.keep import keep_threshold
    from torch_impl.kernels import dropout

    name = f"dropout kernel configs float32 2^{n.bit_length() - 1}"
    with section(report, name, 60):
        x = torch.randn(n, device="cuda")
        words = ti.key(3).view(torch.int32)
        for block, warps in [(1024, 4), (2048, 8), (2048, 4), (4096, 8), (4096, 16), (8192, 16)]:
            config = {"block": block, "num_warps": warps}
            call = (x, words, keep_threshold(0.9), dropout_scale(0.1, x.dtype), ())
            want = dropout.masked_scale(*call)
            same = torch.equal(dropout.masked_scale(*call, config=config).view(torch.int32), want.view(torch.int32))
            ms, reps = timer.median_ms(lambda i, config=config, call=call: dropout.masked_scale(*call, config=config))
            report.add(
                Row(name, f"block {block}, {warps} warps", ms, reps, 8 * n, check="same bits" if same else "DIFFERENT")
            )


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    frameworks = {f for f in args.frameworks.split(",") if f == "numpy" or importlib.util.find_spec(f)}
    if args.device is None:
        args.device = "cuda" if "torch" in frameworks and __import__("torch").cuda.is_available() else "cpu"
    log2n = args.log2n or (12 if args.quick else 28 if args.device == "cuda" else 22)
    if args.quick:
        args.budget = min(args.budget, 0.02)
    report = Report(args.device)
    report.path = args.json
    report.meta.update(_versions(frameworks))
    if args.device == "cpu":
        from . import cpu_cases

        report.prefix = "cpu: "
        cpu_cases.random_bits(report, Timer("cpu", args.budget), log2n, frameworks)
    if "torch" in frameworks:
        report.prefix = "torch: "
        _torch(report, args, log2n)
    if "jax" in frameworks and (args.device == "cuda" or args.quick):
        from . import jax_cases

        report.prefix = "jax: "
        import jax

        if args.device == "cuda" and jax.devices()[0].platform != "gpu":
            report.add(Row("setup", "-", check=f"FAILED: jax has no GPU ({jax.devices()})"))
        else:
            jax_cases.run(report, log2n, args.budget)
    print()
    print(report.table())
    report.save()
    print(json.dumps(report.meta, indent=1, default=str))
    failed = [r for r in report.rows if r.check.startswith(("MISMATCH", "FAILED", "TIMEOUT", "INVALID", "DIFFERENT"))]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
