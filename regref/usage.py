"""Mistakes on the command line end a command at once, in one line, and never after the work is done.

A bad argument, an output path that cannot be written, a plot format matplotlib does not know, an
optional dependency that is not installed: each is found before any work starts and ends the command
with exit status 2 and one line on stderr, ``regref check: error: …`` — no usage block, no traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path
from typing import NoReturn

__all__ = ["EXTRAS", "INTERRUPTED", "Parser", "UsageError", "need", "writable"]

INTERRUPTED = 130  # the exit status of a command ended by Ctrl-C, as shells report it (128 + SIGINT)

#: Optional module → (what it is called, the extra of ``pip install 'regref[EXTRA]'`` that installs it).
EXTRAS = {
    "torch": ("PyTorch", "torch"),
    "jax": ("JAX", "jax"),
    "matplotlib": ("matplotlib", "demo"),
    "sklearn": ("scikit-learn", "demo"),
}


class UsageError(Exception):
    """A mistake in the command line or its environment: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line: ``prog: error: message``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def need(module: str, purpose: str) -> None:
    """:class:`UsageError` naming the extra that installs ``module`` if it is not installed (nothing is imported)."""
    if importlib.util.find_spec(module) is None:
        name, extra = EXTRAS[module]
        raise UsageError(f"{purpose} needs {name}, which is not installed: pip install 'regref[{extra}]'")


def writable(path: Path, option: str) -> Path:
    """``path`` ready to be written at the end of a run: its folder created now, both checked writable."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{option} {path}: cannot create its folder: {error.strerror or error}") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {path}: not writable")
    return path
