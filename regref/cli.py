"""The ``regref`` command: ``regref check`` (the main job: :mod:`regref.check`) and ``regref demo`` (the
chapter's experiments: :mod:`regref.demos.cli`); ``regref --version``.

Each command imports only what it needs, so ``regref demo`` never loads pytest and ``regref check`` on
the NumPy reference never loads a framework. Exit status: 0 success, 1 a check failed, 2 a usage error
(one line on stderr), 130 interrupted.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence

from . import __version__
from .usage import INTERRUPTED, Parser

__all__ = ["main"]

COMMANDS = {
    "check": "run the conformance suite over the backends and print the report (regref check --help)",
    "demo": "run one of the chapter's experiments (regref demo --help)",
}


def _parser() -> Parser:
    parser = Parser(
        prog="regref",
        usage="regref [--version] {check,demo} ...",
        description="The reference that regularizers are checked against.",
    )
    parser.add_argument("--version", action="version", version=f"regref {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="{check,demo}")
    for name, text in COMMANDS.items():
        commands.add_parser(name, help=text, add_help=False)
    return parser


def _dispatch(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else (None, [])
    if command == "check":
        from .check import main as check

        return check(rest)
    if command == "demo":
        from .demos.cli import main as demo

        return demo(rest)
    if command is None or command.startswith("-"):
        _parser().parse_args(argv)  # --help and --version exit here
        print(f"regref: error: a command is required: {' or '.join(COMMANDS)} (regref --help)", file=sys.stderr)
        return 2
    close = difflib.get_close_matches(command, list(COMMANDS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    print(f"regref: error: unknown command {command!r} (choose from {', '.join(COMMANDS)}){hint}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """``regref ARGS`` (``sys.argv[1:]`` by default); returns the exit status."""
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit_:  # argparse's --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else 0
    except KeyboardInterrupt:  # a command that can print what it finished has done so already
        print("regref: interrupted", file=sys.stderr)
        return INTERRUPTED
