"""Every bad input (C13) raises in jax_impl what it raises in numpy_ref: same class, same message.

Inputs are NumPy float32 arrays, which both backends accept (float64 would need x64 in JAX), so the
messages, which show the offending values, can be compared verbatim. Purity is checked here too: no
call writes into its NumPy inputs.
"""

from __future__ import annotations

import copy
import math

import jax
import numpy as np
import pytest

import jax_impl as jx
import numpy_ref as nr

K = nr.key(1)
X = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
W, G = {"w": X, "b": X[0]}, {"w": -X, "b": X[1]}
SGD0, ADAM0 = nr.sgd_init(W), nr.adam_init(W)
KEEP = X > 0

CASES = {
    "seed negative": ("key", (-1,), {}),
    "seed too large": ("key", (2**64,), {}),
    "seed float": ("key", (1.5,), {}),
    "seed bool": ("key", (True,), {}),
    "key dtype": ("split", (np.array([0, 1], np.int32),), {}),
    "key shape": ("random_bits", (np.zeros(3, np.uint32), (2,)), {}),
    "split num negative": ("split", (K, -1), {}),
    "split num float": ("split", (K, 1.5), {}),
    "fold_in float": ("fold_in", (K, 1.5), {}),
    "fold_in bool": ("fold_in", (K, True), {}),
    "shape negative": ("random_bits", (K, (2, -1)), {}),
    "shape string": ("uniform", (K, "ab"), {}),
    "q above 1": ("bernoulli", (K, 1.5, (2,)), {}),
    "q NaN": ("bernoulli", (K, math.nan, (2,)), {}),
    "q string": ("bernoulli", (K, "0.5", (2,)), {}),
    "mask p negative": ("dropout_mask", (K, -0.1, (3,)), {}),
    "mask dims out of range": ("dropout_mask", (K, 0.5, (3,)), {"broadcast_dims": (1,)}),
    "mask dims string": ("dropout_mask", (K, 0.5, (3,)), {"broadcast_dims": "0"}),
    "dropout integer x": ("dropout", (np.arange(3), 0.5, K), {}),
    "dropout list x": ("dropout", ([1.0, 2.0], 0.5, K), {}),
    "dropout p NaN": ("dropout", (X, math.nan, K), {}),
    "dropout p above 1": ("dropout", (X, 1.01, K), {"training": False}),
    "dropout bad key": ("dropout", (X, 0.5, np.zeros(2, np.int64)), {}),
    "dropout dims": ("dropout", (X, 0.5, K), {"broadcast_dims": (2,)}),
    "forward keep dtype": ("dropout_forward", (X, X.astype(np.int8), 0.5), {}),
    "forward keep shape": ("dropout_forward", (X, KEEP[0], 0.5), {}),
    "backward p": ("dropout_backward", (X, KEEP, 2.0), {}),
    "l2 negative": ("l2_penalty", (W, -1.0), {}),
    "l2 inf": ("l2_penalty", (W, math.inf), {}),
    "l2 integer leaf": ("l2_penalty", ({"w": np.arange(3)}, 0.1), {}),
    "l2 mask structure": ("l2_penalty", (W, 0.1), {"decay_mask": {"w": True}}),
    "l2 mask entries": ("l2_penalty_grad", (W, 0.1), {"decay_mask": {"w": 1, "b": 0}}),
    "l2 complex leaf": ("l2_penalty_grad", ([X.astype(np.complex64)], 0.1), {}),
    "wd lr negative": ("weight_decay_step", (X, X, -0.1, 0.1), {}),
    "wd lambda NaN": ("weight_decay_step", (X, X, 0.1, math.nan), {}),
    "wd shape": ("weight_decay_step", (X, X[0], 0.1, 0.1), {}),
    "wd dtype": ("weight_decay_step", (X, X.astype(np.float16), 0.1, 0.1), {}),
    "wd structure": ("weight_decay_step", ([X], (X,), 0.1, 0.1), {}),
    "sgd_init integer": ("sgd_init", ([np.arange(2)],), {}),
    "sgd lr negative": ("sgd_step", (W, G, SGD0), {"lr": -1.0}),
    "sgd lr string": ("sgd_step", (W, G, SGD0), {"lr": "0.1"}),
    "sgd momentum negative": ("sgd_step", (W, G, SGD0), {"lr": 0.1, "momentum": -0.5}),
    "sgd dampening inf": ("sgd_step", (W, G, SGD0), {"lr": 0.1, "dampening": math.inf}),
    "sgd nesterov without momentum": ("sgd_step", (W, G, SGD0), {"lr": 0.1, "nesterov": True}),
    "sgd nesterov with dampening": (
        "sgd_step",
        (W, G, SGD0),
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
    ),
    "sgd state type": ("sgd_step", (W, G, ADAM0), {"lr": 0.1}),
    "sgd step negative": ("sgd_step", (W, G, nr.SGDState(np.array(-1), SGD0.momentum)), {"lr": 0.1}),
    "sgd step float": ("sgd_step", (W, G, nr.SGDState(np.array(1.0), SGD0.momentum)), {"lr": 0.1}),
    "sgd grads structure": ("sgd_step", (W, {"w": -X}, SGD0), {"lr": 0.1}),
    "sgd grads dtype": ("sgd_step", (W, {"w": -X, "b": X[1].astype(np.float16)}, SGD0), {"lr": 0.1}),
    "sgd buffer shape": ("sgd_step", (W, G, nr.SGDState(np.array(0), {"w": X, "b": X})), {"lr": 0.1}),
    "sgd decay mask": ("sgd_step", (W, G, SGD0), {"lr": 0.1, "decay_mask": [True, False]}),
    "adam_init integer": ("adam_init", ({"w": np.arange(2)},), {}),
    "adam beta above": ("adam_step", (W, G, ADAM0), {"betas": (1.0, 0.9)}),
    "adam beta negative": ("adam_step", (W, G, ADAM0), {"betas": (0.9, -0.1)}),
    "adam betas single": ("adam_step", (W, G, ADAM0), {"betas": (0.9,)}),
    "adam betas string": ("adam_step", (W, G, ADAM0), {"betas": "ab"}),
    "adam eps negative": ("adam_step", (W, G, ADAM0), {"eps": -1e-8}),
    "adam lr NaN": ("adam_step", (W, G, ADAM0), {"lr": math.nan}),
    "adam state type": ("adam_step", (W, G, SGD0), {}),
    "adam moment shape": ("adam_step", (W, G, ADAM0._replace(m={"w": X, "b": X})), {}),
    "adamw decay negative": ("adamw_step", (W, G, ADAM0), {"weight_decay": -0.01}),
}


