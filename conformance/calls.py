"""One call of a public function with NumPy inputs: run it on the reference or a backend, describe it, replay it.

Array leaves of the arguments are NumPy arrays (converted with the backend's ``asarray``); everything
else — hyperparameters, shapes, ``betas``, bool pytrees for ``decay_mask``, the ``step`` of an
optimizer state — stays a Python value, on every backend.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from typing import TYPE_CHECKING, Any

import numpy as np

import numpy_ref
from numpy_ref.dtypes import FLOAT_DTYPES
from numpy_ref.tree import PyTree, flatten, tree_map

if TYPE_CHECKING:
    from .backends import Backend

__all__ = ["TINY", "Call", "literal", "without_tiny"]


@dataclasses.dataclass(frozen=True)
class Call:
    """``op(*args, **kwargs)``, with the seed of its key (if any) and the float dtype it was drawn for."""

    op: str
    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    seed: int | None = None
    dtype: str | None = None

    def on_reference(self) -> PyTree:
        with np.errstate(all="ignore"):  # overflow to inf and NaN from inf − inf are the contract's results
            return getattr(numpy_ref, self.op)(*self.args, **self.kwargs)

    def on(self, backend: Backend, device: str | None = None) -> PyTree:
        return backend.run(self.op, self.args, self.kwargs, device)

    def with_arguments(self, **values: Any) -> Call:
        """This call with the named arguments (positional or keyword) set to ``values``."""
        bound = inspect.signature(getattr(numpy_ref, self.op)).bind(*self.args, **self.kwargs)
        bound.arguments.update(values)
        return dataclasses.replace(self, args=bound.args, kwargs=bound.kwargs)

    def argument(self, name: str) -> Any:
        """The value passed for parameter ``name`` (its default if none was)."""
        bound = inspect.signature(getattr(numpy_ref, self.op)).bind(*self.args, **self.kwargs)
        bound.apply_defaults()
        return bound.arguments[name]

    def without_tiny(self) -> Call:
        """This call for a backend that flushes subnormals to zero: array elements below ``TINY`` in magnitude
        become zeros of their sign and smaller nonzero hyperparameters become ``±TINY``, so that a product
        of three magnitudes stays a normal float32 and flushing never fires."""
        args, kwargs = without_tiny((self.args, self.kwargs))
        return dataclasses.replace(self, args=args, kwargs=kwargs)

    def describe(self) -> str:
        """``op · dtype · shapes of the first argument's arrays · seed · hyperparameters``."""
        first = flatten(self.args[0])[0] if self.args else []
        floats = [a for a in first if isinstance(a, np.ndarray) and a.dtype in FLOAT_DTYPES.values()]
        shapes = ", ".join(str(tuple(a.shape)) for a in floats)
        bound = inspect.signature(getattr(numpy_ref, self.op)).bind(*self.args, **self.kwargs).arguments
        scalars = {k: v for k, v in bound.items() if isinstance(v, (bool, int, float, str)) or type(v) is tuple}
        parts = [self.op, f"dtype {self.dtype}" if self.dtype else "", f"shapes {shapes}" if shapes else ""]
        parts.append(f"seed {self.seed}" if self.seed is not None else "")
        parts.append(", ".join(f"{k}={v!r}" for k, v in scalars.items()))
        return " · ".join(p for p in parts if p)

    def repro(self, spec: str) -> str:
        """Python that reruns this call on the backend loaded from ``spec`` and on the reference."""
        return "\n".join(
            [
                "import ml_dtypes",
                "import numpy as np",
                "import numpy_ref as ref",
                "from conformance.backends import load",
                f"backend = load({spec!r})",
                f"args = {literal(self.args)}",
                f"kwargs = {literal(self.kwargs)}",
                f"got = backend.call({self.op!r}, *args, **kwargs)",
                f"want = ref.{self.op}(*args, **kwargs)",
                "print(got, want, sep='\\n')",
            ]
        )


TINY = 2.0**-32


def without_tiny(tree: PyTree) -> PyTree:
    """:meth:`Call.without_tiny` for any pytree of arrays and floats."""
    return tree_map(_without_tiny, tree)


def _without_tiny(x: object) -> object:
    if isinstance(x, np.ndarray) and x.dtype in FLOAT_DTYPES.values():
        wide = x.astype(np.float64)
        return np.where(np.abs(wide) < TINY, np.copysign(0.0, wide), wide).astype(x.dtype)
    if isinstance(x, float) and 0 < abs(x) < TINY:  # a hyperparameter: keep its sign, so constraints still hold
        return math.copysign(TINY, x)
    return x


def _number(x: object) -> str:
    if isinstance(x, float) and not math.isfinite(x):
        return "np.nan" if math.isnan(x) else ("np.inf" if x > 0 else "-np.inf")
    return repr(x)


def _nested(values: object) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _number(values)


def _array(a: np.ndarray) -> str:
    dtype = "ml_dtypes.bfloat16" if a.dtype.name == "bfloat16" else f"np.{a.dtype.name}"
    if a.size == 0:
        return f"np.zeros({a.shape}, dtype={dtype})"
    values = a.astype(np.float64).tolist() if a.dtype.name == "bfloat16" else a.tolist()
    return f"np.array({_nested(values)}, dtype={dtype})"


def literal(x: object) -> str:
    """Source that evaluates to ``x`` (arrays, pytrees, states, scalars), given the imports of :meth:`Call.repro`."""
    if isinstance(x, np.ndarray):
        return _array(x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        fields = ", ".join(f"{f}={literal(v)}" for f, v in zip(x._fields, x))
        return f"ref.{type(x).__name__}({fields})"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in x.items()) + "}"
    if isinstance(x, list):
        return "[" + ", ".join(literal(v) for v in x) + "]"
    if isinstance(x, tuple):
        return f"({literal(x[0])},)" if len(x) == 1 else f"({', '.join(map(literal, x))})"
    return _number(x)
