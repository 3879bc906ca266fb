"""The reference's docstring examples run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import numpy_ref

MODULES = sorted(m.name for m in pkgutil.iter_modules(numpy_ref.__path__, "numpy_ref."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_examples_exist():
    attempted = sum(doctest.testmod(importlib.import_module(name)).attempted for name in MODULES)
    assert attempted >= 15
