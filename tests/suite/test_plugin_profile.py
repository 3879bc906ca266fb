"""The plugin makes `regref-ci` the default Hypothesis profile for regref's sessions only, and leaves
every other project's settings — including Hypothesis's own `ci` profile on CI machines — as they were."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import _settings as hypothesis_settings
from hypothesis import settings

from conformance.plugin import CI_EXAMPLES, PROFILES

# The variables by which Hypothesis decides it is on a CI machine and loads its built-in `ci` profile
# (its own list, private: a rename fails this import, a change of meaning fails the premise below);
# all of them are stripped for "laptop".
_CI_MARKERS = tuple(hypothesis_settings._CI_VARS)


def test_regref_sessions_default_to_the_ci_profile(pytestconfig):
    if pytestconfig.getoption("hypothesis_profile") is None:
        assert settings.get_current_profile_name() == PROFILES["ci"]
        assert settings().derandomize and settings().max_examples == CI_EXAMPLES


def _their_settings(tmp_path, ci: bool, with_regref: bool) -> str:
    """repr(settings()) inside someone else's test, with or without regref's plugin loaded."""
    (tmp_path / "test_theirs.py").write_text(
        "from hypothesis import settings\n"
        "def test_print_profile():\n"
        "    print('SETTINGS', settings.get_current_profile_name(), repr(settings()))\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in _CI_MARKERS}
    if ci:
        env["CI"] = "true"
    plugin = ["-p", "conformance.plugin"] if with_regref else []
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:regref", *plugin],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return next(line for line in run.stdout.splitlines() if line.startswith("SETTINGS"))


@pytest.mark.parametrize("ci", [False, True], ids=["laptop", "ci-machine"])
def test_other_projects_keep_their_own_hypothesis_settings(tmp_path, ci):
    theirs = _their_settings(tmp_path, ci, with_regref=False)
    assert ("SETTINGS ci " in theirs) == ci  # the premise: Hypothesis picked its own profile
    assert _their_settings(tmp_path, ci, with_regref=True) == theirs
