"""``python -m benchmarks.gpu_checks``: every fused kernel against numpy_ref on fresh inputs, on the GPU.

Dropout forward and backward in all four dtypes, with broadcast dims, a key on either device and
subnormal, infinite and NaN inputs, bit for bit; SGD, Adam and AdamW through ``torch_impl.optim``
for several steps, in ULPs (expected 0); the L2 penalty's value and gradient. Exits non-zero if any
check fails or any kernel fell back to its eager path.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

import numpy_ref as nr
import torch_impl as ti
from torch_impl import kernels
from torch_impl import optim as ti_optim

from .checks import same_bits, ulps
from .guard import section
from .report import Report, Row

DTYPES = ["float16", "bfloat16", "float32", "float64"]
DEVICE = "cuda"  # a dry run elsewhere sets "cpu" (with the kernels interpreted and made usable)


def _sample(shape: tuple[int, ...], dtype: str, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(shape)
    tiny = np.finfo(nr.dtypes.FLOAT_DTYPES[dtype]).smallest_subnormal if dtype != "bfloat16" else 2.0**-133
    specials = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0, tiny, -3 * tiny, 1e30], size=shape)
    return np.where(rng.random(shape) < 0.05, specials, x).astype(nr.dtypes.FLOAT_DTYPES[dtype])


def dropout(report: Report, rng: np.random.Generator) -> None:
    cases = [(d, (257, 1031), (), "cpu") for d in DTYPES]
    cases += [("float32", (8, 33, 65), (0,), "cuda"), ("bfloat16", (4, 6, 33, 17), (2, 3), "cpu")]
    cases += [("float32", (3, 4, 5, 6, 7), (1, 3), "cuda"), ("float16", (1 << 20) + 3, (), "cuda")]
    for dtype, shape, axes, key_device in cases:
        name = f"dropout {dtype} {shape} broadcast {axes} key on {key_device}"
        with section(report, name, 30):
            seed = int(rng.integers(0, 2**63))
            p = float(rng.choice([0.1, 0.5, 0.9]))
            x = _sample(shape if isinstance(shape, tuple) else (shape,), dtype, rng)
            d_y = _sample(x.shape, dtype, rng)
            x_t = ti.asarray(x, device=DEVICE).requires_grad_(True)
            k = ti.asarray(nr.key(seed), device=key_device if key_device == "cpu" else DEVICE)
            y = ti.dropout(x_t, p, k, broadcast_dims=axes)
            (d_x,) = torch.autograd.grad(y, x_t, ti.asarray(d_y, device=DEVICE))
            with np.errstate(all="ignore"):
                want = nr.dropout(x, p, nr.key(seed), broadcast_dims=axes)
                want_dx = nr.dropout_backward(d_y, nr.dropout_mask(nr.key(seed), p, x.shape, broadcast_dims=axes), p)
            check = same_bits(ti.to_numpy(y), want)
            check = check if check != "ok (bits)" else same_bits(ti.to_numpy(d_x), want_dx)
            report.add(Row(name, kernels.status().get("dropout", "eager"), check=check))


OPTIMIZERS = {
    "SGD momentum coupled": (ti_optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), "sgd"),
    "SGD nesterov decoupled maximize": (
        ti_optim.SGD,
        dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01, decoupled=True, maximize=True),
        "sgd",
    ),
    "Adam coupled amsgrad": (ti_optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True), "adam"),
    "AdamW": (ti_optim.AdamW, dict(lr=0.01, weight_decay=0.1), "adam"),
}


def optimizers(report: Report, rng: np.random.Generator) -> None:
    for dtype in ["bfloat16", "float32", "float64"]:
        for rule, (cls, options, kernel) in OPTIMIZERS.items():
            name = f"{rule} {dtype}"
            with section(report, name, 30):
                shapes = [(300, 257), (7,), (4096,)]
                ws = [_sample(s, dtype, rng) for s in shapes]
                params = [ti.asarray(w, device=DEVICE).requires_grad_(True) for w in ws]
                opt = cls([{"params": params[:2], "decay_mask": [True, False]}, {"params": params[2:]}], **options)
                functional = nr.sgd_step if cls is ti_optim.SGD else nr.adam_step
                extra = {k: v for k, v in options.items()}
                if cls is ti_optim.AdamW:
                    extra["decoupled"] = True
                state = nr.sgd_init(ws) if cls is ti_optim.SGD else nr.adam_init(ws)
                worst = 0.0
                for _ in range(3):
                    gs = [_sample(s, dtype, rng) for s in shapes]
                    for p, g in zip(params, gs):
                        p.grad = ti.asarray(g, device=DEVICE)
                    opt.step()
                    with np.errstate(all="ignore"):
                        ws, state = functional(ws, gs, state, decay_mask=[True, False, True], **extra)
                    worst = max(worst, *(ulps(ti.to_numpy(p.detach()), w) for p, w in zip(params, ws)))
                check = f"max {worst:g} ULP vs numpy_ref" + ("" if worst == 0 else " (NOT bit-identical)")
                report.add(Row(name, kernels.status().get(kernel, "eager"), check=check))


def l2(report: Report, rng: np.random.Generator) -> None:
    for dtype in DTYPES:
        name = f"L2 penalty {dtype}"
        with section(report, name, 30):
            ws = [rng.standard_normal(s).astype(nr.dtypes.FLOAT_DTYPES[dtype]) for s in [(1000, 77), (5,), (1 << 16,)]]
            params = [ti.asarray(w, device=DEVICE).requires_grad_(True) for w in ws]
            value = ti.l2_penalty(params, 0.01)
            grads = torch.autograd.grad(value, params)
            with kernels.disabled():
                eager_params = [ti.asarray(w, device=DEVICE).requires_grad_(True) for w in ws]
                eager_grads = torch.autograd.grad(ti.l2_penalty(eager_params, 0.01), eager_params)
            want = float(nr.l2_penalty(ws, 0.01))
            n = sum(w.size for w in ws)
            error = abs(float(value.detach()) - want) / want
            ok = error <= (n + 1) * 2**-53 and all(torch.equal(a, b) for a, b in zip(grads, eager_grads))
            report.add(
                Row(
                    name,
                    kernels.status().get("l2", "eager"),
                    check=("ok" if ok else "MISMATCH") + f" rel. error {error:.1e}",
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_checks")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    report = Report("cuda")
    report.path = args.json
    report.prefix = "check: "
    rng = np.random.default_rng()
    dropout(report, rng)
    optimizers(report, rng)
    l2(report, rng)
    report.meta["kernel paths"] = kernels.status()
    print(report.table())
    print("kernel paths:", kernels.status())
    report.save()
    bad = [r for r in report.rows if not (r.check.startswith("ok") or r.check.startswith("max 0 ULP"))]
    fell_back = [k for k, v in kernels.status().items() if v != "triton"]
    return 1 if bad or fell_back else 0


if __name__ == "__main__":
    sys.exit(main())
