"""The plugin makes `ci` the default Hypothesis profile for regref's sessions only."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import settings

from conformance.plugin import CI_EXAMPLES


def test_regref_sessions_default_to_the_ci_profile(pytestconfig):
    if pytestconfig.getoption("hypothesis_profile") is None:
        assert settings().derandomize and settings().max_examples == CI_EXAMPLES


def test_other_projects_keep_their_own_hypothesis_settings(tmp_path):
    (tmp_path / "test_theirs.py").write_text(
        "from hypothesis import settings\n"
        "def test_default_profile():\n"
        "    assert settings().max_examples == 100 and not settings().derandomize\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:regref",
            "-p",
            "conformance.plugin",
            "test_theirs.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
