"""The ``regref`` command: ``regref check`` runs the conformance suite and prints one table;
``regref demo …`` runs the experiments (:mod:`experiments.cli`).

``regref check [--backend NAME]… [--profile ci|deep] [--format table|json|markdown] [--output PATH]
[--native] [-- PYTEST_ARGS…]`` exits 0 when every check passes, 1 on any failure (or a backend asked
for by name that does not import), 2 when the run itself could not happen.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .collect import Collector
from .plugin import PROFILES
from .report import Report

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regref", description="Hold a backend to the regref reference.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="run the conformance suite and print the report")
    check.add_argument("--backend", action="append", default=[], help="registered name or module (repeatable)")
    check.add_argument("--profile", choices=sorted(PROFILES), default="ci", help="Hypothesis profile (deep: 10x)")
    check.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    check.add_argument("--output", type=Path, help="write the report here instead of printing it")
    check.add_argument("--native", action="store_true", help="report on the frameworks' own regularizers")
    commands.add_parser("demo", help="run an experiment (see `regref demo --help`)", add_help=False)
    return parser


def _lazy_main(module: str, what: str) -> object:
    try:
        return importlib.import_module(module).main  # type: ignore[attr-defined]
    except ModuleNotFoundError as error:
        if error.name is not None and module.startswith(error.name):
            print(f"regref: {what} is not available yet ({module} is missing)", file=sys.stderr)
            return None
        raise


_PROGRESS = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))


def _pytest_args(args: argparse.Namespace) -> list[str]:
    suite = sorted(str(p) for p in Path(__file__).parent.glob("test_*.py"))
    plugin = ["-p", "no:regref", "-p", "conformance.plugin", "-p", "no:cacheprovider"]  # one copy of the plugin
    # --assert=plain: this process has imported regref already, too late for pytest to rewrite it (and the
    # suite's messages are its own); -q and --tb=short keep the captured pytest output small.
    options = ["-q", "--tb=short", "--assert=plain", f"--hypothesis-profile={PROFILES[args.profile]}"]
    return [*suite, *plugin, *options, *(f"--backend={b}" for b in args.backend)]


def _run_suite(args: argparse.Namespace, extra: list[str]) -> tuple[int, Report, str]:
    """Run pytest in this process with its own output captured; the progress bar goes to stderr."""
    with Progress(TextColumn("[bold]regref check"), *_PROGRESS, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)
        collector = Collector(
            f"regref conformance ({args.profile} profile)",
            lambda done, total, what: bar.update(task, completed=done, total=total, description=what[:60]),
        )
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            code = pytest.main([*_pytest_args(args), *extra], plugins=[collector])
    return int(code), collector.report, captured.getvalue()


def _render(report: Report, fmt: str, elapsed: float) -> str:
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt == "markdown":
        return report.to_markdown()
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, force_terminal=False)
    console.print(report.to_table())
    for column in report.columns:
        if column.status != "ok":
            console.print(f"{column.name}: {column.status}: {column.detail}", style="yellow", markup=False)
    for failure in report.failures:
        console.print(f"\n{failure['test']}\n{failure['message']}", style="red", markup=False, highlight=False)
    verdict = "all checks pass" if report.ok else f"{len(report.failures)} failing test(s)"
    console.print(f"\n{verdict} ({elapsed:.0f} s)", style="bold green" if report.ok else "bold red", markup=False)
    return buffer.getvalue()


def check(argv: Sequence[str]) -> int:
    """``regref check``; arguments after ``--`` go to pytest (``-- -k dropout``)."""
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    ours, extra = argv[:cut], argv[cut + 1 :]
    if "--native" in ours:  # the native report parses its own options (--output-dir, --frameworks, …)
        native = _lazy_main("conformance.native.report", "regref check --native")
        return 2 if native is None else int(native([a for a in ours if a != "--native"]))  # type: ignore[operator]
    args = _parser().parse_args(["check", *ours])
    start = time.perf_counter()
    code, report, output = _run_suite(args, extra)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        print(output, file=sys.stderr)
        print(f"regref check: the suite did not run ({pytest.ExitCode(code).name})", file=sys.stderr)
        return 2
    text = _render(report, args.format, time.perf_counter() - start)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0 if report.ok and code == pytest.ExitCode.OK else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":
        demo = _lazy_main("experiments.cli", "regref demo")
        return 2 if demo is None else int(demo(argv[1:]))  # type: ignore[operator]
    if argv and argv[0] == "check":
        return check(argv[1:])
    _parser().parse_args(argv)  # prints usage (and exits 2) for anything else
    return 2
