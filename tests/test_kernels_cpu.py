"""The compiled CPU dropout (torch_impl.kernels.cpu): numpy_ref's bits, its tiering and its fallback.

Each dtype costs one Inductor compile (~20 s on 2 cores with a cold cache), so the bit-for-bit tests
take float32 and bfloat16 (the two compute paths: float32 in, float32 out; float32 arithmetic rounded
to a 16-bit type); every other test reuses the float32 graph.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

import numpy_ref as nr
import torch_impl as ti
from conformance.ulp import bits_equal
from torch_impl import kernels
from torch_impl.dropout import dropout_scale
from torch_impl.keep import keep_threshold
from torch_impl.kernels import cpu
from torch_impl.threefry import _schedule

if not (shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")):
    pytest.skip("Inductor's CPU backend needs a C++ compiler", allow_module_level=True)


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    specials = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40], size=shape)
    x = np.where(rng.random(shape) < 0.2, specials, rng.standard_normal(shape))
    return x.astype(nr.dtypes.FLOAT_DTYPES[dtype])


def assert_same(got, want):
    got = ti.to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert bits_equal(got, want).all(), f"{(~bits_equal(got, want)).sum()} elements differ"


@pytest.fixture
def fresh_tiering(monkeypatch):
    """A process that has not yet dropped anything out, and has no kernel status."""
    monkeypatch.setattr(kernels, "_paths", {})
    monkeypatch.setattr(kernels, "_cpu_elements", 0)
    monkeypatch.setattr(kernels, "_cpu_mode", "auto")


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize(("shape", "p", "seed"), [((3,), 0.5, 0), ((257, 129), 0.1, 1), ((2, 3, 4099), 0.9, 2)])
def test_forward_and_backward_are_the_references_bits(fresh_tiering, dtype, shape, p, seed):
    x, d_y = sample(shape, dtype, seed), sample(shape, dtype, seed + 100)
    with kernels.cpu_compiled():
        x_t = ti.asarray(x).requires_grad_(True)
        y = ti.dropout(x_t, p, ti.key(seed))
        (d_x,) = torch.autograd.grad(y, x_t, ti.asarray(d_y))
    assert kernels.status() == {"dropout-cpu": "inductor"}
    assert_same(y, nr.dropout(x, p, nr.key(seed)))
    assert_same(d_x, nr.dropout_backward(d_y, nr.dropout_mask(nr.key(seed), p, shape), p))


def test_a_transposed_input_is_read_in_its_logical_order(fresh_tiering):
    x = sample((40, 70), "float32", 5)
    with kernels.cpu_compiled():
        y = ti.dropout(torch.from_numpy(x).T, 0.3, ti.key(5))
    assert_same(y, nr.dropout(np.ascontiguousarray(x.T), 0.3, nr.key(5)))


def test_counters_past_two_to_the_32_carry_into_the_high_word():
    """The compiled graph with its start index near 2**32 against numpy_ref's block function."""
    start, n, p = 2**32 - 1000, 3000, 0.25
    x = sample((n,), "float32", 7)
    consts = torch.tensor(_schedule(ti.key(7).view(torch.int32), torch.device("cpu")), dtype=torch.int32)
    bound = torch.tensor(((keep_threshold(1 - p) << 9) - 2**31), dtype=torch.int32)
    scale = torch.tensor(dropout_scale(p, torch.float32), dtype=torch.float32)
    got = cpu._compiled()(torch.from_numpy(x), consts, torch.tensor(start, dtype=torch.int64), bound, scale)
    index = np.arange(start, start + n, dtype=np.uint64)
    b0, b1 = nr.random.threefry2x32(nr.key(7), ((index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)))
    uniform = (((b0 ^ b1) >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)
    assert_same(got, nr.dropout_forward(x, uniform < np.float32(1 - p), p))


def test_a_process_switches_to_the_compiled_path_once_hot(fresh_tiering, monkeypatch):
    monkeypatch.setattr(cpu, "HOT_ELEMENTS", 10_000)
    x = sample((4000,), "float32", 3)
    for call in range(4):  # 4000, 8000, 12000, 16000 elements seen: the third call is the first over
        y = ti.dropout(torch.from_numpy(x), 0.5, ti.key(call))
        assert_same(y, nr.dropout(x, 0.5, nr.key(call)))
        assert ("dropout-cpu" in kernels.status()) == (call >= 2)


def test_never_compiled_with_mode_0_or_with_kernels_disabled(fresh_tiering, monkeypatch):
    monkeypatch.setattr(cpu, "HOT_ELEMENTS", 0)
    monkeypatch.setattr(kernels, "_cpu_mode", "0")
    ti.dropout(torch.ones(100), 0.5, ti.key(0))
    monkeypatch.setattr(kernels, "_cpu_mode", "1")
    with kernels.disabled():
        ti.dropout(torch.ones(100), 0.5, ti.key(0))
    assert kernels.status() == {}


def test_broadcast_axes_and_constant_masks_stay_on_the_eager_path(fresh_tiering):
    x = sample((6, 50), "float32", 4)
    with kernels.cpu_compiled():
        y = ti.dropout(torch.from_numpy(x), 0.5, ti.key(4), broadcast_dims=(0,))
        z = ti.dropout(torch.from_numpy(x), 0.0, ti.key(4))
    assert_same(y, nr.dropout(x, 0.5, nr.key(4), broadcast_dims=(0,)))
    assert_same(z, nr.dropout(x, 0.0, nr.key(4)))
    assert kernels.status() == {}


def test_a_failing_compile_falls_back_once_and_logs(fresh_tiering, monkeypatch, caplog):
    def broken():
        raise RuntimeError("no C++ compiler here")

    monkeypatch.setattr(cpu, "_compiled", broken)
    x = sample((10, 10), "float32")
    with kernels.cpu_compiled(), caplog.at_level(logging.INFO, logger="torch_impl.kernels"):
        for _ in range(2):
            assert_same(ti.dropout(torch.from_numpy(x), 0.5, ti.key(1)), nr.dropout(x, 0.5, nr.key(1)))
    assert kernels.status() == {"dropout-cpu": "eager: RuntimeError: no C++ compiler here"}
    assert [r.getMessage().endswith("no C++ compiler here") for r in caplog.records] == [True]


def test_an_unknown_mode_is_refused_at_import():
    env = {**os.environ, "REGREF_CPU_COMPILE": "yes"}
    run = subprocess.run(
        [sys.executable, "-c", "import torch_impl.kernels"], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0
    assert "REGREF_CPU_COMPILE must be one of ('auto', '1', '0'), got 'yes'" in run.stderr


def test_the_conformance_suite_passes_on_the_compiled_path():
    """Every dropout test of the suite, every dtype, with the compiled path taken from the first call."""
    script = (
        "import json, sys, pytest\n"
        "from torch_impl import kernels\n"
        "rc = pytest.main(['conformance', '-q', '--assert=plain', '--backend', 'torch', '-k', 'dropout'])\n"
        "print('STATUS', json.dumps(kernels.status()))\n"
        "sys.exit(rc)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "REGREF_CPU_COMPILE": "1"}
    run = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    assert 'STATUS {"dropout-cpu": "inductor"}' in run.stdout
