"""Bad input raises the reference's exception class, naming the argument; scalar checks word for word."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import numpy_ref
from conformance.backends import Backend
from conformance.calls import Call

_X = np.ones((2, 3), np.float32)
_KEY = numpy_ref.key(7)
_W = {"b": np.zeros(3, np.float32), "w": np.ones((2, 3), np.float32)}
_SGD = numpy_ref.SGDState(0, {"b": np.zeros(3, np.float32), "w": np.zeros((2, 3), np.float32)})
_NESTEROV = {"lr": 0.1, "momentum": 0.9, "nesterov": True}
_ADAM = numpy_ref.AdamState(0, *[{"b": np.zeros(3, np.float32), "w": np.zeros((2, 3), np.float32)}] * 3)


@dataclasses.dataclass(frozen=True)
class Bad:
    """``op(*args, **kwargs)`` must raise ``error`` naming ``argument`` (with the reference's words if ``exact``)."""

    label: str
    op: str
    args: tuple
    kwargs: dict
    error: type[Exception]
    argument: str
    exact: bool = True  # scalar checks come from numpy_ref.validation: identical text everywhere

    def __str__(self) -> str:
        return f"{self.op}-{self.label}"


BAD = [
    Bad("p>1", "dropout", (_X, 1.5, _KEY), {}, ValueError, "p"),
    Bad("p<0", "dropout", (_X, -0.1, _KEY), {}, ValueError, "p"),
    Bad("p=nan", "dropout", (_X, float("nan"), _KEY), {}, ValueError, "p"),
    Bad("p=str", "dropout", (_X, "0.5", _KEY), {}, TypeError, "p"),
    Bad("p=bool", "dropout", (_X, True, _KEY), {}, TypeError, "p"),
    Bad("axis", "dropout", (_X, 0.5, _KEY), {"broadcast_dims": (2,)}, ValueError, "broadcast_dims"),
    Bad("x=int", "dropout", (_X.astype(np.int32), 0.5, _KEY), {}, TypeError, "x", exact=False),
    Bad("key=int32", "dropout", (_X, 0.5, _KEY.astype(np.int32)), {}, TypeError, "key", exact=False),
    Bad("key=3", "dropout", (_X, 0.5, np.zeros(3, np.uint32)), {}, ValueError, "key", exact=False),
    Bad("shape<0", "dropout_mask", (_KEY, 0.5, (2, -1)), {}, ValueError, "shape"),
    Bad("keep=float", "dropout_forward", (_X, _X, 0.5), {}, TypeError, "keep", exact=False),
    Bad("keep-shape", "dropout_backward", (_X, np.ones(3, bool), 0.5), {}, ValueError, "keep", exact=False),
    Bad("seed<0", "key", (-1,), {}, ValueError, "seed"),
    Bad("seed=2**64", "key", (2**64,), {}, ValueError, "seed"),
    Bad("seed=float", "key", (1.5,), {}, TypeError, "seed"),
    Bad("num<0", "split", (_KEY,), {"num": -1}, ValueError, "num"),
    Bad("data=float", "fold_in", (_KEY, 1.5), {}, TypeError, "data"),
    Bad("q>1", "bernoulli", (_KEY, 1.5, (3,)), {}, ValueError, "q"),
    Bad("lambda<0", "l2_penalty", (_W, -1.0), {}, ValueError, "weight_decay"),
    Bad("mask", "l2_penalty_grad", (_W, 0.1), {"decay_mask": {"w": True}}, ValueError, "decay_mask", exact=False),
    Bad("lr<0", "weight_decay_step", (_W, _W, -0.1, 0.0), {}, ValueError, "lr"),
    Bad("grad", "weight_decay_step", (_W, {"b": _X, "w": _X}, 0.1, 0.0), {}, ValueError, "grad", exact=False),
    Bad("lr=nan", "sgd_step", (_W, _W, _SGD), {"lr": float("nan")}, ValueError, "lr"),
    Bad("momentum<0", "sgd_step", (_W, _W, _SGD), {"lr": 0.1, "momentum": -0.5}, ValueError, "momentum"),
    Bad("dampening=inf", "sgd_step", (_W, _W, _SGD), {"lr": 0.1, "dampening": float("inf")}, ValueError, "dampening"),
    Bad("nesterov", "sgd_step", (_W, _W, _SGD), {**_NESTEROV, "dampening": 0.1}, ValueError, "nesterov"),
    Bad("state", "sgd_step", (_W, _W, _ADAM), {"lr": 0.1}, TypeError, "state", exact=False),
    Bad("beta1=1", "adam_step", (_W, _W, _ADAM), {"betas": (1.0, 0.999)}, ValueError, "betas[0]"),
    Bad("betas", "adam_step", (_W, _W, _ADAM), {"betas": 0.9}, TypeError, "betas"),
    Bad("eps<0", "adam_step", (_W, _W, _ADAM), {"eps": -1.0}, ValueError, "eps"),
    Bad("lambda<0", "adamw_step", (_W, _W, _ADAM), {"weight_decay": -1.0}, ValueError, "weight_decay"),
    Bad("state", "adamw_step", (_W, _W, _SGD), {}, TypeError, "state", exact=False),
]


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_input_raises_like_the_reference(backend: Backend, case: Bad) -> None:
    call = Call(case.op, case.args, case.kwargs)
    with pytest.raises(case.error) as expected:
        call.on_reference()
    with pytest.raises(Exception) as raised:
        call.on(backend)
    message = str(raised.value)
    assert type(raised.value) is case.error, (
        f"{backend.name}: {call.describe()} raised {type(raised.value).__name__}: {message}; "
        f"the reference raises {case.error.__name__}: {expected.value}"
    )
    if case.exact:
        assert message == str(expected.value), f"{backend.name}: {case.op}: message {message!r} != {expected.value!r}"
    assert case.argument in message, f"{backend.name}: {case.op}: message {message!r} does not name {case.argument!r}"
