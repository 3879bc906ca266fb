"""The C kernels for the CPU (torch_impl/kernels/cpu.py, csrc/): numpy_ref's bits, the cache and the fallbacks.

Each kernel is held to numpy_ref bit for bit, IEEE specials included; float16 and bfloat16 on every one
of their 65536 values. The pure-tensor path that runs without a compiler (or with
``REGREF_CPU_COMPILE=0``) is held to the reference by the whole conformance suite, run here in a
subprocess on each CPU path.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
import torch

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from torch_impl import kernels, optim
from torch_impl.kernels import clib, cpu

if not (os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")):
    pytest.skip("the C kernels need a C compiler (their fallback is tested by the suite)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
DTYPES = ["float16", "bfloat16", "float32", "float64"]
SGD_OPTIONS = [
    dict(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, decoupled=False, maximize=False),
    dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=False, weight_decay=0.01, decoupled=False, maximize=False),
    dict(lr=0.05, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.02, decoupled=True, maximize=True),
]
ADAM_OPTIONS = [
    dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False),
    dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, decoupled=True, amsgrad=True, maximize=False),
    dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, decoupled=False, amsgrad=True, maximize=True),
]
SHAPES = [(3, 700), (5,), (2100,), (0,), (1,), (70_001,)]  # the last is split between threads
DECAY = [True, False, True, True, False, True]


@pytest.fixture(autouse=True)
def fresh_status(monkeypatch):
    monkeypatch.setattr(kernels, "_paths", {})
    monkeypatch.setattr(kernels, "_cpu_mode", "1")  # a kernel that fails to build fails the test


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    specials = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40, 1e-300], size=shape)
    x = np.where(rng.random(shape) < 0.2, specials, rng.standard_normal(shape))
    return x.astype(nr.dtypes.FLOAT_DTYPES[dtype])


def assert_same(got, want):
    got = ti.to_numpy(got) if isinstance(got, torch.Tensor) else got
    assert got.dtype == want.dtype and got.shape == want.shape
    assert bits_equal(got, want).all(), f"{(~bits_equal(got, want)).sum()} elements differ"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "p"), [((3,), 0.5), ((257, 129), 0.1), ((2, 3, 4099), 0.9), ((5, 70_001), 0.3)])
def test_dropout_forward_and_backward_are_the_references_bits(dtype, shape, p):
    x, d_y = sample(shape, dtype, 1), sample(shape, dtype, 2)
    x_t = ti.asarray(x).requires_grad_(True)
    y = ti.dropout(x_t, p, ti.key(7))
    (d_x,) = torch.autograd.grad(y, x_t, ti.asarray(d_y))
    assert kernels.status() == {"dropout-cpu": "c"}
    assert_same(y, nr.dropout(x, p, nr.key(7)))
    assert_same(d_x, nr.dropout_backward(d_y, nr.dropout_mask(nr.key(7), p, shape), p))


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
@pytest.mark.parametrize("p", [0.1, 1 / 3, 0.75, 1e-7, 0.999])
def test_every_16_bit_value_is_scaled_and_rounded_as_the_reference(dtype, p):
    """Subnormals, overflow to inf, ties, NaNs: the C code's own float16 and bfloat16 conversions."""
    x = np.arange(2**16, dtype=np.uint16).view(dtype)
    assert_same(ti.dropout(ti.asarray(x), p, ti.key(3)), nr.dropout(x, p, nr.key(3)))


def test_a_transposed_input_is_read_in_its_logical_order():
    x = sample((40, 70), "float32", 5)
    assert_same(
        ti.dropout(torch.from_numpy(x).T, 0.3, ti.key(5)), nr.dropout(np.ascontiguousarray(x.T), 0.3, nr.key(5))
    )


def test_words_masks_and_broadcast_dropout_are_drawn_by_the_kernel():
    x = sample((6, 50, 3), "float32", 4)
    assert_same(ti.random_bits(ti.key(4), (9, 70_001)), nr.random_bits(nr.key(4), (9, 70_001)))
    assert_same(ti.uniform(ti.key(4), (33,)), nr.uniform(nr.key(4), (33,)))
    assert_same(ti.bernoulli(ti.key(4), 0.3, (9, 70_001)), nr.bernoulli(nr.key(4), 0.3, (9, 70_001)))
    assert_same(
        ti.dropout_mask(ti.key(4), 0.6, (6, 50, 3), broadcast_dims=(1,)),
        nr.dropout_mask(nr.key(4), 0.6, (6, 50, 3), broadcast_dims=(1,)),
    )
    y = ti.dropout(torch.from_numpy(x), 0.5, ti.key(4), broadcast_dims=(0, 2))
    assert_same(y, nr.dropout(x, 0.5, nr.key(4), broadcast_dims=(0, 2)))
    assert kernels.status() == {"bits-cpu": "c"}  # broadcast dropout: the kernel's mask, then torch.where


