"""Assertions that explain themselves: backend, op, dtype, shapes, seed, the worst element, a repro.

Each helper hides its own frame (``__tracebackhide__``) so a failure points at the test line, and
records the error it measured for the ``regref check`` report.
"""

from __future__ import annotations

from collections.abc import Iterator

import ml_dtypes
import numpy as np

from numpy_ref.dtypes import FLOAT_DTYPES
from numpy_ref.tree import PyTree, flatten

from .backends import Backend
from .calls import Call
from .recording import record
from .ulp import scaled_error, ulp_distance

__all__ = ["assert_match", "explain", "leaf_paths"]


def leaf_paths(tree: PyTree, prefix: str = "") -> Iterator[str]:
    """Readable paths of the leaves, in :func:`numpy_ref.tree.flatten` order: ``[1].m['w']``."""
    if isinstance(tree, dict):
        for k in sorted(tree):
            yield from leaf_paths(tree[k], f"{prefix}[{k!r}]")
    elif isinstance(tree, tuple) and hasattr(tree, "_fields"):
        for field, child in zip(tree._fields, tree):
            yield from leaf_paths(child, f"{prefix}.{field}")
    elif isinstance(tree, (list, tuple)):
        for i, child in enumerate(tree):
            yield from leaf_paths(child, f"{prefix}[{i}]")
    else:
        yield prefix or "output"


def explain(backend: Backend, call: Call, headline: str, lines: list[str]) -> str:
    """The full failure message: what failed, on which call, why, and how to reproduce it."""
    body = "\n".join(f"  {line}" for line in [f"call: {call.describe()}", *lines] if line)
    repro = "\n".join(f"    {line}" for line in call.repro(backend.spec).splitlines())
    return f"{backend.name}: {call.op}: {headline}\n{body}\n  reproduce:\n{repro}"


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _float_report(g: np.ndarray, w: np.ndarray, err: np.ndarray, tol: float, scale: object) -> list[str]:
    bad = err > tol
    worst = int(np.argmax(err))
    gw, ww = g.reshape(-1)[worst], w.reshape(-1)[worst]
    distance = ulp_distance(np.asarray(gw), np.asarray(ww))
    at = f"worst element at {_index(worst, g.shape)}: got {gw!r}, want {ww!r}, {distance:.0f} ULPs apart"
    unit = "exact bits required" if tol == 0 else f"error {err.reshape(-1)[worst]:.3g} ULPs"
    if tol and scale is not None:
        unit += f" of the term magnitude {np.asarray(scale, np.float64).reshape(-1)[worst]:.6g}"
    lines = [at, f"{unit} (tolerance {tol:g}); {int(bad.sum())} of {g.size} elements outside it"]
    with np.errstate(all="ignore"):
        ratio = np.asarray(g, np.float64)[bad] / np.asarray(w, np.float64)[bad]
    ratio = ratio[np.isfinite(ratio) & (ratio != 0)]
    if ratio.size and np.allclose(ratio, ratio[0], rtol=1e-9, atol=0):
        lines.append(f"pattern: got/want = {ratio[0]:.9g} on every such element: a constant factor")
    tiny = float(ml_dtypes.finfo(w.dtype).smallest_normal)
    wide = np.abs(np.asarray(w, np.float64)[bad])
    if np.all((np.asarray(g, np.float64)[bad] == 0) & (wide < tiny) & (wide > 0)):
        lines.append("pattern: every such element is a subnormal result returned as zero: flush-to-zero?")
    return lines


