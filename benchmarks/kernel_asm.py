"""What the compiled kernels execute: SASS instruction counts per element, from Triton's own toolchain.

Compiles for the local GPU, or for sm_90 (H100/H200) where there is none — ``ptxas`` and ``nvdisasm``
ship with the triton wheel, so this runs on any Linux x86 machine. Used to check that rotations are
funnel shifts (``SHF``), that loads are vectorised (``LDG.E.128``) and that no multiply-add was
contracted in the update rules (no ``FFMA`` outside division and square root).
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import tempfile

import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

__all__ = ["counts"]


def _target() -> GPUTarget:
    try:
        return triton.runtime.driver.active.get_current_target()
    except Exception:  # no GPU driver: the H100/H200 generation
        return GPUTarget("cuda", 90, 32)


def _sass_ops(kernel: object) -> collections.Counter:
    tools = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin")
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(kernel.asm["cubin"])  # type: ignore[attr-defined]
        f.flush()
        sass = subprocess.run([f"{tools}/nvdisasm", "-c", f.name], capture_output=True, text=True, check=True).stdout
    pattern = re.compile(r"/\*[0-9a-f]{4}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]+)")
    return collections.Counter(m.group(1) for line in sass.splitlines() if (m := pattern.search(line)))


def _compile(fn: object, signature: dict, constants: dict, aligned: tuple = (), **options: object) -> object:
    """``aligned``: arguments a launch would specialise as multiples of 16 (aligned pointers, sizes)."""
    names = list(signature)
    attrs = {(names.index(a),): [["tt.divisibility", 16]] for a in aligned}
    src = ASTSource(
        fn=fn, signature=signature, constexprs={(names.index(k),): v for k, v in constants.items()}, attrs=attrs
    )
    return triton.compile(src, target=_target(), options=options)


def counts() -> dict[str, dict]:
    """Per kernel: elements per thread, SASS instructions per element, and the opcodes that matter."""
    from torch_impl.kernels import dropout, optim

    out = {}
    runs = {f"{a}{g}": "i32" for g in range(3) for a in ("inner", "size", "stride")}
    sig = {"x_ptr": "*fp32", "y_ptr": "*fp32", "key_ptr": "*i32", "k0": "i32", "k1": "i32", "bound": "i32"}
    sig |= {"scale": "fp64", "n": "i32", **runs} | dict.fromkeys(
        ("KEY_IN_MEMORY", "KEPT_RUNS", "WIDE", "BLOCK"), "constexpr"
    )
    block, warps = dropout.CONFIG["block"], dropout.CONFIG["num_warps"]
    k = _compile(
        dropout._dropout_kernel,
        sig,
        dict(KEY_IN_MEMORY=False, KEPT_RUNS=-1, WIDE=False, BLOCK=block),
        ("x_ptr", "y_ptr", "n"),
        num_warps=warps,
    )
    out["dropout float32"] = _summary(_sass_ops(k), block // (32 * warps), k.asm["ptx"].count("shf.l.wrap"))
    base = {"table_ptr": "*i64", "owners_ptr": "*i32"}
    scalars = (
        "lr",
        "beta1",
        "one_minus_beta1",
        "beta2",
        "one_minus_beta2",
        "correction1",
        "correction2",
        "eps",
        "lam",
        "shrink",
    )
    flags = ("DTYPE", "CT", "DECAY", "MAXIMIZE", "AMSGRAD", "ALIGNED", "BLOCK")
    sig = base | dict.fromkeys(scalars, "fp64") | dict.fromkeys(flags, "constexpr")
    consts = dict(
        DTYPE=tl.float32, CT=tl.float32, DECAY=2, MAXIMIZE=False, AMSGRAD=False, ALIGNED=True, BLOCK=optim.BLOCK
    )
    k = _compile(optim._adam_kernel, sig, consts, num_warps=4, enable_fp_fusion=False)
    out["adamw float32"] = _summary(_sass_ops(k), optim.BLOCK // 128, 0)
    return out


def _summary(ops: collections.Counter, per_thread: int, ptx_funnel_shifts: int) -> dict:
    total = sum(ops.values())
    keys = ("SHF", "LOP3", "IADD3", "IMAD", "VIADD", "FFMA", "FMUL", "FADD", "LDG", "STG")
    by_kind = {k: sum(v for op, v in ops.items() if op.split(".")[0] == k) for k in keys}
    return {
        "elements per thread": per_thread,
        "SASS instructions per element": round(total / per_thread, 1),
        "per element": {k: round(v / per_thread, 1) for k, v in by_kind.items() if v},
        "vector loads (LDG.E.128)": ops.get("LDG.E.128", 0),
        "PTX shf.l.wrap": ptx_funnel_shifts,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(counts(), indent=1))
