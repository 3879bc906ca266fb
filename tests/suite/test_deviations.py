"""Known deviations: the file format, and what a run reports for a deviation that occurs, one that no
longer does, one whose failure looks different, and one that matches no test."""

import re
import textwrap
from pathlib import Path

import pytest
from conftest import run_pytest

from conformance.deviations import Deviation, read

DEVIANT = '''
"""numpy_ref, but the penalty and its gradient come back in float32."""
import numpy as np
import numpy_ref
from numpy_ref import *  # noqa: F403

DEVIATIONS = "deviant.toml"


def l2_penalty(params, weight_decay, *, decay_mask=None):
    return np.float32(numpy_ref.l2_penalty(params, weight_decay, decay_mask=decay_mask))


def l2_penalty_grad(params, weight_decay, *, decay_mask=None):
    grads = numpy_ref.l2_penalty_grad(params, weight_decay, decay_mask=decay_mask)
    return numpy_ref.tree.tree_map(lambda g: g.astype(np.float32), grads)
'''
LISTED = """
[[deviation]]
test = "test_ops_values.py::test_matches_reference[l2_penalty-*]"
reason = "the penalty is float32"
match = "dtype float32"

[[deviation]]
test = "test_ops_values.py::test_matches_reference[l2_penalty_grad-float16]"
reason = "listed with the wrong symptom"
match = "a message that never appears"

[[deviation]]
test = "test_ops_values.py::test_matches_reference[key]"
reason = "listed, but key is right"

[[deviation]]
test = "test_nothing.py::test_nothing"
reason = "matches no test"
"""


def test_read_validates_entries(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[[deviation]]\ntest = "a.py::t[*]"\nreason = "r"\n')
    (entry,) = read(good)
    assert entry.covers("a.py::t[x-float16]") and not entry.covers("a.py::u") and entry.explains("anything")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[deviation]]\ntest = "a.py::t"\n')
    with pytest.raises(ValueError, match=r"bad\.toml: deviation 0 needs 'test' and 'reason'"):
        read(bad)
    bad.write_text('[[deviation]]\ntest = "a"\nreason = "r"\ntypo = 1\n')
    with pytest.raises(ValueError, match="typo"):
        read(bad)
    assert not Deviation("t", "r", "dtype").explains("shape")


def test_a_run_reports_each_kind_of_listed_deviation(tmp_path: Path) -> None:
    (tmp_path / "deviant.py").write_text(textwrap.dedent(DEVIANT))
    (tmp_path / "deviant.toml").write_text(LISTED)
    args = ["--pyargs", "conformance.test_ops_values", "--backend=deviant", "-k", "l2_penalty or key", "-v"]
    result = run_pytest(args, cwd=tmp_path, path=(tmp_path,))
    out = result.stdout
    assert result.returncode == 1, out[-4000:]
    assert re.search(r"4 failed, 1 passed, \d+ deselected, 4 deviation", out), out[-2000:]
    assert re.search(r"test_matches_reference\[l2_penalty-deviant-float32\] DEVIATION", out)
    assert "listed deviation no longer occurs: 'test_ops_values.py::test_matches_reference[key]'" in out
    assert "FAILED" in out and "test_matches_reference[l2_penalty_grad-deviant-float16]" in out
    assert "its failure does not match 'a message that never appears'" in out
    assert "listed deviation matches no collected test: 'test_nothing.py::test_nothing'" in out
