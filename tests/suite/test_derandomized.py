"""Derandomized means the same examples for every port: what `regref-ci` draws does not depend on the source
text of the backend under test. Hypothesis mixes literals found in local modules — a port under test is one —
into its draws; the plugin empties that pool in regref's sessions (``plugin._without_local_constants``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, plugin_args

# Two ports that differ only in their literals, each a number the suite's strategies could draw.
PORTS = {"a": (0.123456789, 1.75, 3.25, 7), "b": (0.987654321, 2.5, 6.125, 3)}
DRAWS = """
from hypothesis import given, strategies as st

import port  # imported as a backend module is: a local module
from conformance.calls import literal
from conformance.strategies import calls


@given(st.data())
def test_draws(data):
    for op, dtype in (("sgd_step", "float32"), ("dropout", "float32"), ("bernoulli", None), ("l2_penalty", "float16")):
        call = data.draw(calls(op, dtype))
        print("DRAWN", op, literal(call.args), literal(call.kwargs))
"""


def _drawn(tmp_path: Path, port: str, regref: bool) -> list[str]:
    """The examples a derandomized run draws with port ``port`` importable, as a regref session or not."""
    where = tmp_path / port
    where.mkdir(exist_ok=True)
    (where / "port.py").write_text(f"from numpy_ref import *  # noqa: F403\nLITERALS = {PORTS[port]!r}\n")
    (where / "test_draws.py").write_text(DRAWS)
    env = {k: v for k, v in os.environ.items() if k not in ("REGREF_BACKEND", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(where), str(REPO)])
    ours = [*plugin_args(), "--backend=port"] if regref else ["-p", "no:regref", "--hypothesis-seed=0"]
    cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *ours, "test_draws.py"]
    run = subprocess.run(cmd, cwd=where, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return [line for line in run.stdout.splitlines() if line.startswith("DRAWN")]


def test_a_ports_literals_change_plain_hypothesis_draws(tmp_path: Path) -> None:
    """The premise: with a fixed seed but without regref's plugin, the port's literals reach the draws."""
    assert _drawn(tmp_path, "a", regref=False) != _drawn(tmp_path, "b", regref=False)


def test_regref_sessions_draw_the_same_examples_for_every_port(tmp_path: Path) -> None:
    a, b = _drawn(tmp_path, "a", regref=True), _drawn(tmp_path, "b", regref=True)
    assert len(a) >= 40 and a == b  # ten examples of four calls (and any a filter rejected half drawn)
