"""Building the C kernels (torch_impl/kernels/clib.py): the cache, the fallbacks, and the suite on each CPU path.

Each test runs a fresh Python process, as a user's first call would: with a cache of its own, without
a compiler, with a failing one, with ``REGREF_CPU_COMPILE`` set. The bits themselves are
tests/test_kernels_cpu.py's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from torch_impl.kernels import clib

if not (os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")):
    pytest.skip("the C kernels need a C compiler (their fallback is tested by the suite)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]


def test_the_sources_compile_without_warnings(tmp_path):
    """As ISO C11, with OpenMP (the flags of the first build attempt but -march=native)."""
    cc = clib._compiler()
    for source in clib.SOURCES.glob("*.c"):
        command = [
            *cc,
            *clib.FLAGS,
            "-fopenmp",
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


def test_a_compiler_without_openmp_builds_a_single_threaded_library(tmp_path):
    """The third build attempt: no -march=native, no -fopenmp; the same bits on one thread."""
    wrapper = tmp_path / "cc.py"
    compiler = clib._compiler()
    wrapper.write_text(
        "import subprocess, sys\n"
        "if '-fopenmp' in sys.argv or '-march=native' in sys.argv:\n"
        "    sys.exit('refused')\n"
        f"sys.exit(subprocess.call({compiler!r} + sys.argv[1:]))\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path), "CC": f"{sys.executable} {wrapper}", "REGREF_CPU_COMPILE": "1"}
    assert result(run_script(env)) == {"same": True, "status": {"dropout-cpu": "c", "sgd-cpu": "c"}}


def test_mode_0_never_builds(tmp_path):
    assert result(run_script({"XDG_CACHE_HOME": str(tmp_path), "REGREF_CPU_COMPILE": "0"})) == {
        "same": True,
        "status": {},
    }
    assert not (tmp_path / "regref").exists()


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads the process's memory map (Linux)")
def test_the_kernels_add_no_openmp_runtime_of_their_own():
    """The kernels' parallel regions run on the OpenMP runtime torch loaded (its thread pool), not a second one."""
    script = (
        "import json, re, torch, torch_impl as ti\n"
        "runtime = re.compile(r'\\S*/lib(?:gomp|iomp5|omp)[^/\\s]*\\.so[^/\\s]*')\n"
        "omp = lambda: set(runtime.findall(open('/proc/self/maps').read()))\n"
        "before = omp()\n"
        "ti.dropout(torch.randn(300_000), 0.5, ti.key(0))\n"
        "ti.sgd_step([torch.ones(9)], [torch.ones(9)], ti.sgd_init([torch.ones(9)]), lr=0.1)\n"
        "print(json.dumps({'before': sorted(before), 'after': sorted(omp())}))\n"
    )
    got = result(run_script({}, script))
    assert got["after"] == got["before"]


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
