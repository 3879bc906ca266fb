"""C13: bad values raise ValueError, bad types TypeError, each naming the argument and the value."""

from __future__ import annotations

import re

import numpy as np
import pytest

import numpy_ref as nr

W = {"w": np.ones((2, 3), np.float32), "b": np.ones(3, np.float32)}
K = nr.key(0)
X = np.ones((2, 3), np.float32)

BAD_CALLS = [
    # (exception, words the message must contain, call)
    (ValueError, ["p", "1.5"], lambda: nr.dropout(X, 1.5, K)),
    (ValueError, ["p", "-0.1"], lambda: nr.dropout(X, -0.1, K)),
    (ValueError, ["p", "nan"], lambda: nr.dropout(X, float("nan"), K)),
    (ValueError, ["p", "2.0"], lambda: nr.dropout(X, 2.0, K, training=False)),
    (TypeError, ["p", "str"], lambda: nr.dropout(X, "0.5", K)),
    (ValueError, ["p", "1.5"], lambda: nr.dropout_mask(K, 1.5, (2,))),
    (ValueError, ["q", "1.5"], lambda: nr.bernoulli(K, 1.5, (2,))),
    (TypeError, ["x", "int64"], lambda: nr.dropout(np.ones(3, np.int64), 0.5, K)),
    (TypeError, ["x", "bool"], lambda: nr.dropout(np.ones(3, bool), 0.5, K)),
    (TypeError, ["x", "complex64"], lambda: nr.dropout(np.ones(3, np.complex64), 0.5, K)),
    (ValueError, ["broadcast_dims", "2"], lambda: nr.dropout(X, 0.5, K, broadcast_dims=(2,))),
    (ValueError, ["broadcast_dims", "-3"], lambda: nr.dropout_mask(K, 0.5, (2, 3), broadcast_dims=(-3,))),
    (TypeError, ["key", "int64"], lambda: nr.dropout(X, 0.5, np.array([0, 1]))),
    (ValueError, ["key", "(3,)"], lambda: nr.dropout(X, 0.5, np.zeros(3, np.uint32))),
    (ValueError, ["keep", "(3, 2)"], lambda: nr.dropout_forward(X, np.ones((3, 2), bool), 0.5)),
    (TypeError, ["keep", "float32"], lambda: nr.dropout_backward(X, X, 0.5)),
    (ValueError, ["seed", "-1"], lambda: nr.key(-1)),
    (ValueError, ["seed", str(2**64)], lambda: nr.key(2**64)),
    (TypeError, ["seed", "1.5"], lambda: nr.key(1.5)),
    (TypeError, ["seed", "True"], lambda: nr.key(True)),
    (ValueError, ["shape", "-1"], lambda: nr.random_bits(K, (2, -1))),
    (TypeError, ["shape", "2.0"], lambda: nr.uniform(K, (2.0,))),
    (ValueError, ["num", "-2"], lambda: nr.split(K, -2)),
    (ValueError, ["weight_decay", "-1.0"], lambda: nr.l2_penalty(W, -1.0)),
    (ValueError, ["weight_decay", "inf"], lambda: nr.l2_penalty_grad(W, float("inf"))),
    (ValueError, ["decay_mask", "structure"], lambda: nr.l2_penalty(W, 1.0, decay_mask={"w": True})),
    (TypeError, ["decay_mask", "'yes'"], lambda: nr.l2_penalty(W, 1.0, decay_mask={"w": True, "b": "yes"})),
    (TypeError, ["params leaf", "int32"], lambda: nr.l2_penalty({"w": np.ones(2, np.int32)}, 1.0)),
    (ValueError, ["lr", "-0.1"], lambda: nr.weight_decay_step(X, X, -0.1, 0.0)),
    (ValueError, ["grad", "shape"], lambda: nr.weight_decay_step(X, X[0], 0.1, 0.0)),
    (ValueError, ["lr", "nan"], lambda: nr.sgd_step(W, W, nr.sgd_init(W), lr=float("nan"))),
    (ValueError, ["momentum", "-0.9"], lambda: nr.sgd_step(W, W, nr.sgd_init(W), lr=0.1, momentum=-0.9)),
    (ValueError, ["dampening", "inf"], lambda: nr.sgd_step(W, W, nr.sgd_init(W), lr=0.1, dampening=float("inf"))),
    (ValueError, ["nesterov", "momentum"], lambda: nr.sgd_step(W, W, nr.sgd_init(W), lr=0.1, nesterov=True)),
    (
        ValueError,
        ["nesterov", "dampening"],
        lambda: nr.sgd_step(W, W, nr.sgd_init(W), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    ),
    (ValueError, ["grads", "structure"], lambda: nr.sgd_step(W, [W["w"], W["b"]], nr.sgd_init(W), lr=0.1)),
    (
        ValueError,
        ["grads", "float64"],
        lambda: nr.sgd_step(W, {k: v.astype(np.float64) for k, v in W.items()}, nr.sgd_init(W), lr=0.1),
    ),
    (ValueError, ["state.momentum", "shape"], lambda: nr.sgd_step(W, W, nr.sgd_init({"w": X[0], "b": W["b"]}), lr=0.1)),
    (TypeError, ["state", "AdamState"], lambda: nr.sgd_step(W, W, nr.adam_init(W), lr=0.1)),
    (ValueError, ["betas[0]", "1.0"], lambda: nr.adam_step(W, W, nr.adam_init(W), betas=(1.0, 0.999))),
    (ValueError, ["betas[1]", "-0.5"], lambda: nr.adamw_step(W, W, nr.adam_init(W), betas=(0.9, -0.5))),
    (TypeError, ["betas", "0.9"], lambda: nr.adam_step(W, W, nr.adam_init(W), betas=0.9)),
    (ValueError, ["eps", "-1e-08"], lambda: nr.adam_step(W, W, nr.adam_init(W), eps=-1e-8)),
    (
        ValueError,
        ["state.v", "shape"],
        lambda: nr.adam_step(W, W, nr.adam_init(W)._replace(v={"w": X[0], "b": W["b"]})),
    ),
    (ValueError, ["decay_mask", "structure"], lambda: nr.adamw_step(W, W, nr.adam_init(W), decay_mask=[True])),
]


@pytest.mark.parametrize(
    ("exc", "words", "call"), BAD_CALLS, ids=[f"{e.__name__}-{'-'.join(w)}" for e, w, _ in BAD_CALLS]
)
def test_bad_input_raises_with_the_argument_named(exc, words, call):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert re.search(re.escape(word), str(info.value)), f"{word!r} not in {info.value!s}"