def _leaf_problem(g: np.ndarray, w: np.ndarray, scale: object, tol: float) -> tuple[float, list[str]]:
    """(measured error in ULPs, lines explaining the mismatch — empty if it matches)."""
    if w.ndim == 0 and w.dtype.kind in "iu":  # the step counter: any integer type will do
        ok = g.shape == () and g.dtype.kind in "iu" and int(g) == int(w)
        return 0.0, [] if ok else [f"got {g!r}, want the integer {int(w)}"]
    if g.dtype != w.dtype or g.shape != w.shape:
        return np.inf, [f"got dtype {g.dtype.name} shape {g.shape}, want dtype {w.dtype.name} shape {w.shape}"]
    if w.dtype not in FLOAT_DTYPES.values():  # bool masks, uint32 keys and bits: exact
        bad = np.flatnonzero(g.reshape(-1) != w.reshape(-1))
        if not bad.size:
            return 0.0, []
        first = int(bad[0])
        at = f"first at {_index(first, g.shape)}: got {g.reshape(-1)[first]!r}, want {w.reshape(-1)[first]!r}"
        return np.inf, [f"{bad.size} of {g.size} elements differ; {at}"]
    err = ulp_distance(g, w) if tol == 0 else scaled_error(g, w, scale)
    worst = float(err.max(initial=0.0))
    return worst, [] if worst <= tol else _float_report(g, w, err, tol, scale)


def assert_match(
    got: PyTree, want: PyTree, *, backend: Backend, call: Call, tol: float = 0.0, scale: PyTree = None, note: str = ""
) -> None:
    """``got`` has ``want``'s structure, dtypes and shapes, and every float within ``tol`` ULPs (0: identical
    bits, NaN matching NaN) of ``max(|want|, scale)``; integers and bools equal."""
    __tracebackhide__ = True
    got_leaves, got_td = flatten(got)
    want_leaves, want_td = flatten(want)
    if got_td != want_td:
        lines = [f"got {got_td}", f"want {want_td}", note]
        raise AssertionError(explain(backend, call, "output structure differs", lines))
    scales = flatten(scale)[0] if scale is not None else [None] * len(want_leaves)
    worst, problems = 0.0, []
    for path, g, w, s in zip(leaf_paths(want), got_leaves, want_leaves, scales):
        err, lines = _leaf_problem(np.asarray(g), np.asarray(w), s, tol)
        worst = max(worst, err)
        problems += [f"{path}: {line}" for line in lines]
    record("ulp", worst)
    if problems:
        raise AssertionError(explain(backend, call, "differs from the reference", [*problems, note]))


def _array_leaves(backend: Backend, tree: PyTree) -> list[tuple[str, np.ndarray]]:
    pairs = zip(leaf_paths(tree), flatten(tree)[0])
    return [(path, backend.to_numpy(leaf)) for path, leaf in pairs if not isinstance(leaf, (bool, int, float, str))]


def snapshot(backend: Backend, tree: PyTree) -> list[tuple[str, np.ndarray]]:
    """Copies of the array leaves of native ``tree``, to compare with after a call."""
    return [(path, np.array(a, copy=True)) for path, a in _array_leaves(backend, tree) if isinstance(a, np.ndarray)]


def assert_pure(
    backend: Backend, call: Call, before: list[tuple[str, np.ndarray]], inputs: PyTree, outputs: PyTree
) -> None:
    """Inputs hold the values they held before the call, and no output shares writable memory with an input."""
    __tracebackhide__ = True
    after = _array_leaves(backend, inputs)
    changed = [path for (path, old), (_, new) in zip(before, after) if not np.all(_same(old, new))]
    if changed:
        raise AssertionError(explain(backend, call, "modified its inputs in place", [f"changed: {', '.join(changed)}"]))
    ins = [(path, a) for path, a in after if a.size]
    shared = [
        f"output {out_path} aliases input {in_path}"
        for out_path, out in _array_leaves(backend, outputs)
        if out.size and out.flags.writeable
        for in_path, a in ins
        if np.shares_memory(out, a)
    ]
    if shared:
        lines = [*shared, "writing into the output would change the caller's input"]
        raise AssertionError(explain(backend, call, "returns an input's memory", lines))


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) if a.dtype not in FLOAT_DTYPES.values() else (ulp_distance(a, b) == 0)
