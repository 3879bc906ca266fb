"""Results: one row per timed variant, printed as a table of ratios and written as JSON."""

from __future__ import annotations

import dataclasses
import json
import platform
import time
from typing import Any

__all__ = ["Report", "Row"]


@dataclasses.dataclass
class Row:
    section: str  # e.g. "dropout fwd+bwd float32 2^28"
    variant: str  # e.g. "torch_impl (triton)"
    ms: float | None = None
    reps: int = 0
    bytes_moved: int = 0  # bytes a variant must move at least: GB/s and the share of copy bandwidth
    baseline: bool = False  # the framework's own op: the ratios of the section are against it
    check: str = ""  # "ok ..." or what failed
    note: str = ""


class Report:
    def __init__(self, device: str) -> None:
        self.rows: list[Row] = []
        self.meta: dict[str, Any] = {
            "device": device,
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(),
        }
        self.copy_gbps: dict[str, float] = {}  # per framework prefix
        self.prefix = ""  # "torch: ", "jax: ", … put before each section name
        self.path: str | None = None  # rewritten after every row: a run killed midway leaves its results

    def set_copy(self, gbps: float) -> None:
        """The device-copy bandwidth of the current framework: the 100% of the "of copy" column."""
        self.copy_gbps[self.prefix] = gbps

    def add(self, row: Row) -> Row:
        if not row.section.startswith(self.prefix):
            row.section = self.prefix + row.section
        self.rows.append(row)
        self.save()
        print(f"  {row.section} | {row.variant} | {_ms(row.ms)} ms | {row.check} {row.note}".rstrip(), flush=True)
        return row

    def _ratio(self, row: Row) -> str:
        base = next((r for r in self.rows if r.section == row.section and r.baseline and r.ms), None)
        if not (base and row.ms) or row.baseline:
            return ""
        return f"{base.ms / row.ms:.2f}x"

    def _bandwidth(self, row: Row) -> tuple[str, str]:
        if not (row.ms and row.bytes_moved):
            return "", ""
        gbps = row.bytes_moved / row.ms / 1e6
        copy = self.copy_gbps.get(row.section.split(": ")[0] + ": " if ": " in row.section else "")
        share = f"{gbps / copy:.0%}" if copy else ""
        return f"{gbps:.0f}", share

    def table(self) -> str:
        head = ("section", "variant", "ms", "speed vs own op", "GB/s", "of copy", "check")
        lines = [head]
        for r in self.rows:
            lines.append(
                (r.section, r.variant, _ms(r.ms), self._ratio(r), *self._bandwidth(r), (r.check + " " + r.note).strip())
            )
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
        fmt = lambda line: "| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths)) + " |"  # noqa: E731
        return "\n".join([fmt(lines[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, lines[1:])])

    def save(self) -> None:
        if self.path:
            with open(self.path, "w") as f:
                f.write(self.to_json())

    def to_json(self) -> str:
        rows = [{**dataclasses.asdict(r), "ratio": self._ratio(r), "gbps_share": self._bandwidth(r)} for r in self.rows]
        return json.dumps({"meta": self.meta, "copy_gbps": self.copy_gbps, "rows": rows}, indent=1, default=str)


def _ms(ms: float | None) -> str:
    return "" if ms is None else f"{ms:.3f}" if ms < 100 else f"{ms:.0f}"
