"""``regref check`` (table, JSON, Markdown, exit codes), and the dispatch to ``--native`` and ``demo``."""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from conftest import REPO

from conformance.cli import main


def regref(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "conformance", *args]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_check_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    options = ["--backend", "numpy", "--format", "json", "--output", str(out)]
    result = regref("check", *options, "--", "-k", "protocol", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["ok"] and [c["name"] for c in report["columns"]] == ["numpy"]
    rows = {(r["op"], r["aspect"]): r["cells"]["numpy"]["status"] for r in report["rows"]}
    assert rows[("backend", "protocol")] == "pass" and rows[("adam", "protocol")] == "pass"


def test_check_prints_a_table_and_fails_on_a_missing_backend(tmp_path: Path) -> None:
    result = regref("check", "--backend", "numpy", "--backend", "no_such_backend", "--", "-k", "protocol", cwd=tmp_path)
    assert result.returncode == 1
    assert "regref conformance (ci profile)" in result.stdout and "(not installed)" in result.stdout
    assert "no_such_backend: not installed: ModuleNotFoundError" in result.stdout
    assert "1 failing test(s)" in result.stdout


def test_check_writes_markdown(tmp_path: Path) -> None:
    result = regref("check", "--backend", "numpy", "--format", "markdown", "--", "-k", "errors", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| op | aspect | numpy |" in result.stdout and "| dropout | errors | ✅ pass |" in result.stdout


def test_a_broken_run_exits_2(tmp_path: Path) -> None:
    result = regref("check", "--backend", "numpy", "--", "--no-such-pytest-option", cwd=tmp_path)
    assert result.returncode == 2 and "the suite did not run" in result.stderr


def test_native_is_dispatched_or_explained(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "conformance.native.report", None)  # importing it raises ModuleNotFoundError
    assert main(["check", "--native"]) == 2
    assert "regref check --native is not available yet" in capsys.readouterr().err
    seen = []
    fake = types.SimpleNamespace(main=lambda args: seen.append(args) or 3)
    monkeypatch.setitem(sys.modules, "conformance.native.report", fake)
    assert main(["check", "--native", "--format", "json"]) == 3 and seen == [["--format", "json"]]


def test_demo_is_dispatched_or_explained(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    seen = []
    monkeypatch.setitem(sys.modules, "experiments.cli", types.SimpleNamespace(main=lambda argv: seen.append(argv) or 0))
    assert main(["demo", "dropout", "--epochs", "1"]) == 0 and seen == [["dropout", "--epochs", "1"]]
    monkeypatch.setitem(sys.modules, "experiments.cli", None)
    assert main(["demo"]) == 2 and "regref demo is not available yet" in capsys.readouterr().err


def test_other_commands_print_usage(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2 and "usage: regref" in capsys.readouterr().err
