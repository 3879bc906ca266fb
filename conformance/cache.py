"""Where the suite's files go: Hypothesis's (its cache of constants) in regref's cache folder, never in the
directory the suite happens to run in.

``$HYPOTHESIS_STORAGE_DIRECTORY`` wins when set; otherwise ``$XDG_CACHE_HOME/regref/hypothesis`` (by default
``~/.cache/regref/hypothesis``), or a temporary folder, removed at the end, where that cannot be created.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import partial
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

__all__ = ["cache_folder", "keep_hypothesis_files_in_the_cache"]


def cache_folder() -> Path:
    """regref's cache folder, ``$XDG_CACHE_HOME/regref`` or ``~/.cache/regref`` (not created)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regref"


def keep_hypothesis_files_in_the_cache(config: pytest.Config) -> None:
    """Point Hypothesis's home at the cache for this session (undone when the session ends)."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    home = cache_folder() / "hypothesis"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        home = Path(tempfile.mkdtemp(prefix="regref-hypothesis-"))
        config.add_cleanup(partial(shutil.rmtree, home, ignore_errors=True))
    set_hypothesis_home_dir(home)
    config.add_cleanup(partial(set_hypothesis_home_dir, None))
