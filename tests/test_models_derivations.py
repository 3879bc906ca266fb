"""docs/derivations.md points at the lines that implement each gradient, and covers every one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from numpy_ref import models

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "derivations.md"
LINK = re.compile(r"\[`(\w+)`\]\(\.\./([\w/]+\.py)#L(\d+)-L(\d+)\)")
LINKS = LINK.findall(DOC.read_text(encoding="utf-8"))

#: Every gradient or update written by hand outside numpy_ref.models (whose ``*_backward`` and
#: ``*_grads`` functions are found by name below).
HAND_WRITTEN = {"l2_penalty_grad", "add_l2_grad", "shrink_weights", "weight_decay_step", "sgd_step", "adam_step"}


def function_lines(path: str, name: str) -> tuple[int, int] | None:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node.lineno, node.end_lineno  # type: ignore[return-value]
    return None


@pytest.mark.parametrize(("name", "path", "first", "last"), LINKS, ids=[f"{p}::{n}" for n, p, _, _ in LINKS])
def test_each_link_spans_the_function_it_names(name, path, first, last):
    lines = function_lines(path, name)
    assert lines is not None, f"{path} has no top-level function {name}"
    assert (int(first), int(last)) == lines, f"update docs/derivations.md: {name} is at {path}#L{lines[0]}-L{lines[1]}"


def test_every_hand_written_gradient_is_derived():
    in_models = {n for n in models.__all__ if n.endswith(("_backward", "_grads"))}
    assert {"linear_backward", "mlp_loss_and_grads"} <= in_models
    missing = (HAND_WRITTEN | in_models | {"dropout_backward"}) - {name for name, *_ in LINKS}
    assert not missing, f"docs/derivations.md does not derive {sorted(missing)}"
