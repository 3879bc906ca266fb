"""A finding: one behaviour of one framework API, measured against the reference — a row of the report.

Verdicts: ``agrees`` (the framework does what the reference's convention says, within the suite's
tolerance), ``differs`` (it does something else: ``observed`` says what, ``smallest`` the first input
that shows it), ``not applicable`` (the API has no such parameter or feature), ``not measured`` (the
probe cannot run here, ``observed`` says why), ``not installed`` and ``error`` (the probe raised).
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = [
    "AGREES",
    "DIFFERS",
    "ERROR",
    "NOT_APPLICABLE",
    "NOT_INSTALLED",
    "NOT_MEASURED",
    "VERDICTS",
    "Finding",
    "show",
]

AGREES, DIFFERS, NOT_APPLICABLE = "agrees", "differs", "not applicable"
NOT_MEASURED, NOT_INSTALLED, ERROR = "not measured", "not installed", "error"
VERDICTS = (AGREES, DIFFERS, NOT_APPLICABLE, NOT_MEASURED, NOT_INSTALLED, ERROR)


@dataclasses.dataclass(frozen=True)
class Finding:
    """``framework`` · ``api`` · ``behaviour``: the ``verdict``, what was ``observed`` (a short, stable phrase),
    the measured ``error`` with its unit, the ``smallest`` input that shows a difference, and the ``evidence``."""

    verdict: str
    observed: str
    error: str = ""
    smallest: str = ""
    evidence: str = ""
    framework: str = ""
    api: str = ""
    behaviour: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def key(self) -> tuple[str, str, str]:
        return self.framework, self.api, self.behaviour

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, str]) -> Finding:
        return cls(**{f.name: row.get(f.name, "") for f in dataclasses.fields(cls)})


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
