"""From what a user wrote after ``--backend`` to the module or object it names (see :mod:`conformance.backends`).

:func:`find` decides what a spec names without importing anything, so a typo is a usage error before
any work starts; :func:`import_target` then imports it. A module is looked up on ``sys.path`` and then in
the current directory, because ``regref check`` and ``pytest`` — unlike ``python -m`` — do not put the
current directory on ``sys.path``, and a newcomer's first port is a file there.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

__all__ = ["EXTRAS", "GROUP", "NotFound", "Target", "find", "import_target", "registered"]

GROUP = "regref.backends"
# The entry points pyproject.toml registers, for a checkout run without being installed.
_BUILTIN = {"numpy": "numpy_ref", "jax": "jax_impl", "torch": "torch_impl"}
#: Registered backend → the extra of ``pip install 'regref[EXTRA]'`` that installs its framework.
EXTRAS = {"jax": "jax", "torch": "torch"}


def registered() -> dict[str, str]:
    """Registered name → ``module`` or ``module:attr``."""
    return {**_BUILTIN, **{ep.name: ep.value for ep in entry_points(group=GROUP)}}


class NotFound(LookupError):
    """The spec names no registered backend, module or file; the message lists the registered names."""


@dataclasses.dataclass(frozen=True)
class Target:
    """What a spec names: ``module`` (and ``attr`` inside it), found in ``folder`` when not on ``sys.path``."""

    spec: str
    name: str  # the registered name, or a file's stem, or the spec itself
    module: str
    attr: str = ""
    folder: Path | None = None
    registered: bool = False


def _is_path(target: str) -> bool:
    return target.endswith(".py") or "/" in target or os.sep in target


def _in_cwd(top: str) -> Path | None:
    """The current directory, if the top-level module ``top`` is there (a file, a package or a namespace)."""
    here = Path.cwd()
    return here if importlib.machinery.PathFinder.find_spec(top, [str(here)]) is not None else None


def _not_found(spec: str, what: str) -> NotFound:
    names = sorted(registered())
    nearby = [p.stem for p in Path.cwd().glob("*.py")]  # a typo of the port beside the user counts too
    close = difflib.get_close_matches(spec, [*names, *nearby], n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return NotFound(f"{what}; registered backends: {', '.join(names)}{hint}")


def find(spec: str) -> Target:
    """The :class:`Target` ``spec`` names; :class:`NotFound` if it names nothing. Imports nothing."""
    table = registered()
    if spec in table:
        module, _, attr = table[spec].partition(":")
        return Target(spec, spec, module, attr, registered=True)
    target, _, attr = spec.partition(":")
    if _is_path(target):
        path = Path(target).expanduser()
        if path.suffix == ".py" and path.is_file():
            return Target(spec, path.stem, path.stem, attr, path.resolve().parent)
        if (path / "__init__.py").is_file():
            return Target(spec, path.resolve().name, path.resolve().name, attr, path.resolve().parent)
        raise _not_found(spec, f"no backend {spec!r}: {target} is neither a .py file nor a package folder")
    top = target.split(".")[0]
    if not top.isidentifier():
        raise _not_found(spec, f"no backend {spec!r}: not a registered name, a module or a path to a .py file")
    try:
        on_path = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):  # found, but broken: the import will say why
        on_path = True
    folder = None if on_path else _in_cwd(top)
    if not on_path and folder is None:
        where = f"nor a module importable or in {Path.cwd()}"
        raise _not_found(spec, f"no backend {spec!r}: not a registered name, {where}")
    return Target(spec, spec, target, attr, folder)


def import_target(target: Target) -> Any:
    """Import the module (its folder first on ``sys.path``, so that the files beside it import too) and
    return it, or the object ``attr`` names inside it."""
    if target.folder is not None:
        folder = str(target.folder)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        importlib.invalidate_caches()
    obj: Any = importlib.import_module(target.module)
    if target.folder is not None and not _inside(obj, target.folder):
        elsewhere = getattr(obj, "__file__", "?")
        raise ImportError(f"a module named {target.module!r} is already imported, from {elsewhere}; rename the file")
    for part in filter(None, target.attr.split(".")):
        obj = getattr(obj, part)
    return obj


def _inside(module: Any, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return file is None or Path(file).resolve().is_relative_to(folder)
