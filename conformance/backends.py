"""Finding, loading and wrapping backends (what a backend *is* is in :mod:`conformance.protocol`).

A backend is named the way its author wrote it:

- a registered name: the ``regref.backends`` entry points (``numpy``, ``jax``, ``torch`` and any a
  package adds);
- a module, ``myport`` or ``my_pkg.my_backend``, importable or in the current directory (as
  ``python -m`` would find it, even when run as ``regref`` or ``pytest``);
- a path to a file, ``./myport.py`` or ``ports/myport.py`` (its folder is put on ``sys.path``, so
  the files beside it import too);
- an object inside a module or file, ``my_pkg.backends:mine``.

With no choice on the command line or in ``REGREF_BACKEND``, every registered backend is selected,
and one that cannot be imported is reported, never dropped. A name that matches nothing is a usage
error (:func:`check_spec`), which lists the registered names and the closest one; a module that
exists but fails to import is reported as *cannot import*, with its error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from numpy_ref.dtypes import FLOAT_DTYPES
from numpy_ref.tree import PyTree, tree_map

from . import locate

__all__ = ["ENV_VAR", "Backend", "BackendImportError", "Unavailable", "load", "select", "specs"]

ENV_VAR = "REGREF_BACKEND"


@dataclasses.dataclass(frozen=True)
class Unavailable:
    """A selected backend that did not load. ``reason``: ``'not installed'`` (a registered backend whose framework
    is missing), ``'cannot import'`` (the module raised; ``detail`` is the error) or ``'unknown'`` (names nothing)."""

    name: str
    spec: str
    reason: str
    detail: str
    explicit: bool = True


class BackendImportError(ImportError):
    """Raised by :func:`load`; ``unavailable`` says why."""

    def __init__(self, unavailable: Unavailable) -> None:
        super().__init__(f"backend {unavailable.name}: {unavailable.reason}: {unavailable.detail}")
        self.unavailable = unavailable


@dataclasses.dataclass(frozen=True, eq=False)
class Backend:
    """A loaded backend: its hooks with the protocol's defaults, and NumPy-in, NumPy-out calls."""

    name: str
    spec: str
    module: Any

    def __repr__(self) -> str:
        return self.name

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how Hypothesis prints a failing example
        printer.text(self.name)

    def has(self, hook: str) -> bool:
        return hasattr(self.module, hook)

    def fn(self, name: str) -> Callable[..., Any]:
        """The backend's function ``name``, run with NumPy's floating-point warnings off: IEEE overflow to
        inf and NaN from inf − inf are results the contract defines, not failures."""
        if not hasattr(self.module, name):
            raise AttributeError(f"backend {self.name} does not export {name!r}, which the protocol requires")
        fn = getattr(self.module, name)

        @functools.wraps(fn)
        def quiet(*args: Any, **kwargs: Any) -> Any:
            with np.errstate(all="ignore"):
                return fn(*args, **kwargs)

        return quiet

    @property
    def replayable(self) -> bool:
        return bool(getattr(self.module, "REPLAYABLE_MASKS", True))

    @property
    def subnormals(self) -> bool:
        """False for a backend that flushes subnormals to zero (XLA on CPU does): it gets no tiny inputs."""
        return bool(getattr(self.module, "SUBNORMALS", True))

    @property
    def dtypes(self) -> tuple[str, ...]:
        return tuple(d for d in getattr(self.module, "DTYPES", FLOAT_DTYPES) if d in FLOAT_DTYPES)

    def devices(self) -> list[str]:
        return list(self.module.devices()) if self.has("devices") else []

    def eager(self) -> contextlib.AbstractContextManager[Any]:
        return self.module.eager()  # type: ignore[no-any-return]

    def vjp(self, fn: Callable[[Any], Any], primal: PyTree, cotangent: PyTree) -> PyTree:
        """The backend's autodiff gradient of ``sum(cotangent · fn(primal))``, NumPy in and out."""
        with np.errstate(all="ignore"):
            return self.numpy(self.module.vjp(fn, self.native(primal), self.native(cotangent)))

    def asarray(self, x: np.ndarray, device: str | None = None) -> Any:
        convert = getattr(self.module, "asarray", np.asarray)
        return convert(x) if device is None else convert(x, device=device)

    def to_numpy(self, x: Any) -> np.ndarray:
        if isinstance(x, (bool, int, float)):
            return np.asarray(x)  # a Python step counter, say
        return np.asarray(getattr(self.module, "to_numpy", np.asarray)(x))

    def native(self, tree: PyTree, device: str | None = None) -> PyTree:
        """NumPy array leaves as native arrays; other leaves (hyperparameters, callables) as they are."""
        return tree_map(lambda x: self.asarray(x, device) if isinstance(x, np.ndarray) else x, tree)

    def numpy(self, tree: PyTree) -> PyTree:
        """Every leaf as a NumPy array."""
        return tree_map(self.to_numpy, tree)

    def run(self, op: str, args: tuple, kwargs: dict, device: str | None = None) -> PyTree:
        """``op`` on NumPy inputs (placed on ``device``), returning NumPy outputs: what comparisons use."""
        return self.numpy(self.fn(op)(*self.native(args, device), **self.native(kwargs, device)))

    def call(self, op: str, *args: Any, **kwargs: Any) -> PyTree:
        """:meth:`run` spelled as a call, for repro snippets."""
        return self.run(op, args, kwargs)


