"""The benchmark harness on tiny sizes, as a user runs it (``python -m benchmarks`` from the repository
root): every section runs, checks its variants against the reference, and reports ratios."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("torch")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_quick_run_checks_every_variant_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--device", "cpu", "--frameworks", "numpy,torch"]
    run = subprocess.run([*command, "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    sections = {r["section"] for r in rows}
    wanted = {
        "cpu: random bits uint32 2^12",
        "torch: first call in a fresh process: dropout fwd float32 1e3",
        "torch: first call in a fresh process: SGD momentum step, MLP 784-256-128-10",
        "torch: dropout fwd+bwd float32 1e3",
        "torch: AdamW float32 MLP 784-256-128-10",
    }
    assert wanted <= sections
    assert all(r["ms"] and r["ms"] > 0 for r in rows), [r for r in rows if not r["ms"]]
    ours = [r for r in rows if r["variant"].startswith(("torch_impl", "numpy_ref"))]
    assert ours and all(r["check"].startswith(("ok", "max 0 ULP", "rel. error", "float64")) for r in ours), ours
    assert any(r["ratio"].endswith("x") for r in rows)  # ratios against the frameworks' own ops
    assert "| section" in run.stdout


def test_summary_turns_results_into_one_markdown_table(tmp_path):
    row = {"section": "torch: copy", "variant": "tensor.copy_", "ms": 0.5, "ratio": "", "gbps_share": ["4000", "100%"]}
    (tmp_path / "torch.json").write_text(
        json.dumps({"meta": {"gpu": "X"}, "rows": [{**row, "check": "ok", "note": ""}]})
    )
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.summary", str(tmp_path)], cwd=ROOT, capture_output=True, text=True
    )
    assert "| torch: copy | tensor.copy_ | 0.500 |  | 4000 | 100% | ok |" in run.stdout


def test_host_overhead_times_every_fused_path_with_its_launch_stubbed():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.host_overhead", "--reps", "5", "--tensors", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["SGD momentum step", "AdamW step", "l2_penalty"]
    assert all(float(line.split(": ")[1].split()[0]) > 0 for line in lines)
