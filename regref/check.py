"""``regref check``: the conformance suite over the chosen backends, as one report.

``regref check [--backend SPEC]… [--profile ci|deep] [--format table|json|markdown] [--output PATH]
[-- PYTEST_ARGS…]``; ``regref check --native …`` measures the frameworks' own regularizers instead
(:mod:`conformance.native.report`, which parses its own options).

Nothing a run needs is left to its end: before the first test, every backend named must name something
(a typo is a usage error that lists the registered names and the closest one), the output's folder is
created and the format settled (``--output report.md`` is Markdown unless ``--format`` says so, and a
contradiction is an error). Exit status: 0 when every check passes; 1 when one fails or a backend named
does not import; 2 for a usage error or a suite that could not run; 130 when interrupted, after printing
the report of the tests that finished. Hypothesis keeps its files in regref's cache folder
(:mod:`conformance.cache`), never in the directory the command runs in.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import conformance
from conformance import locate
from conformance.backends import specs
from conformance.collect import Collector
from conformance.plugin import PROFILES
from conformance.report import Report

from .usage import INTERRUPTED, Parser, UsageError, need, writable

__all__ = ["main"]

FORMATS = ("table", "json", "markdown")
_SUFFIXES = {".json": "json", ".md": "markdown", ".markdown": "markdown"}


def _parser() -> Parser:
    parser = Parser(
        prog="regref check",
        usage="regref check [--backend SPEC]... [--profile {ci,deep}] [--format FORMAT] [--output PATH] "
        "[-- PYTEST_ARGS...]\n       regref check --native [--help]",
        description="Run the conformance suite over the chosen backends (default: every registered one) and print "
        "one report.",
        epilog="Arguments after -- go to pytest, e.g. `regref check --backend numpy -- -k dropout -x`. "
        "`regref check --native` measures the frameworks' own regularizers instead.",
    )
    parser.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="SPEC",
        help="a registered name (numpy, jax, torch), a module (importable or in the current directory), a path to a "
        ".py file, or module:object; repeatable (default: $REGREF_BACKEND, else every registered backend)",
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="ci", help="Hypothesis profile (deep: 10x)")
    parser.add_argument("--format", choices=FORMATS, help="table, json or markdown (default: from --output's suffix)")
    parser.add_argument("--output", type=Path, metavar="PATH", help="write the report here instead of printing it")
    return parser


def _settle_format(args: argparse.Namespace) -> str:
    implied = _SUFFIXES.get(args.output.suffix.lower()) if args.output is not None else None
    if args.format and implied and args.format != implied:
        raise UsageError(f"--format {args.format} contradicts --output {args.output} ({implied}); drop one")
    return args.format or implied or "table"


def _check_backends(options: Sequence[str]) -> None:
    """Each backend named names something, and a registered one's framework is installed (else: which extra)."""
    chosen, explicit = specs(options)
    for spec in chosen if explicit else ():
        try:
            locate.find(spec)
        except locate.NotFound as error:
            raise UsageError(str(error)) from None
        if spec in locate.EXTRAS:
            need(spec, f"--backend {spec}")


_PROGRESS = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))


def _pytest_args(args: argparse.Namespace) -> list[str]:
    suite = sorted(str(p) for p in Path(conformance.__file__).parent.glob("test_*.py"))
    plugin = ["-p", "no:regref", "-p", "conformance.plugin", "-p", "no:cacheprovider"]  # one copy of the plugin
    # --assert=plain: this process has imported regref already, too late for pytest to rewrite it (and the
    # suite's messages are its own); -q and --tb=short keep the captured pytest output small.
    options = ["-q", "--tb=short", "--assert=plain", f"--hypothesis-profile={PROFILES[args.profile]}"]
    return [*suite, *plugin, *options, *(f"--backend={b}" for b in args.backend)]


def _run_suite(args: argparse.Namespace, extra: list[str]) -> tuple[int, Collector, str]:
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
    return int(code), collector, captured.getvalue()


def _text(report: Report, verdict: str, ok: bool, terminal: bool) -> str:
    """The table, its legend and the grouped failures: as wide as the terminal, or as the table on a pipe or file."""
    table_width = Console(width=1000).measure(report.to_table()).maximum
    width = Console().width if terminal else max(100, table_width)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, color_system="auto" if terminal else None)
    for renderable in report.to_renderables():
        console.print(renderable, highlight=False, crop=False)
    console.print(f"\n{verdict}", style="bold green" if ok else "bold red", markup=False, highlight=False)
    return buffer.getvalue()


def _verdict(report: Report, collector: Collector, interrupted: bool, elapsed: float) -> str:
    if interrupted:
        return f"interrupted after {collector.done} of {collector.total} tests ({elapsed:.0f} s): the report has those"
    if report.ok:
        return f"all checks pass ({elapsed:.0f} s)"
    return f"{len(report.failures)} failing test(s) ({elapsed:.0f} s)"


def _deliver(text: str, output: Path | None) -> None:
    """Write the report; if the file cannot be written after all, print it rather than lose the run."""
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
            print(f"report written to {output}", file=sys.stderr)
            return
        except OSError as error:
            why = error.strerror or error
            print(f"regref check: cannot write {output} ({why}); the report follows", file=sys.stderr)
    sys.stdout.write(text)


def run(ours: list[str], extra: list[str]) -> int:
    """``regref check OURS -- EXTRA``: EXTRA goes to pytest (``-- -k dropout``)."""
    args = _parser().parse_args(ours)
    fmt = _settle_format(args)
    if args.output is not None:
        writable(args.output, "--output")
    _check_backends(args.backend)
    start = time.perf_counter()
    code, collector, output = _run_suite(args, extra)
    report, interrupted = collector.report, code == pytest.ExitCode.INTERRUPTED
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not interrupted:
        print(output, file=sys.stderr)
        print(f"regref check: the suite did not run ({pytest.ExitCode(code).name})", file=sys.stderr)
        return 2
    verdict = _verdict(report, collector, interrupted, time.perf_counter() - start)
    if fmt == "json":
        text = json.dumps({**report.to_dict(), "verdict": verdict}, indent=2) + "\n"
    elif fmt == "markdown":
        text = report.to_markdown() + f"\n{verdict}\n"
    else:
        text = _text(report, verdict, report.ok and not interrupted, args.output is None and sys.stdout.isatty())
    _deliver(text, args.output)
    if interrupted:
        print(f"regref check: {verdict}", file=sys.stderr)
        return INTERRUPTED
    return 0 if report.ok and code == pytest.ExitCode.OK else 1


def main(argv: Sequence[str]) -> int:
    """``regref check``, or ``regref check --native`` with its options handed to the native report."""
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    ours, extra = argv[:cut], argv[cut + 1 :]
    if "--native" in ours:  # the native report parses its own options (--output-dir, --frameworks, …)
        from conformance.native.report import main as native  # the frameworks' probes: imported only when asked

        return int(native([a for a in ours if a != "--native"]))
    try:
        return run(ours, extra)
    except UsageError as error:
        print(f"regref check: error: {error}", file=sys.stderr)
        return 2
