"""Planted bug: SGD applies dampening at the first momentum step, ``b₁ = (1 − τ)·d`` instead of ``d``."""

import functools
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref import *  # noqa: F403
from numpy_ref.tree import tree_map


@functools.wraps(numpy_ref.sgd_step)
def sgd_step(params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
    first = isinstance(state, numpy_ref.SGDState) and int(np.asarray(state.step)) == 0  # else as the reference
    if not first or hyper.get("momentum", 0.0) == 0:
        return numpy_ref.sgd_step(params, grads, state, **hyper)
    # the bug: treat step 1 as a later step from a zero buffer, so b₁ = μ·0 + (1 − τ)·d
    later = numpy_ref.SGDState(1, tree_map(np.zeros_like, state.momentum))
    new_params, new_state = numpy_ref.sgd_step(params, grads, later, **hyper)
    return new_params, numpy_ref.SGDState(new_state.step - 1, new_state.momentum)
