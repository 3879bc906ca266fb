"""Planted bug: the optimizer states are classes of the backend's own, equal in fields to the reference's."""

import functools
from typing import Any, NamedTuple

import numpy_ref
from numpy_ref import *  # noqa: F403


class SGDState(NamedTuple):
    step: Any
    momentum: Any


class AdamState(NamedTuple):
    step: Any
    m: Any
    v: Any
    v_max: Any


def _own(state: Any) -> Any:
    return {numpy_ref.SGDState: SGDState, numpy_ref.AdamState: AdamState}[type(state)](*state)


def _reference(state: Any) -> Any:
    return {SGDState: numpy_ref.SGDState, AdamState: numpy_ref.AdamState}.get(type(state), type(state))(*state)


def _initialising(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapped(params: Any) -> Any:
        return _own(fn(params))

    return wrapped


def _stepping(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapped(params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        new_params, new_state = fn(params, grads, _reference(state), **hyper)
        return new_params, _own(new_state)

    return wrapped


sgd_init, adam_init = _initialising(numpy_ref.sgd_init), _initialising(numpy_ref.adam_init)
sgd_step, adam_step, adamw_step = (
    _stepping(f) for f in (numpy_ref.sgd_step, numpy_ref.adam_step, numpy_ref.adamw_step)
)