@pytest.mark.parametrize("base", [2**32, 2**33, 2**64 - 2**12])
def test_words_across_the_counter_high_word(base):
    """A draw whose counters cross a multiple of 2**32: the high word takes part, as in the reference."""
    start, n = base - 1000, 3000 if base < 2**64 - 2**12 else 2**12
    index = np.arange(start, start + n, dtype=np.uint64)
    b0, b1 = nr.random.threefry2x32(nr.key(9), ((index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)))
    out = torch.empty(n, dtype=torch.int32)
    words = [int(w) for w in nr.key(9)]
    cpu._library("stream").regref_words(*words, start, n, out.data_ptr(), 2)
    np.testing.assert_array_equal(out.view(torch.uint32).numpy(), b0 ^ b1)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads the process's memory map (Linux)")
def test_the_kernels_run_on_torchs_own_openmp_runtime():
    """One OpenMP runtime in the process: the kernels' parallel regions use torch's thread pool."""
    ti.dropout(torch.randn(300_000), 0.5, ti.key(0))
    runtimes = set(re.findall(r"\S*/lib(?:gomp|iomp5|omp)[^/\s]*\.so[^/\s]*", Path("/proc/self/maps").read_text()))
    assert len(runtimes) <= 1, runtimes


@pytest.mark.parametrize("threads", [1, 3, 7])
def test_the_number_of_threads_does_not_change_a_bit(threads):
    before = torch.get_num_threads()
    x = sample((3, 100_003), "bfloat16", 6)
    try:
        torch.set_num_threads(threads)
        y = ti.dropout(ti.asarray(x), 0.2, ti.key(6))
        ws, _ = ti.adamw_step([ti.asarray(x)], [ti.asarray(x)], ti.adam_init([ti.asarray(x)]), lr=0.1)
    finally:
        torch.set_num_threads(before)
    assert_same(y, nr.dropout(x, 0.2, nr.key(6)))
    with np.errstate(all="ignore"):
        assert_same(ws[0], nr.adamw_step([x], [x], nr.adam_init([x]), lr=0.1)[0][0])


def leaves(dtype, seed):
    out = [sample(s, dtype, seed) for s in SHAPES]
    out[0][0, :3] = [np.inf, np.nan, 0.0]  # IEEE propagation is part of the contract
    return out


def tensors(arrays):
    return [ti.asarray(a) for a in arrays]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", SGD_OPTIONS)
