"""Running the conformance suite in a subprocess, as a user would, and reading back what failed."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).parent / "broken"
KILL_TABLE = pytest.StashKey[list]()  # test_planted_bugs.py's table, printed at the end of the run


def plugin_args() -> list[str]:
    """Nothing when regref is installed (its pytest11 entry point loads the plugin), else load it by module."""
    installed = any(ep.name == "regref" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "conformance.plugin"]


def run_pytest(
    args: list[str], cwd: Path, path: tuple[Path, ...] = (), env: dict | None = None
) -> subprocess.CompletedProcess:
    """``python -m pytest ARGS`` in ``cwd`` with ``path`` (and the checkout) importable; output captured."""
    environ = {k: v for k, v in os.environ.items() if k not in ("REGREF_BACKEND", "PYTEST_ADDOPTS")}
    environ["PYTHONPATH"] = os.pathsep.join(str(p) for p in [*path, REPO])
    environ.update(env or {})
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *plugin_args(), *args]
    return subprocess.run(cmd, cwd=cwd, env=environ, capture_output=True, text=True, timeout=600, check=False)


def failures(junit: Path) -> dict[str, str]:
    """``{"test_name[params]": failure text}`` from a JUnit XML report (the suite's test names are unique)."""
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failed = case.find("failure")
        if failed is not None:
            out[str(case.get("name"))] = (failed.get("message") or "") + "\n" + (failed.text or "")
    return out


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if KILL_TABLE in config.stash:
        terminalreporter.section("planted bugs: the first check each one fails (default profile)")
        for line in config.stash[KILL_TABLE]:
            terminalreporter.write_line(line)