def _why(error: BaseException, target: locate.Target) -> tuple[str, str]:
    """(reason, detail): 'not installed' when a registered backend's framework is missing, else 'cannot import'."""
    detail = f"{type(error).__name__}: {error}"
    missing = getattr(error, "name", None) if isinstance(error, ModuleNotFoundError) else None
    own_package = target.module.split(".")[0]
    parent_or_self = missing is not None and (target.module + ".").startswith(missing + ".")
    inside = missing is not None and missing.startswith(own_package + ".") and not parent_or_self
    if not target.registered or missing is None or inside:  # a module of the backend's own is broken
        return "cannot import", detail
    extra = locate.EXTRAS.get(target.name)
    return "not installed", detail + (f" (pip install 'regref[{extra}]')" if extra else "")


def load(spec: str) -> Backend:
    """The backend named by ``spec``; :class:`BackendImportError` if it names nothing or does not import."""
    try:
        target = locate.find(spec)
    except locate.NotFound as error:
        raise BackendImportError(Unavailable(spec, spec, "unknown", str(error))) from None
    try:
        obj = locate.import_target(target)
    except Exception as error:  # anything a broken backend raises at import is reported, not raised
        reason, detail = _why(error, target)
        raise BackendImportError(Unavailable(target.name, spec, reason, detail)) from error
    if not target.attr and getattr(obj, "__file__", None) is None:
        detail = f"{target.module} is an empty namespace package (no __init__.py)"
        raise BackendImportError(Unavailable(target.name, spec, "cannot import", detail))
    return Backend(target.name if target.registered else getattr(obj, "NAME", target.name), spec, obj)


def specs(options: Sequence[str] | None = None) -> tuple[list[str], bool]:
    """The specs asked for (``--backend`` values, else ``REGREF_BACKEND``) and True; else every registered name
    and False."""
    if options:
        return list(options), True
    env = [s.strip() for s in os.environ.get(ENV_VAR, "").split(",") if s.strip()]
    return (env, True) if env else (sorted(locate.registered()), False)


def select(options: Sequence[str] | None = None) -> list[Backend | Unavailable]:
    """The backends asked for (``--backend`` values, else ``REGREF_BACKEND``, else all registered), loaded."""
    chosen, explicit = specs(options)
    out: list[Backend | Unavailable] = []
    for spec in dict.fromkeys(chosen):
        try:
            out.append(load(spec))
        except BackendImportError as error:
            out.append(dataclasses.replace(error.unavailable, explicit=explicit))
    return out
