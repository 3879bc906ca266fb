"""Load ``numpy_ref`` with one edit of its source, as a fresh package: a planted-bug backend in one line.

``edited_reference(name, "sgd.py", old, new)`` imports a private copy of the whole reference under the
package name ``planted_<name>``, with ``old`` replaced by ``new`` in ``numpy_ref/sgd.py`` and every other
module as it is. ``old`` must occur exactly once: an edit that no longer applies (the reference changed
under it) raises instead of planting nothing. Nothing is written to disk: the copies are compiled from
edited text, never from (or into) a bytecode cache.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy_ref

REFERENCE = Path(numpy_ref.__file__).parent
PREFIX = "planted_"


class EditDoesNotApply(LookupError):
    """The text an edit replaces is not in the reference (exactly once)."""


class _EditedSource(importlib.abc.SourceLoader):
    """One module of a copy: the reference's file, with the copy's edit applied if it is the edited file.
    ``path_stats`` is left out on purpose: without it no bytecode cache is read or written."""

    def __init__(self, path: Path, edit: tuple[str, str, str]) -> None:
        self.path, self.edit = path, edit

    def get_filename(self, fullname: str) -> str:
        return str(self.path)

    def get_data(self, path: str) -> bytes:
        text = Path(path).read_text(encoding="utf-8")
        file, old, new = self.edit
        if Path(path).name == file:
            if text.count(old) != 1:
                raise EditDoesNotApply(f"{old!r} occurs {text.count(old)} times in numpy_ref/{file}, not once")
            text = text.replace(old, new)
        return text.encode("utf-8")


class _Copies(importlib.abc.MetaPathFinder):
    """Finds ``planted_<name>`` and its submodules in the reference's folder, each with its copy's edit."""

    def __init__(self) -> None:
        self.edits: dict[str, tuple[str, str, str]] = {}

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec:
        package, _, module = fullname.partition(".")
        if package not in self.edits:
            return None  # type: ignore[return-value]
        file = REFERENCE / (f"{module}.py" if module else "__init__.py")
        loader = _EditedSource(file, self.edits[package])
        return importlib.util.spec_from_loader(fullname, loader, origin=str(file), is_package=not module)


_FINDER = _Copies()
sys.meta_path.insert(0, _FINDER)


def edited_reference(name: str, file: str, old: str, new: str) -> ModuleType:
    """The reference with ``old`` replaced by ``new`` in ``numpy_ref/<file>``, as a backend named ``name``."""
    package = PREFIX + name
    _FINDER.edits[package] = (file, old, new)
    module = importlib.import_module(package)
    module.NAME = name
    return module
