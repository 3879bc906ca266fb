"""Bad input raises the reference's exception class, naming the argument (scalar checks word for word), on
every path through a function (C13): each case also runs in each of the function's modes (evaluation mode,
the fast paths p = 0 and p = 1, lr = 0, no decay, momentum, AMSGrad, …), where a port may return early
before it validates. Arguments that must agree with another — gradients and state with the parameters, a
mask with its input, axes with a rank — are each made to disagree in every way the reference tells apart."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import numpy_ref
from conformance.backends import Backend
from conformance.calls import Call
from conformance.strategies import NdimAbove1

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
    Bad("x=int", "dropout", (_X.astype(np.int32), 0.5, _KEY), {}, TypeError, "x", exact=False),
    Bad("key=int32", "dropout", (_X, 0.5, _KEY.astype(np.int32)), {}, TypeError, "key", exact=False),
    Bad("key=3", "dropout", (_X, 0.5, np.zeros(3, np.uint32)), {}, ValueError, "key", exact=False),
    Bad("shape<0", "dropout_mask", (_KEY, 0.5, (2, -1)), {}, ValueError, "shape"),
    Bad("seed<0", "key", (-1,), {}, ValueError, "seed"),
    Bad("seed=2**64", "key", (2**64,), {}, ValueError, "seed"),
    Bad("seed=float", "key", (1.5,), {}, TypeError, "seed"),
    Bad("num<0", "split", (_KEY,), {"num": -1}, ValueError, "num"),
    Bad("data=float", "fold_in", (_KEY, 1.5), {}, TypeError, "data"),
    Bad("q>1", "bernoulli", (_KEY, 1.5, (3,)), {}, ValueError, "q"),
    Bad("lambda<0", "l2_penalty", (_W, -1.0), {}, ValueError, "weight_decay"),
    Bad("lr<0", "weight_decay_step", (_W, _W, -0.1, 0.0), {}, ValueError, "lr"),
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


# Ways a tree can disagree with the float32 parameters ``_W``, and what the reference raises for each (a
# float16 leaf: a dtype every backend has, so the mismatch, not a missing dtype, is what raises).
_TREES = {
    "dtype": ({"b": _W["b"].astype(np.float16), "w": _W["w"]}, ValueError),
    "shape": ({"b": np.zeros(4, np.float32), "w": _W["w"]}, ValueError),
    "structure": ({"w": _W["w"]}, ValueError),
    "int": ({"b": _W["b"].astype(np.int32), "w": _W["w"]}, TypeError),
}
_MASKS = {"structure": ({"w": True}, ValueError), "entries": ({"b": 1, "w": True}, TypeError)}
_KEEPS = {"shape": (np.ones(3, bool), ValueError), "dtype": (np.ones((2, 3), np.float32), TypeError)}
_AXES = {"rank": ((2,), ValueError), "type": ((0.5,), TypeError)}
_DISAGREEING = {"decay_mask": _MASKS, "keep": _KEEPS, "broadcast_dims": _AXES}
# A valid call of each function and its arguments that must agree with another (state fields as state.<field>).
_AGREEING = [
    (Call("weight_decay_step", (_W, _W, 0.1, 0.1)), ("grad",)),
    (Call("sgd_step", (_W, _W, _SGD), {"lr": 0.1}), ("grads", "state.momentum", "decay_mask")),
    *(
        (Call(op, (_W, _W, _ADAM)), ("grads", "state.m", "state.v", "state.v_max", "decay_mask"))
        for op in ("adam_step", "adamw_step")
    ),
    *((Call(op, (_W, 0.1)), ("decay_mask",)) for op in ("l2_penalty", "l2_penalty_grad")),
    *((Call(op, (_X, np.ones((2, 3), bool), 0.5)), ("keep",)) for op in ("dropout_forward", "dropout_backward")),
    (Call("dropout", (_X, 0.5, _KEY)), ("broadcast_dims",)),
    (Call("dropout_mask", (_KEY, 0.5, (2, 3))), ("broadcast_dims",)),
]


def _disagreeing(call: Call, name: str) -> list[Bad]:
    """``call`` with argument ``name`` (``state.<field>`` for a field of the state) made to disagree, each way."""
    out = []
    for how, (value, error) in _DISAGREEING.get(name, _TREES).items():
        field = name.removeprefix("state.")
        bad = call.with_arguments(state=call.argument("state")._replace(**{field: value})) if field != name else None
        bad = bad or call.with_arguments(**{name: value})
        out.append(Bad(f"{name}-{how}", call.op, bad.args, bad.kwargs, error, name, exact=False))
    return out


DISAGREE = [bad for call, names in _AGREEING for name in names for bad in _disagreeing(call, name)]
# The modes of each function: a case runs as written and with each of these set (unless it sets that argument).
MODES: dict[str, list[dict]] = {
    "dropout": [{"training": False}, {"p": 0.0}, {"p": 1.0}],
    **{op: [{"p": 0.0}, {"p": 1.0}] for op in ("dropout_mask", "dropout_forward", "dropout_backward")},
    "bernoulli": [{"q": 0.0}, {"q": 1.0}],
    **{op: [{"weight_decay": 0.0}, {"decay_mask": NdimAbove1()}] for op in ("l2_penalty", "l2_penalty_grad")},
    "weight_decay_step": [{"lr": 0.0}, {"weight_decay": 0.0}],
    "sgd_step": [{"lr": 0.0}, {"momentum": 0.9}, {"weight_decay": 0.1, "decoupled": True}, {"maximize": True}],
    "adam_step": [{"lr": 0.0}, {"amsgrad": True}, {"weight_decay": 0.1, "decoupled": True}],
    "adamw_step": [{"lr": 0.0}, {"amsgrad": True}, {"weight_decay": 0.0}],
    "split": [{"num": 0}],
}


def modes(case: Bad) -> list[Call]:
    """The case as written, then in each mode of its function, the argument it makes bad left as it is."""
    bad = case.argument.split("[")[0].split(".")[0]
    call = Call(case.op, case.args, case.kwargs)
    return [call] + [call.with_arguments(**{k: v for k, v in m.items() if k != bad}) for m in MODES.get(case.op, [])]


@pytest.mark.parametrize("case", BAD + DISAGREE, ids=str)
def test_bad_input_raises_like_the_reference(backend: Backend, case: Bad) -> None:
    for call in modes(case):
        with pytest.raises(case.error) as expected:
            call.on_reference()
        want = f"the reference raises {case.error.__name__}: {expected.value}"
        try:
            call.on(backend)
        except Exception as error:
            raised = error
        else:
            pytest.fail(f"{backend.name}: {call.describe()} raised nothing; {want}", pytrace=False)
        message = str(raised)
        assert type(raised) is case.error, (
            f"{backend.name}: {call.describe()} raised {type(raised).__name__}: {message}; {want}"
        )
        if case.exact:
            assert message == str(expected.value), f"{backend.name}: {call.describe()}: message {message!r}; {want}"
        assert case.argument in message, (
            f"{backend.name}: {call.describe()}: {message!r} does not name {case.argument!r}"
        )
