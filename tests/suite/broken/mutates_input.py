"""Planted bug: ``sgd_step`` writes the new weights into the caller's arrays."""

import functools
from typing import Any

import numpy_ref
from numpy_ref import *  # noqa: F403
from numpy_ref.tree import flatten


@functools.wraps(numpy_ref.sgd_step)
def sgd_step(params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
    new_params, new_state = numpy_ref.sgd_step(params, grads, state, **hyper)
    for old, new in zip(flatten(params)[0], flatten(new_params)[0]):
        old[...] = new  # the bug: in place
    return params, new_state
