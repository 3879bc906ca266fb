"""Run the kernels in Triton's interpreter, on CPU tensors: how the test suite checks them without a GPU.

Triton decides at decoration time whether a function is compiled or interpreted (``TRITON_INTERPRET``),
so :func:`interpreted` reloads the kernel modules with the variable set, and again without it on exit.
The interpreter does NumPy arithmetic: every float op is one IEEE op, as the compiled kernels are
launched to do; its float32 → bfloat16 conversion, however, does not round to nearest even (Triton
3.6), so bfloat16 results are checked bit for bit only on a GPU.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from types import ModuleType

__all__ = ["interpreted"]

_MODULES = ("threefry", "groups", "dropout", "optim", "l2")  # dependencies first


def _reload() -> dict[str, ModuleType]:
    return {name: importlib.reload(importlib.import_module(f"{__package__}.{name}")) for name in _MODULES}


@contextlib.contextmanager
def interpreted() -> Iterator[dict[str, ModuleType]]:
    """The kernel modules (by name) reloaded in the interpreter; restored to their compiled form on exit."""
    before = os.environ.get("TRITON_INTERPRET")
    os.environ["TRITON_INTERPRET"] = "1"
    try:
        yield _reload()
    finally:
        if before is None:
            del os.environ["TRITON_INTERPRET"]
        else:
            os.environ["TRITON_INTERPRET"] = before
        _reload()
