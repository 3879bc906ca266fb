"""The backend loads, exports every public name with the reference's signature, and converts arrays faithfully."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import numpy_ref
from conformance import ops
from conformance.backends import Backend, Unavailable
from conformance.protocol import missing
from conformance.ulp import bits_equal
from numpy_ref.dtypes import FLOAT_DTYPES


def test_imports(selected: Backend | Unavailable) -> None:
    """A backend asked for by name must import; one found by discovery may just not be installed."""
    if isinstance(selected, Unavailable):
        if selected.reason == "not installed" and not selected.explicit:
            pytest.skip(f"{selected.name}: not installed ({selected.detail})")
        pytest.fail(f"{selected.name} ({selected.spec}): {selected.reason}: {selected.detail}", pytrace=False)


def test_exports_the_api(backend: Backend) -> None:
    absent = missing(backend.module)
    assert not absent, f"{backend.name} does not export {', '.join(absent)} (required: numpy_ref.__all__)"


def test_reuses_the_state_classes(backend: Backend) -> None:
    for name in ops.STATE_CLASSES:
        assert getattr(backend.module, name, None) is getattr(numpy_ref, name), (
            f"{backend.name}.{name} must be numpy_ref.{name} itself, so states compare as pytrees"
        )


def _shape(fn: object) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]  # type: ignore[arg-type]


@pytest.mark.ops(*ops.FUNCTIONS)
def test_signature(backend: Backend, op: str) -> None:
    """Same parameter names, kinds and defaults as the reference (annotations may name native types)."""
    got, want = _shape(backend.fn(op)), _shape(getattr(numpy_ref, op))
    assert got == want, f"{backend.name}.{op} signature differs:\n  got  {got}\n  want {want}"


def test_converters_round_trip(backend: Backend) -> None:
    """``to_numpy(asarray(x))`` gives ``x`` back bit for bit, dtype included, for every array kind the suite sends."""
    special = [0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, 1e-45]
    arrays = [np.array(special, FLOAT_DTYPES[d]).reshape(2, 4) for d in backend.dtypes]
    arrays += [np.array([0, 2**32 - 1], np.uint32), np.array([[True, False]]), np.zeros((0, 3), np.float32)]
    for x in arrays:
        with np.errstate(all="ignore"):
            back = backend.to_numpy(backend.asarray(x))
        assert back.dtype == x.dtype and back.shape == x.shape, (
            f"{backend.name}: round trip of {x.dtype} {x.shape} gave {back.dtype} {back.shape}"
        )
        same = bits_equal(back, x) if x.dtype in FLOAT_DTYPES.values() else back == x
        assert np.all(same), f"{backend.name}: round trip of {x!r} gave {back!r}"
