"""Pytrees: nested lists, tuples and dicts whose leaves are arrays.

The same definition as ``jax.tree_util`` for these containers (dict keys are visited in sorted order),
written in plain Python so that any backend can reuse it whatever its array type. Named tuples are
nodes too (optimizer states are named tuples).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "PyTree",
    "TreeDef",
    "flatten",
    "matching_leaves",
    "resolve_decay_mask",
    "same_structure",
    "tree_map",
    "unflatten",
]

PyTree = Any


class TreeDef:
    """The structure of a pytree without its leaves; equal structures compare equal."""

    __slots__ = ("children", "kind", "meta")

    def __init__(self, kind: object, meta: object, children: tuple[TreeDef, ...]) -> None:
        self.kind, self.meta, self.children = kind, meta, children

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreeDef) and (self.kind, self.meta, self.children) == (
            other.kind,
            other.meta,
            other.children,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.meta, self.children))

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        inner = ", ".join(map(repr, self.children))
        if self.kind is dict:
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.meta, self.children))  # type: ignore[call-overload]
            return "{" + inner + "}"
        return f"{getattr(self.kind, '__name__', self.kind)}({inner})"


_LEAF = TreeDef(None, None, ())


def _is_node(x: object) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(tree: PyTree) -> tuple[list[Any], TreeDef]:
    """Leaves in a fixed order (dicts by sorted key) and the structure to rebuild the tree."""
    leaves: list[Any] = []

    def walk(node: PyTree) -> TreeDef:
        if isinstance(node, dict):
            keys = tuple(sorted(node))
            return TreeDef(dict, keys, tuple(walk(node[k]) for k in keys))
        if isinstance(node, (list, tuple)):
            return TreeDef(type(node), len(node), tuple(walk(c) for c in node))
        leaves.append(node)
        return _LEAF

    return leaves, walk(tree)


def unflatten(treedef: TreeDef, leaves: list[Any]) -> PyTree:
    """Inverse of :func:`flatten`."""
    it = iter(leaves)

    def build(td: TreeDef) -> PyTree:
        if td.kind is None:
            return next(it)
        children = [build(c) for c in td.children]
        if td.kind is dict:
            return dict(zip(td.meta, children))  # type: ignore[call-overload]
        if td.kind is list:
            return children
        if hasattr(td.kind, "_fields"):  # a NamedTuple
            return td.kind(*children)  # type: ignore[operator]
        return td.kind(children)  # type: ignore[operator]

    return build(treedef)


def same_structure(names: tuple[str, str], a: PyTree, b: PyTree) -> tuple[list[Any], list[Any], TreeDef]:
    """Flatten both trees; ValueError naming both arguments if their structures differ."""
    la, ta = flatten(a)
    lb, tb = flatten(b)
    if ta != tb:
        raise ValueError(f"{names[1]} must have the structure of {names[0]}: {tb!r} != {ta!r}")
    return la, lb, ta


def tree_map(fn: Callable[..., Any], tree: PyTree, *rest: PyTree) -> PyTree:
    """Apply ``fn`` leaf-wise over trees of one structure."""
    leaves, td = flatten(tree)
    others = [flatten(r)[0] for r in rest]
    return unflatten(td, [fn(*xs) for xs in zip(leaves, *others)])


def resolve_decay_mask(params: PyTree, decay_mask: object) -> list[bool]:
    """One bool per leaf of ``params`` (in :func:`flatten` order) saying whether it is decayed.

    ``decay_mask`` is ``None`` (decay everything), a pytree of bools with the structure of ``params``,
    or a callable ``leaf -> bool`` (for example ``lambda w: w.ndim > 1`` to spare biases).
    """
    leaves, td = flatten(params)
    if decay_mask is None:
        return [True] * len(leaves)
    if callable(decay_mask):
        flags = [decay_mask(w) for w in leaves]
    else:
        flags, mtd = flatten(decay_mask)
        if mtd != td:
            raise ValueError(f"decay_mask must have the structure of params: {mtd!r} != {td!r}")
    for f in flags:
        if not isinstance(f, (bool, np.bool_)):
            raise TypeError(f"decay_mask entries must be bools, got {f!r}")
    return [bool(f) for f in flags]


def matching_leaves(
    named_trees: dict[str, PyTree], describe: Callable[[Any], tuple[Any, ...]]
) -> tuple[list[list[Any]], TreeDef]:
    """Flatten trees that must all have the first tree's structure and, leaf by leaf, the same
    ``describe(leaf)`` (shape and dtype); ValueError naming the first argument that differs."""
    (first, tree), *rest = named_trees.items()
    leaves, td = flatten(tree)
    out = [leaves]
    for name, other in rest:
        other_leaves = same_structure((first, name), tree, other)[1]
        for i, (a, b) in enumerate(zip(leaves, other_leaves)):
            if describe(a) != describe(b):
                raise ValueError(f"{name} leaf {i} must match {first} (shape, dtype) {describe(a)}, got {describe(b)}")
        out.append(other_leaves)
    return out, td