def test_sgd_in_place_matches_the_reference(dtype, options):
    ws = leaves(dtype, 0)
    state = nr.sgd_init(ws)
    w_t, b_t = tensors(ws), tensors(state.momentum)
    for step in range(3):
        gs = leaves(dtype, 1 + step)
        with np.errstate(all="ignore"):  # inf − inf: the NaN is part of the contract
            ws, state = nr.sgd_step(ws, gs, state, decay_mask=DECAY, **options)
        cpu.sgd_(w_t, tensors(gs), b_t, DECAY, step, **options)
    for got, want in [*zip(w_t, ws), *zip(b_t, state.momentum)]:
        assert_same(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", ADAM_OPTIONS)
def test_adam_in_place_matches_the_reference(dtype, options):
    ws = leaves(dtype, 0)
    state = nr.adam_init(ws)
    w_t, moments = tensors(ws), [tensors(state.m), tensors(state.v), tensors(state.v_max)]
    for step in range(3):
        gs = leaves(dtype, 1 + step)
        with np.errstate(all="ignore"):
            ws, state = nr.adam_step(ws, gs, state, decay_mask=DECAY, **options)
        cpu.adam_(w_t, tensors(gs), *moments, DECAY, step, **options)
    for got, want in [
        *zip(w_t, ws),
        *zip(moments[0], state.m),
        *zip(moments[1], state.v),
        *zip(moments[2], state.v_max),
    ]:
        assert_same(got, want)


def test_functional_steps_run_the_kernels_on_copies():
    ws = [sample((30, 7), "float32", 1), sample((9,), "bfloat16", 2)]
    gs = [sample((30, 7), "float32", 3), sample((9,), "bfloat16", 4)]
    w_t, g_t = tensors(ws), tensors(gs)
    options = dict(lr=0.1, momentum=0.9, weight_decay=0.1)
    with np.errstate(all="ignore"):
        new, state = ti.sgd_step(
            *ti.sgd_step(w_t, g_t, ti.sgd_init(w_t), **options)[:1], g_t, ti.sgd_init(w_t), **options
        )
        want, want_state = nr.sgd_step(
            nr.sgd_step(ws, gs, nr.sgd_init(ws), **options)[0], gs, nr.sgd_init(ws), **options
        )
        adam, _ = ti.adam_step(w_t, g_t, ti.adam_init(w_t), lr=0.1, amsgrad=True, weight_decay=0.1)
        adam_want, _ = nr.adam_step(ws, gs, nr.adam_init(ws), lr=0.1, amsgrad=True, weight_decay=0.1)
    for got, expected in [*zip(new, want), *zip(state.momentum, want_state.momentum), *zip(adam, adam_want)]:
        assert_same(got, expected)
    for got, before in zip(w_t, ws):
        assert_same(got, before)  # written into copies only
    assert kernels.status() == {"sgd-cpu": "c", "adam-cpu": "c"}


def test_a_step_that_autograd_records_stays_on_tensor_ops():
    w = torch.ones(5, requires_grad=True)
    new, _ = ti.sgd_step([w], [torch.ones(5)], ti.sgd_init([w]), lr=0.1)
    assert new[0].grad_fn is not None and kernels.status() == {}
    with torch.no_grad():
        new, _ = ti.sgd_step([w], [torch.ones(5)], ti.sgd_init([w]), lr=0.1)
    assert new[0].grad_fn is None and kernels.status() == {"sgd-cpu": "c"}


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
        ("AdamW", dict(lr=0.01)),
        ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ],
)
def test_optimizers_step_in_place_as_the_tensor_op_path_does(name, options):
    """Mixed dtypes, a skipped gradient, a decay mask: the kernel's trajectory is the tensor ops' one."""
    ws = [*leaves("float32", 5)[:3], np.ones(4, np.float64), sample((8,), "bfloat16", 5)]
    params = [ti.asarray(w).requires_grad_(True) for w in ws]
    reference = [ti.asarray(w).requires_grad_(True) for w in ws]
    groups = lambda ps: [{"params": ps[:2], "decay_mask": [True, False]}, {"params": ps[2:]}]  # noqa: E731
    fused, eager = getattr(optim, name)(groups(params), **options), getattr(optim, name)(groups(reference), **options)
    for step in range(3):
        for ps, opt, on in [(params, fused, True), (reference, eager, False)]:
            gs = [*leaves("float32", 10 + step)[:3], np.full(4, 0.5), sample((8,), "bfloat16", step)]
            for i, (p, g) in enumerate(zip(ps, gs)):
                p.grad = None if (i == 1 and step == 1) else ti.asarray(g)
            with np.errstate(all="ignore"), contextlib.nullcontext() if on else kernels.disabled():
                opt.step()
    assert kernels.status()["sgd-cpu" if name == "SGD" else "adam-cpu"] == "c"
    for p, q in zip(params, reference):
        assert_same(p.detach(), ti.to_numpy(q.detach()))
        for key, value in eager.state[q].items():
            assert_same(fused.state[p][key], ti.to_numpy(value))


def test_tensor_subclasses_and_compiling_callers_take_the_tensor_op_path(monkeypatch):
    class Tagged(torch.Tensor):
        pass

    x = sample((10, 10), "float32")
    assert_same(ti.dropout(torch.from_numpy(x).as_subclass(Tagged), 0.5, ti.key(1)), nr.dropout(x, 0.5, nr.key(1)))
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    assert_same(ti.dropout(torch.from_numpy(x), 0.5, ti.key(1)), nr.dropout(x, 0.5, nr.key(1)))
    assert kernels.status() == {}