def _raised(module: object, name: str, args: tuple, kwargs: dict) -> BaseException:
    with pytest.raises((TypeError, ValueError)) as info:
        getattr(module, name)(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_error_as_the_reference(case):
    name, args, kwargs = CASES[case]
    want = _raised(nr, name, args, kwargs)
    got = _raised(jx, name, args, kwargs)
    assert (type(got), str(got)) == (type(want), str(want))


def _good_calls() -> list[tuple[str, tuple, dict]]:
    return [
        ("split", (K, 3), {}),
        ("dropout", (X, 0.5, K), {"broadcast_dims": (0,)}),
        ("dropout_forward", (X, KEEP, 0.5), {}),
        ("l2_penalty", (W, 0.1), {}),
        ("l2_penalty_grad", (W, 0.1), {}),
        ("weight_decay_step", (W, G, 0.1, 0.1), {}),
        ("sgd_step", (W, G, SGD0), {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
        ("adam_step", (W, G, ADAM0), {"weight_decay": 0.1, "amsgrad": True}),
        ("adamw_step", (W, G, ADAM0), {}),
    ]


@pytest.mark.parametrize("call", _good_calls(), ids=lambda c: c[0])
def test_calls_write_into_nothing_and_repeat_exactly(call):
    name, args, kwargs = call
    before = copy.deepcopy((args, kwargs))
    first = jax.tree.map(jx.to_numpy, getattr(jx, name)(*args, **kwargs))
    second = jax.tree.map(jx.to_numpy, getattr(jx, name)(*args, **kwargs))
    jax.tree.map(np.testing.assert_array_equal, (args, kwargs), before)
    jax.tree.map(np.testing.assert_array_equal, first, second)
