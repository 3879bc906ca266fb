"""``regref check --native``: run every probe on every installed framework and write the framework report.

``main(argv)`` takes a list of arguments (or the ``argparse.Namespace`` of a caller that parsed them):
``--output-dir DIR`` (where ``framework-report.md`` and ``framework-report.json`` go; default the current
directory), ``--format table|json|markdown`` (what is printed; default a rich table), ``--output PATH``
(write that instead of printing it) and ``--frameworks torch,optax,…`` (default: all). ``regref check``'s
``--backend`` and ``--profile`` do not apply here and are ignored. Exit status 0 when every probe ran
(differences are findings, not failures), 1 when a probe raised, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rich.console import Console

from .finding import ERROR, Finding
from .render import to_json, to_markdown, to_table
from .runner import FRAMEWORKS, collect

__all__ = ["COMMAND", "main", "versions"]

COMMAND = "regref check --native"
_PACKAGES = ("regref", "numpy", "torch", "jax", "jaxlib", "optax", "flax", "keras", "equinox")


def versions() -> dict[str, str]:
    """Python, the packages the probes ran on (or ``not installed``), and the machine."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    out["machine"] = f"{platform.system()} {platform.machine()}"
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Measure the frameworks' own regularizers.")
    parser.add_argument("--output-dir", type=Path, default=Path("."), help="where the .md and .json reports go")
    parser.add_argument("--format", choices=["table", "json", "markdown"], default="table", help="what to print")
    parser.add_argument("--output", type=Path, help="write the --format rendering here instead of printing it")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help=f"comma-separated: {', '.join(FRAMEWORKS)}")
    parser.add_argument("--backend", action="append", default=[], help=argparse.SUPPRESS)  # regref check's; ignored
    parser.add_argument("--profile", default=None, help=argparse.SUPPRESS)  # regref check's; ignored
    return parser


def _arguments(argv: list[str] | argparse.Namespace | None) -> argparse.Namespace:
    if isinstance(argv, argparse.Namespace):
        defaults = vars(_parser().parse_args([]))
        return argparse.Namespace(**{k: getattr(argv, k, None) or v for k, v in defaults.items()})
    return _parser().parse_args(sys.argv[1:] if argv is None else [str(a) for a in argv])


def main(argv: list[str] | argparse.Namespace | None = None) -> int:
    try:
        args = _arguments(argv)
    except SystemExit as exit_:  # argparse has printed the usage
        return int(exit_.code or 0)
    names = [n.strip() for n in str(args.frameworks).split(",") if n.strip()]
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        print(
            f"{COMMAND}: unknown framework(s) {', '.join(unknown)}; choose from {', '.join(FRAMEWORKS)}",
            file=sys.stderr,
        )
        return 2
    start = time.perf_counter()
    findings = collect(names)
    elapsed = time.perf_counter() - start
    recorded = versions()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "framework-report.md").write_text(to_markdown(findings, recorded, COMMAND), encoding="utf-8")
    (args.output_dir / "framework-report.json").write_text(to_json(findings, recorded, COMMAND), encoding="utf-8")
    text = _render(findings, recorded, args.format, elapsed, args.output_dir)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if any(f.verdict == ERROR for f in findings) else 0


def _render(findings: list[Finding], recorded: dict[str, str], fmt: str, elapsed: float, where: Path) -> str:
    if fmt == "json":
        return to_json(findings, recorded, COMMAND)
    if fmt == "markdown":
        return to_markdown(findings, recorded, COMMAND)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False)
    console.print(to_table(findings))
    counts = {v: sum(f.verdict == v for f in findings) for v in dict.fromkeys(f.verdict for f in findings)}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    console.print(
        f"{len(findings)} findings ({summary}) in {elapsed:.0f} s; reports in {where}/framework-report.{{md,json}}"
    )
    return buffer.getvalue()