def test_the_sources_compile_without_warnings(tmp_path):
    cc = clib._compiler()
    for source in clib.SOURCES.glob("*.c"):
        command = [
            *cc,
            *clib.FLAGS,
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
            str(tmp_path / "x.so"),
            str(source),
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr


SCRIPT = """
import json, sys, torch, numpy as np
import numpy_ref as nr, torch_impl as ti
from torch_impl import kernels
x = np.linspace(-3, 3, 1000, dtype=np.float32)
t = torch.from_numpy(x)
y = ti.dropout(t, 0.5, ti.key(1))
w, _ = ti.sgd_step([t], [t], ti.sgd_init([t]), lr=0.5, momentum=0.9)
same = np.array_equal(y.numpy().view(np.int32), nr.dropout(x, 0.5, nr.key(1)).view(np.int32))
want = nr.sgd_step([x], [x], nr.sgd_init([x]), lr=0.5, momentum=0.9)[0][0]
print(json.dumps({"same": same and np.array_equal(w[0].numpy(), want), "status": kernels.status()}))
"""


def run_script(env: dict, script: str = SCRIPT) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("REGREF_CPU_COMPILE", "CC")}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, timeout=600
    )


def result(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


def test_each_library_is_built_once_into_the_cache_and_reused(tmp_path):
    first = result(run_script({"XDG_CACHE_HOME": str(tmp_path)}))
    built = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "regref" / "kernels").iterdir()}
    second = result(run_script({"XDG_CACHE_HOME": str(tmp_path)}))
    assert first == second == {"same": True, "status": {"dropout-cpu": "c", "sgd-cpu": "c"}}
    assert sorted(name.split("-")[0] for name in built) == ["sgd", "stream"]
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "regref" / "kernels").iterdir()} == built


def test_an_unwritable_cache_builds_in_a_directory_of_its_own(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    assert result(run_script({"XDG_CACHE_HOME": str(tmp_path / "file")})) == {
        "same": True,
        "status": {"dropout-cpu": "c", "sgd-cpu": "c"},
    }


def test_without_a_compiler_the_tensor_op_path_runs_and_says_why(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": str(tmp_path)}  # no cc, gcc or clang to be found
    got = result(run_script(env))
    assert got["same"] and set(got["status"]) == {"dropout-cpu", "sgd-cpu"}
    assert all(why.startswith("eager: RuntimeError: no C compiler") for why in got["status"].values())
    strict = run_script({**env, "REGREF_CPU_COMPILE": "1"})
    assert strict.returncode != 0 and "RuntimeError: no C compiler" in strict.stderr


def test_a_failing_build_falls_back_once_and_says_why(tmp_path):
    got = result(run_script({"XDG_CACHE_HOME": str(tmp_path), "CC": f"{sys.executable} -c 'raise SystemExit(1)'"}))
    assert got["same"] and all("could not build" in why for why in got["status"].values())


def test_mode_0_never_builds(tmp_path):
    assert result(run_script({"XDG_CACHE_HOME": str(tmp_path), "REGREF_CPU_COMPILE": "0"})) == {
        "same": True,
        "status": {},
    }
    assert not (tmp_path / "regref").exists()


def test_an_unknown_mode_is_refused_at_import():
    run = run_script({"REGREF_CPU_COMPILE": "yes"}, "import torch_impl")
    assert run.returncode != 0
    assert "REGREF_CPU_COMPILE must be one of ('auto', '1', '0'), got 'yes'" in run.stderr


@pytest.mark.parametrize(("mode", "paths"), [("1", {"dropout-cpu", "bits-cpu", "sgd-cpu", "adam-cpu"}), ("0", set())])
def test_the_conformance_suite_passes_on_each_cpu_path(mode, paths):
    """The whole suite for the torch backend, on the C kernels (required to build) or on tensor ops only."""
    script = (
        "import json, sys, pytest\n"
        "from torch_impl import kernels\n"
        "rc = pytest.main(['conformance', '-q', '--assert=plain', '--backend', 'torch'])\n"
        "print('STATUS', json.dumps(kernels.status()))\n"
        "sys.exit(rc)\n"
    )
    run = run_script({"REGREF_CPU_COMPILE": mode}, script)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    status = json.loads(run.stdout.split("STATUS ")[-1])
    assert set(status) == paths and set(status.values()) <= {"c"}
