"""``regref check --native``: measure every installed framework's own regularizers and report who agrees with whom.

``main(argv)`` takes the arguments after ``--native`` (a list; or the ``argparse.Namespace`` of a caller that
parsed them) and returns the exit status: 0 when every probe ran (differences are findings, not
failures), 1 when a probe raised, 2 for bad arguments. Options:

- ``--frameworks torch,optax,…`` — which frameworks to measure (default: all of ``FRAMEWORKS``); regref's
  own reference is always measured, since the agreement groups are anchored on it.
- ``--format table|json|markdown`` — what is printed (default ``table``: the headline, folded to the
  terminal's width); ``--output PATH`` writes that rendering to PATH instead of printing it.
- ``--output-dir DIR`` — also write ``framework-report.md``, ``framework-report.json`` and ``recipes.md`` (the
  migration recipes with what this run measured, :mod:`.recipes_doc`) into DIR. Without it nothing is written
  anywhere: the command prints and leaves the current directory as it was.

``regref check``'s ``--backend`` and ``--profile`` choose backends and example counts for the conformance
suite; the native report measures frameworks, not backends, so it rejects them (exit 2, saying so) rather
than ignoring them.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import recipes_doc
from .finding import ERROR, Finding
from .render import to_json, to_markdown
from .runner import FRAMEWORKS, collect
from .table import to_text

__all__ = ["COMMAND", "main", "versions"]

COMMAND = "regref check --native"
_PACKAGES = ("regref", "numpy", "torch", "jax", "jaxlib", "optax", "flax", "keras", "equinox")
_SUITE_ONLY = ("backend", "profile")


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
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help=f"comma-separated: {', '.join(FRAMEWORKS)}")
    parser.add_argument("--format", choices=["table", "json", "markdown"], default="table", help="what to print")
    parser.add_argument("--output", type=Path, help="write the --format rendering here instead of printing it")
    parser.add_argument("--output-dir", type=Path, help="also write framework-report.md, .json and recipes.md here")
    for name in _SUITE_ONLY:  # regref check's options: parsed so that they can be rejected by name
        parser.add_argument(f"--{name}", action="append", default=[], help=argparse.SUPPRESS)
    return parser


def _arguments(argv: list[str] | argparse.Namespace | None) -> argparse.Namespace:
    if isinstance(argv, argparse.Namespace):
        given = vars(_parser().parse_args([])) | {k: v for k, v in vars(argv).items() if v not in (None, [])}
        return argparse.Namespace(**given)
    return _parser().parse_args(sys.argv[1:] if argv is None else [str(a) for a in argv])


def _problem(args: argparse.Namespace) -> str:
    suite = [f"--{n}" for n in _SUITE_ONLY if getattr(args, n) not in ([], None, "ci")]
    if suite:
        return (
            f"{' and '.join(suite)} select(s) what the conformance suite runs (regref check); the native report "
            f"measures frameworks: choose them with --frameworks ({', '.join(FRAMEWORKS)})"
        )
    unknown = [n for n in _names(args) if n not in FRAMEWORKS]
    return f"unknown framework(s) {', '.join(unknown)}; choose from {', '.join(FRAMEWORKS)}" if unknown else ""


def _names(args: argparse.Namespace) -> list[str]:
    return [n.strip() for n in str(args.frameworks).split(",") if n.strip()]


def main(argv: list[str] | argparse.Namespace | None = None) -> int:
    try:
        args = _arguments(argv)
    except SystemExit as exit_:  # argparse has printed the usage
        return int(exit_.code or 0)
    problem = _problem(args)
    if problem:
        print(f"{COMMAND}: {problem}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    findings = collect(list(dict.fromkeys([*_names(args), "regref"])))
    elapsed = time.perf_counter() - start
    recorded = versions()
    if args.output_dir is not None:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        (args.output_dir / "framework-report.md").write_text(to_markdown(findings, recorded, COMMAND), "utf-8")
        (args.output_dir / "framework-report.json").write_text(to_json(findings, recorded, COMMAND), "utf-8")
        (args.output_dir / "recipes.md").write_text(recipes_doc.to_markdown(findings, recorded, COMMAND), "utf-8")
    text = _render(findings, recorded, args, elapsed)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if any(f.verdict == ERROR for f in findings) else 0


def _render(findings: list[Finding], recorded: dict[str, str], args: argparse.Namespace, elapsed: float) -> str:
    if args.format == "json":
        return to_json(findings, recorded, COMMAND)
    if args.format == "markdown":
        return to_markdown(findings, recorded, COMMAND)
    where = (
        f"; reports in {args.output_dir}/" if args.output_dir is not None else "; --output-dir DIR writes the reports"
    )
    summary = f"{len(findings)} findings in {elapsed:.0f} s{where} (every behaviour, per framework: --format markdown)"
    width = 100 if args.output is not None else shutil.get_terminal_size((100, 24)).columns
    return to_text(findings, width, summary)
