"""A finding: one behaviour of one implementation (a framework API, a user-built composition, or the reference),
measured on the probe's inputs — one cell of the report.

Verdicts: ``agrees`` (it does what the reference's convention says, within the suite's tolerance),
``differs`` (it does something else: ``observed`` says what, ``smallest`` the first input that shows it),
``not applicable`` (the API has no such parameter or feature), ``not measured`` (the probe cannot run
here, ``observed`` says why), ``not installed`` and ``error`` (the probe raised).

Beside the verdict against the reference, a finding carries what :mod:`.groups` needs to say who
agrees with whom: ``observed`` (the convention that explains every input; implementations explained by
the same one agree), ``digest`` (a hash of every output: equal digests are identical bits),
``errors`` (the largest error against each convention tried) and ``separations`` (for each convention
that fails, the first input that shows it and an element of this implementation's output there).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np

from numpy_ref.tree import flatten

__all__ = [
    "AGREES",
    "DIFFERS",
    "ERROR",
    "KINDS",
    "NOT_APPLICABLE",
    "NOT_INSTALLED",
    "NOT_MEASURED",
    "VERDICTS",
    "Finding",
    "digest",
    "refusals",
    "show",
]

AGREES, DIFFERS, NOT_APPLICABLE = "agrees", "differs", "not applicable"
NOT_MEASURED, NOT_INSTALLED, ERROR = "not measured", "not installed", "error"
VERDICTS = (AGREES, DIFFERS, NOT_APPLICABLE, NOT_MEASURED, NOT_INSTALLED, ERROR)
#: ``api``: a framework's own API as documented; ``composition``: a chain a user builds, shown for what its
#: order does; ``reference``: regref's ``numpy_ref``; ``recipe``: a migration recipe (:mod:`.recipe`), measured
#: against the behaviour it reproduces.
KINDS = ("api", "composition", "reference", "recipe")


@dataclasses.dataclass(frozen=True)
class Finding:
    """``framework`` · ``api`` · ``topic`` · ``behaviour``: the ``verdict``, what was ``observed`` (a short,
    stable phrase), the measured ``error`` against the reference's convention with its unit, the ``smallest``
    input that shows a difference and the ``evidence`` (an element of this implementation's output)."""

    verdict: str
    observed: str
    error: str = ""
    smallest: str = ""
    evidence: str = ""
    framework: str = ""
    api: str = ""
    behaviour: str = ""
    topic: str = ""
    kind: str = "api"
    digest: str = ""
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    separations: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def key(self) -> tuple[str, str, str]:
        return self.framework, self.api, self.behaviour

    @property
    def column(self) -> str:
        """The implementation, as the agreement groups name it: ``torch optim.SGD [fused]``."""
        return f"{self.framework} {self.api}"

    @property
    def measured(self) -> bool:
        return self.verdict in (AGREES, DIFFERS)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Finding:
        values = {f.name: row[f.name] for f in dataclasses.fields(cls) if f.name in row}
        values["separations"] = {k: tuple(v) for k, v in values.get("separations", {}).items()}
        return cls(**values)


def digest(outputs: Any) -> str:
    """A short hash of a list of outputs' bits (NaNs of any payload hash alike); equal digests, identical bits."""
    h = hashlib.sha1()
    for leaf in flatten(outputs)[0]:
        a = np.asarray(leaf)
        if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
            a = np.where(np.isnan(a.astype(np.float64)), np.float64(np.nan), a.astype(np.float64))
        h.update(f"{a.dtype.name}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:12]


def refusals(parts: list[str], smallest: str, evidence: str = "the reference raises ValueError for each") -> Finding:
    """How an API met bad values (``parts``: one ``"setting: outcome"`` each): it agrees where each is a ValueError,
    which the reference raises for a bad value (C13)."""
    ok = all(p.endswith("ValueError") for p in parts)
    return Finding(
        AGREES if ok else DIFFERS,
        "; ".join(parts),
        smallest="" if ok else smallest,
        evidence=evidence,
        digest=digest(parts),
    )


def show(x: object, width: int = 8) -> str:
    """A compact, exact rendering of a value for evidence: arrays with 9 significant digits, at most
    ``width`` elements (then ``…``), dtype named unless float32; anything else as ``repr``."""
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {show(v, width)}" for k, v in x.items()) + "}"
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return "[" + ", ".join(show(v, width) for v in x) + "]"
    if not isinstance(x, (np.ndarray, np.generic)):
        return repr(x)
    a = np.asarray(x)
    flat = a.reshape(-1).astype(np.float64) if a.dtype.kind == "f" or a.dtype.name == "bfloat16" else a.reshape(-1)
    items = [_number(v) for v in flat[:width]] + (["…"] if flat.size > width else [])
    body = items[0] if a.ndim == 0 else "[" + ", ".join(items) + "]"
    shape = "" if a.ndim <= 1 else f" shape {a.shape}"
    dtype = "" if a.dtype == np.float32 or a.dtype == np.bool_ else f" {a.dtype.name}"
    return body + shape + dtype


def _number(v: object) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "T" if v else "F"
    if isinstance(v, (float, np.floating)):
        return "-0.0" if v == 0 and np.signbit(v) else f"{float(v):.9g}"
    return str(v)
