"""Known deviations are data: one TOML file per backend, each entry a test id and the reason.

``conformance/deviations/<name>.toml`` for the registered backends (or the file a backend names in its
``DEVIATIONS`` attribute)::

    [[deviation]]
    test = "test_ops_values.py::test_matches_reference[l2_penalty-float64]"   # * and ? are wildcards
    reason = "accumulates in float32: the backend has no float64"
    match = "dtype float32"   # optional: a regex the failure message must contain

A listed test that fails (with a message matching ``match``) is reported as a *deviation*, not a
failure; one that passes fails with "listed deviation no longer occurs", so the list cannot go stale.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from .backends import Backend

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["DIRECTORY", "Deviation", "for_backend", "read"]

DIRECTORY = Path(__file__).parent / "deviations"


@dataclasses.dataclass(frozen=True)
class Deviation:
    test: str
    reason: str
    match: str = ""
    source: str = ""

    def covers(self, test_id: str) -> bool:
        """``test`` matches ``test_id``, with ``*`` and ``?`` as wildcards (brackets are literal)."""
        pattern = re.escape(self.test).replace(r"\*", ".*").replace(r"\?", ".")
        return re.fullmatch(pattern, test_id) is not None

    def explains(self, failure: str) -> bool:
        return re.search(self.match, failure) is not None


def read(path: Path) -> list[Deviation]:
    """The entries of one file; ValueError naming the file and entry if one lacks ``test`` or ``reason``."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("deviation", [])
    out = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - {"test", "reason", "match"}
        if unknown or not entry.get("test") or not entry.get("reason"):
            raise ValueError(f"{path}: deviation {i} needs 'test' and 'reason' (and at most 'match'), got {entry!r}")
        out.append(Deviation(entry["test"], entry["reason"], entry.get("match", ""), str(path)))
    return out


def for_backend(backend: Backend) -> list[Deviation]:
    """The backend's ``DEVIATIONS`` file (relative to its module) if it names one, else ours for its name."""
    named = getattr(backend.module, "DEVIATIONS", None)
    if named is not None:
        base = Path(getattr(backend.module, "__file__", ".")).parent
        return read(base / named)
    path = DIRECTORY / f"{backend.name}.toml"
    return read(path) if path.exists() else []
