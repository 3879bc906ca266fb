"""The backends a demo can train on, each seen through the same five names.

``ops`` is the package (``numpy_ref``, ``jax_impl`` or ``torch_impl``: optimizers, penalties, keys),
``models`` its ``models`` module (hand-written gradients in NumPy, autodiff in the ports), and
``asarray`` / ``to_numpy`` the converters of the backend protocol (:mod:`conformance.protocol`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ..usage import need

__all__ = ["BACKENDS", "Backend", "load_backend", "resolve_backends"]

#: Backend name → package.
BACKENDS = {"numpy": "numpy_ref", "jax": "jax_impl", "torch": "torch_impl"}


@dataclass(frozen=True)
class Backend:
    name: str
    ops: ModuleType
    models: ModuleType
    asarray: Callable[[np.ndarray], Any]
    to_numpy: Callable[[Any], np.ndarray]


def load_backend(name: str) -> Backend:
    """Import a backend by name (``numpy``, ``jax``, ``torch``); ValueError for another name."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {sorted(BACKENDS)}, got {name!r}")
    ops = importlib.import_module(BACKENDS[name])
    models = importlib.import_module(f"{BACKENDS[name]}.models")
    if name == "numpy":
        return Backend(name, ops, models, np.asarray, np.asarray)
    return Backend(name, ops, models, ops.asarray, ops.to_numpy)


def resolve_backends(choice: str) -> list[Backend]:
    """``all`` → numpy, jax, torch (numpy first: the others are compared with it); else the one named.

    :class:`~regref.usage.UsageError` naming the extra to install if a framework is missing, before any import.
    """
    names = list(BACKENDS) if choice == "all" else [choice]
    for name in (n for n in names if n != "numpy"):
        need(name, f"--backend {choice}")
    return [load_backend(n) for n in names]
