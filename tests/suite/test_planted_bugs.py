"""The suite's own mutation test: every planted bug (``broken/planted.py``, realistic single-bug ports) fails
the default, derandomized profile of the whole suite; a correct backend with its own generator passes it;
and the kill table — each bug's first failing check — is printed at the end of the run.

One run of the suite serves every bug: each backend is a column of the same session (its examples are
those it would get alone: derandomized draws are fixed per test, whatever else is loaded), the bugs are
split over the machine's cores, and a backend's later checks are skipped once it has failed one
(``broken/first_failure.py``), so each bug costs what the suite costs up to its first failure.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import BROKEN, KILL_TABLE, REPO, run_pytest

from conformance import ops

sys.path.insert(0, str(BROKEN))
from planted import CATALOG

CORRECT = "own_rng"  # a correct backend with its own generator: it must pass everything
HOLES = range(1, 7)


@dataclasses.dataclass(frozen=True)
class Kill:
    check: str  # the suite's test id, backend left out
    row: str  # the report's row: op family · aspect
    message: str


def _run(specs: list[str], junit: Path) -> None:
    args = ["-p", "first_failure", "--pyargs", "conformance", f"--junitxml={junit}", "-q", "--tb=no"]
    result = run_pytest([*args, *(f"--backend={s}" for s in specs)], cwd=junit.parent, path=(BROKEN,))
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]


def _first_failures(junit: Path) -> tuple[dict[str, Kill], dict[str, int]]:
    """Each backend's first failure, in the order the suite ran, and how many checks each passed."""
    kills: dict[str, Kill] = {}
    passed: dict[str, int] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        backend, failure = str(props.get("regref_backend")), case.find("failure")
        if failure is None and case.find("skipped") is None:
            passed[backend] = passed.get(backend, 0) + 1
        elif failure is not None and backend not in kills:
            check = _without(str(case.get("name")), backend)
            row = " · ".join(re.findall(r"'(\w+)'", str(props.get("regref_row"))))
            kills[backend] = Kill(f"{case.get('classname', '').rsplit('.', 1)[-1]}::{check}", row, failure.text or "")
    return kills, passed


def _without(test_id: str, backend: str) -> str:
    """A test id with the backend's parameter left out: ``test[op-name-float32]`` → ``test[op-float32]``."""
    for with_it, without_it in (
        (f"[{backend}]", ""),
        (f"[{backend}-", "["),
        (f"-{backend}]", "]"),
        (f"-{backend}-", "-"),
    ):
        test_id = test_id.replace(with_it, without_it)
    return test_id


def _suite(specs: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Kill], dict[str, int]]:
    """One run of the whole suite's default profile over ``specs``, split over the machine's cores:
    ``({backend: its first failure}, {backend: checks it passed})``."""
    jobs = max(1, min(os.cpu_count() or 1, 4, len(specs)))
    junits = [tmp_path_factory.mktemp("planted") / "junit.xml" for _ in range(jobs)]
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(_run, [specs[i::jobs] for i in range(jobs)], junits))
    found: dict[str, Kill] = {}
    passed: dict[str, int] = {}
    for junit in junits:
        part_kills, part_passed = _first_failures(junit)
        found |= part_kills
        passed |= part_passed
    return found, passed


@pytest.fixture(scope="module")
def kills(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> tuple[dict[str, Kill], dict]:
    """``({bug: its first failure}, {backend: checks passed})`` over every planted bug and the correct backend."""
    found, passed = _suite([bug.spec(name) for name, bug in CATALOG.items()] + [CORRECT], tmp_path_factory)
    pytestconfig.stash[KILL_TABLE] = kill_table(found)
    return found, passed


def kill_table(found: dict[str, Kill]) -> list[str]:
    lines = ["| planted bug | conventions | hole | first failing check | report row |", "|---|---|---|---|---|"]
    for name, bug in CATALOG.items():
        kill = found.get(name)
        check, row = (f"`{kill.check}`", kill.row) if kill else ("**not caught**", "")
        lines.append(f"| {name} | {' '.join(bug.conventions)} | {bug.hole or ''} | {check} | {row} |")
    return lines


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_planted_bug_is_caught(kills: tuple[dict[str, Kill], dict], name: str) -> None:
    found, _ = kills
    assert name in found, f"planted bug {name} ({CATALOG[name].what}) passes every check of the default profile"
    assert name in found[name].message, f"{name}: the failure does not name the backend:\n{found[name].message[:2000]}"


# Bugs whose first failure must say what is wrong in so many words (regexes over the failure's text).
POINTED = {
    "scale_one_minus_p": r"y/x = \S+ on every such element \(1 − p = \S+\)",
    "one_ulp_scale": r"y is 1 ULP\(s\) from x·s on every one",
    "mask_ignores_broadcast_dims": r"the mask varies along axis \d, one of broadcast_dims=\(.*\): it must be one draw",
    "keep_probability_p": r"p = 0 must return x unchanged",
    "mutates_input": r"sgd_step: (modified its inputs in place|returns an input's memory)",
    "evaluation_returns_a_copy": r"must return its argument x itself(.|\n)*C8: dropout\(\.\.\., training=False\)",
    "evaluation_skips_validation": r"training=False raised nothing; the reference raises ValueError",
    "dtype_mismatch_is_a_type_error": r"raised TypeError: \S+ leaf \d must have the dtype(.|\n)*reference raises Value",
}


@pytest.mark.parametrize("name", sorted(POINTED))
def test_planted_bug_fails_with_a_pointed_message(kills: tuple[dict[str, Kill], dict], name: str) -> None:
    found, _ = kills
    assert name in found, f"{name} was not caught"
    assert re.search(POINTED[name], found[name].message), f"{found[name].check}:\n{found[name].message[:3000]}"


def test_own_generator_passes_everything(kills: tuple[dict[str, Kill], dict]) -> None:
    """REPLAYABLE_MASKS = False: draws held to structure and statistics, and a correct one passes them all."""
    found, passed = kills
    assert CORRECT not in found, f"{found[CORRECT].check}:\n{found[CORRECT].message[:3000]}"
    assert passed[CORRECT] > 100


def test_a_bug_alone_fails_where_it_failed_among_all(
    kills: tuple[dict[str, Kill], dict], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The premise of one run for all: a backend's examples do not depend on the others loaded beside it. The
    bug that survives longest, run alone, first fails the same check after as many passed checks."""
    found, passed = kills
    latest = max((name for name in found if name != CORRECT), key=lambda name: passed.get(name, 0))
    alone, alone_passed = _suite([CATALOG[latest].spec(latest)], tmp_path_factory)
    assert alone[latest].check == found[latest].check and alone_passed.get(latest) == passed.get(latest)


def _conventions() -> set[str]:
    return set(re.findall(r"^\| (C\d+) \|", (REPO / "README.md").read_text(encoding="utf-8"), re.M))


def test_the_planted_bugs_cover_the_contract() -> None:
    """Every public name, every convention of README.md's table and each of the six kinds of hole has a bug."""
    bugs = CATALOG.values()
    assert set(ops.API) - {f for bug in bugs for f in bug.functions} == set()
    assert _conventions() - {c for bug in bugs for c in bug.conventions} == set()
    assert {c for bug in bugs for c in bug.conventions} <= _conventions()
    assert set(HOLES) - {bug.hole for bug in bugs} == set()
    assert len(CATALOG) >= 50
