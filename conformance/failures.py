"""Failures grouped for reading: one block per distinct failure, the most telling first.

A port with one bug fails the same test once per dtype, and several tests at once; printed one by one
that is a wall of near-identical messages. Here the runs of one test on one backend that differ only in
their dtype form one :class:`FailureGroup`, which keeps one message (with its repro) and lists the
dtypes and shapes the others failed on. Groups are ordered by how directly their test names the broken
rule: writing into an input, or an invariant ("an element is neither +0.0 nor x·s"), before a
statistical test, before a plain "differs from the reference".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from numpy_ref.dtypes import FLOAT_DTYPES

__all__ = ["ASPECT_ORDER", "Failure", "FailureGroup", "group"]

#: Aspects (the ``test_<area>_<aspect>.py`` suffix), most specific message first; others go before ``values``.
#: Purity leads the invariants: a port that writes into its inputs fails other checks as a consequence.
ASPECT_ORDER = ("protocol", "purity", "invariants", "errors", "gradients", "statistics", "compiled", "devices")
_LAST = ("trajectories", "values")  # "differs from the reference": true, but the least telling

_SHAPES = re.compile(r"shapes ((?:\([^)]*\)(?:, )?)+)")
_DTYPE = re.compile(r"\bdtype (\w+)")


@dataclasses.dataclass(frozen=True)
class Failure:
    test: str  # the pytest node id
    backend: str
    op: str  # the report's row: (op family, aspect)
    aspect: str
    message: str


@dataclasses.dataclass
class FailureGroup:
    """The failures of one test on one backend that differ only in their dtype."""

    test: str  # the node id without the dtype
    backend: str
    op: str
    aspect: str
    message: str  # the first failure's, with its repro
    tests: list[str] = dataclasses.field(default_factory=list)
    dtypes: list[str] = dataclasses.field(default_factory=list)
    shapes: list[str] = dataclasses.field(default_factory=list)

    def where(self) -> str:
        """``4 tests · dtypes float16, float32 · shapes (); (3,)``: what the group's failures ran on."""
        parts = [f"{len(self.tests)} test{'s' * (len(self.tests) > 1)}"]
        if self.dtypes:
            parts.append("dtypes " + ", ".join(self.dtypes))
        if self.shapes:
            parts.append("shapes " + "; ".join(self.shapes))
        return " · ".join(parts)


def _without_dtype(test: str) -> str:
    """``f.py::t[dropout-mine-float16]`` → ``f.py::t[dropout-mine]``."""
    head, bracket, params = test.partition("[")
    if not bracket:
        return test
    kept = [p for p in params.rstrip("]").split("-") if p not in FLOAT_DTYPES]
    return f"{head}[{'-'.join(kept)}]" if kept else head


def _rank(aspect: str) -> int:
    if aspect in _LAST:
        return len(ASPECT_ORDER) + 1 + _LAST.index(aspect)
    return ASPECT_ORDER.index(aspect) if aspect in ASPECT_ORDER else len(ASPECT_ORDER)


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)


def group(failures: Sequence[Failure]) -> list[FailureGroup]:
    """One group per (backend, test without its dtype), the most specific aspect first, then in run order."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for f in failures:
        key = (f.backend, _without_dtype(f.test))
        g = groups.setdefault(key, FailureGroup(key[1], f.backend, f.op, f.aspect, f.message))
        g.tests.append(f.test)
        dtype = next((p for p in re.split(r"[\[\]-]", f.test) if p in FLOAT_DTYPES), None)
        found = _DTYPE.search(f.message)
        _add(g.dtypes, dtype or (found.group(1) if found else None))
        shapes = _SHAPES.search(f.message)
        _add(g.shapes, shapes.group(1) if shapes else None)
    return sorted(groups.values(), key=lambda g: _rank(g.aspect))
