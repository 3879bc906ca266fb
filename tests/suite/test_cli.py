"""``regref check``: the report in its three formats, exit codes, and a run that is never lost — arguments, the
output and the backends checked before any test runs, Ctrl-C reporting what finished, no stray files."""

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
from conftest import BROKEN, REPO
from rich.text import Text

from regref.check import _deliver, _text
from regref.cli import main
from regref.usage import writable

INTERRUPT_PLUGIN = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    if "test_exports_the_api" in item.name:
        raise KeyboardInterrupt
"""


def regref(*args: str, cwd: Path, path: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    """``python -m regref ARGS`` in ``cwd``, with the cache (Hypothesis's home) under ``cwd`` too."""
    env = {
        "PYTHONPATH": os.pathsep.join(map(str, (*path, REPO))),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(cwd / "cache"),
    }
    cmd = [sys.executable, "-m", "regref", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_check_writes_json_into_a_folder_it_creates(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "report.json"  # the format follows the suffix
    result = regref("check", "--backend", "numpy", "--output", str(out), "--", "-k", "protocol", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["ok"] and [c["name"] for c in report["columns"]] == ["numpy"]
    rows = {(r["op"], r["aspect"]): r["cells"]["numpy"]["status"] for r in report["rows"]}
    assert rows[("backend", "protocol")] == "pass" and rows[("adam", "protocol")] == "pass"
    assert report["verdict"].startswith("all checks pass") and f"report written to {out}" in result.stderr


def test_check_writes_markdown_with_a_legend(tmp_path: Path) -> None:
    result = regref("check", "--backend", "numpy", "--format", "markdown", "--", "-k", "errors", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| op | aspect | numpy |" in result.stdout and "| dropout | errors | ✅ pass |" in result.stdout


def test_the_table_explains_itself(tmp_path: Path) -> None:
    result = regref("check", "--", "-k", "l2 and (values or compiled or statistics)", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "N ulp" in out and "units in the last place" in out
    # jax's listed deviation, with its reason from conformance/deviations/jax.toml, under the table
    assert "deviation (jax · l2 values)" in out and "Without jax_enable_x64 JAX has no float64" in out
    assert "—" in out and "no test of the row applies to the backend" in out  # numpy has no compiled row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "toch"], "no backend 'toch'"),
        (["--format", "jsn"], "argument --format: invalid choice: 'jsn'"),
        (["--format", "json", "--output", "r.md"], "--format json contradicts --output r.md (markdown)"),
        (["--output", "a_file/report.md"], "--output a_file/report.md: cannot create its folder"),
        (["--output", "."], "--output . is a folder"),
        (["--profile", "deeep"], "argument --profile: invalid choice: 'deeep'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line_before_any_test(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("")
    monkeypatch.setattr("regref.check._run_suite", lambda *a: pytest.fail("the suite ran"))
    assert main(["check", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("regref check: error: ")
    assert message in captured.err and captured.out == ""


def test_an_unknown_backend_lists_the_registered_ones_and_the_closest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--backend", "toch"]) == 2
    assert "registered backends: jax, numpy, torch; did you mean 'torch'?" in capsys.readouterr().err
    (tmp_path / "myport.py").write_text("")
    monkeypatch.setenv("REGREF_BACKEND", "myprot")  # a typo of the file beside the user is found too
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "no backend 'myprot'" in err and "did you mean 'myport'?" in err


def test_a_missing_framework_names_its_extra(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    monkeypatch.setattr("regref.check._run_suite", lambda *a: pytest.fail("the suite ran"))
    assert main(["check", "--backend", "numpy", "--backend", "torch"]) == 2
    err = capsys.readouterr().err
    want = "--backend torch needs PyTorch, which is not installed: pip install 'regref[torch]'"
    assert err == f"regref check: error: {want}\n"


def test_ctrl_c_prints_the_report_of_what_finished(tmp_path: Path) -> None:
    (tmp_path / "interrupt_plugin.py").write_text(INTERRUPT_PLUGIN)
    args = ["check", "--backend", "numpy", "--", "-k", "protocol", "-p", "interrupt_plugin"]
    result = regref(*args, cwd=tmp_path, path=(tmp_path,))
    assert result.returncode == 130, result.stderr[-3000:]
    assert re.search(r"│ backend +│ protocol +│ pass +│", result.stdout)  # test_imports finished before Ctrl-C
    assert "regref check: interrupted after 1 of" in result.stderr and "the report has those" in result.stdout


def test_no_stray_files_where_it_runs(tmp_path: Path) -> None:
    result = regref("check", "--backend", "numpy", "--", "-k", "dropout_statistics", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
    assert (tmp_path / "cache" / "regref" / "hypothesis").is_dir()


def test_failures_come_grouped_the_most_specific_first(tmp_path: Path) -> None:
    """A port with one bug: six blocks (one per test and op), the broken invariant first, not 14 messages."""
    result = regref("check", "--backend", "scale_one_minus_p", "--", "-k", "dropout", cwd=tmp_path, path=(BROKEN,))
    assert result.returncode == 1
    blocks = [line for line in result.stdout.splitlines() if line.startswith("✗ ")]
    values = "✗ scale_one_minus_p · dropout values · "
    assert blocks[0] == "✗ scale_one_minus_p · dropout invariants · 1 test · dtypes bfloat16 · shapes ()"
    assert blocks[1].startswith("✗ scale_one_minus_p · dropout statistics")
    assert blocks[2:] == [
        values + "3 tests · dtypes float16, float32, float64 · shapes (1,); ()",
        *[values + "4 tests · dtypes float16, bfloat16, float32, float64 · shapes ()"] * 2,
        values + "1 test · dtypes float16 · shapes ()",  # the draw on the boundary
    ]
    assert result.stdout.count("reproduce:") == 5 and "14 failing test(s)" in result.stdout


def test_the_table_fits_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.report import Column, Report

    report = Report("t", [Column(name) for name in ("jax", "numpy", "torch")])
    for op in ("weight_decay", "dropout"):
        for aspect in ("trajectories", "statistics"):
            for name in ("jax", "numpy", "torch"):
                report.add(op, aspect, name, "pass", {"ulp": 3.0, "p-value": 0.00051})
    monkeypatch.setenv("COLUMNS", "80")
    text = Text.from_ansi(_text(report, "all checks pass (1 s)", ok=True, terminal=True)).plain
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "p-value ≥" in text and "the smallest p-value of the row's exact statistical tests" in text


def test_help_mentions_the_pytest_passthrough(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "[-- PYTEST_ARGS...]" in out and "Arguments after -- go to pytest" in out


def test_a_broken_run_exits_2(tmp_path: Path) -> None:
    result = regref("check", "--backend", "numpy", "--", "--no-such-pytest-option", cwd=tmp_path)
    assert result.returncode == 2 and "the suite did not run" in result.stderr


def test_native_is_dispatched_with_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    fake = types.SimpleNamespace(main=lambda args: seen.append(args) or 3)
    monkeypatch.setitem(sys.modules, "conformance.native.report", fake)
    assert main(["check", "--native", "--format", "json"]) == 3 and seen == [["--format", "json"]]


def test_demo_is_dispatched(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    fake = types.SimpleNamespace(main=lambda argv: seen.append(argv) or 0)
    monkeypatch.setitem(sys.modules, "regref.demos.cli", fake)
    assert main(["demo", "dropout", "--epochs", "1"]) == 0 and seen == [["dropout", "--epochs", "1"]]


def test_a_report_that_cannot_be_written_after_all_is_printed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "gone" / "report.md"
    writable(out, "--output")  # checked and created before the run; then the folder is replaced by a file
    out.parent.rmdir()
    out.parent.write_text("")
    _deliver("the report\n", out)
    captured = capsys.readouterr()
    assert captured.out == "the report\n" and f"cannot write {out}" in captured.err
