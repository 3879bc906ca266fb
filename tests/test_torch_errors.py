"""C13 on torch_impl: every bad input raises the reference's exception class with the reference's message."""

from __future__ import annotations

import numpy as np
import pytest

import numpy_ref as nr
import torch_impl as ti
from numpy_ref.tree import tree_map
from torch_impl import optim
from torch_impl.nn import Dropout

W = {"w": np.ones((2, 3), np.float32), "b": np.ones(3, np.float32)}
X = np.ones((2, 3), np.float32)
NAN, INF = float("nan"), float("inf")

# Each call takes a backend module ``m`` and ``a``, which turns NumPy trees into that backend's arrays.
BAD_CALLS = {
    "p above 1": lambda m, a: m.dropout(a(X), 1.5, m.key(0)),
    "p negative": lambda m, a: m.dropout(a(X), -0.1, m.key(0)),
    "p nan": lambda m, a: m.dropout(a(X), NAN, m.key(0)),
    "p checked when not training": lambda m, a: m.dropout(a(X), 2.0, m.key(0), training=False),
    "p a string": lambda m, a: m.dropout(a(X), "0.5", m.key(0)),
    "mask p": lambda m, a: m.dropout_mask(m.key(0), 1.5, (2,)),
    "bernoulli q": lambda m, a: m.bernoulli(m.key(0), 1.5, (2,)),
    "x int64": lambda m, a: m.dropout(a(np.ones(3, np.int64)), 0.5, m.key(0)),
    "x bool": lambda m, a: m.dropout(a(np.ones(3, bool)), 0.5, m.key(0)),
    "x complex": lambda m, a: m.dropout(a(np.ones(3, np.complex64)), 0.5, m.key(0)),
    "x a list": lambda m, a: m.dropout([1.0, 2.0], 0.5, m.key(0)),
    "broadcast dim too big": lambda m, a: m.dropout(a(X), 0.5, m.key(0), broadcast_dims=(2,)),
    "broadcast dim too small": lambda m, a: m.dropout_mask(m.key(0), 0.5, (2, 3), broadcast_dims=(-3,)),
    "broadcast dims a string": lambda m, a: m.dropout(a(X), 0.5, m.key(0), broadcast_dims="0"),
    "key int64": lambda m, a: m.dropout(a(X), 0.5, a(np.array([0, 1]))),
    "key shape": lambda m, a: m.dropout(a(X), 0.5, a(np.zeros(3, np.uint32))),
    "key of bits": lambda m, a: m.random_bits(a(np.zeros((2, 2), np.uint32)), (2,)),
    "keep shape": lambda m, a: m.dropout_forward(a(X), a(np.ones((3, 2), bool)), 0.5),
    "keep dtype": lambda m, a: m.dropout_backward(a(X), a(X), 0.5),
    "seed negative": lambda m, a: m.key(-1),
    "seed 2**64": lambda m, a: m.key(2**64),
    "seed float": lambda m, a: m.key(1.5),
    "seed bool": lambda m, a: m.key(True),
    "shape negative": lambda m, a: m.random_bits(m.key(0), (2, -1)),
    "shape float": lambda m, a: m.uniform(m.key(0), (2.0,)),
    "num negative": lambda m, a: m.split(m.key(0), -2),
    "fold_in data float": lambda m, a: m.fold_in(m.key(0), 1.5),
    "l2 weight_decay negative": lambda m, a: m.l2_penalty(a(W), -1.0),
    "l2 weight_decay inf": lambda m, a: m.l2_penalty_grad(a(W), INF),
    "l2 mask structure": lambda m, a: m.l2_penalty(a(W), 1.0, decay_mask={"w": True}),
    "l2 mask entry": lambda m, a: m.l2_penalty(a(W), 1.0, decay_mask={"w": True, "b": "yes"}),
    "l2 int leaf": lambda m, a: m.l2_penalty(a({"w": np.ones(2, np.int32)}), 1.0),
    "wd lr negative": lambda m, a: m.weight_decay_step(a(X), a(X), -0.1, 0.0),
    "wd grad shape": lambda m, a: m.weight_decay_step(a(X), a(X[0]), 0.1, 0.0),
    "sgd lr nan": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a(W)), lr=NAN),
    "sgd lr missing": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a(W))),
    "sgd momentum negative": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a(W)), lr=0.1, momentum=-0.9),
    "sgd dampening inf": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a(W)), lr=0.1, dampening=INF),
    "sgd nesterov without momentum": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a(W)), lr=0.1, nesterov=True),
    "sgd nesterov with dampening": lambda m, a: m.sgd_step(
        a(W), a(W), m.sgd_init(a(W)), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True
    ),
    "sgd grads structure": lambda m, a: m.sgd_step(a(W), a([W["w"], W["b"]]), m.sgd_init(a(W)), lr=0.1),
    "sgd grads dtype": lambda m, a: m.sgd_step(
        a(W), a({k: v.astype(np.float64) for k, v in W.items()}), m.sgd_init(a(W)), lr=0.1
    ),
    "sgd state shape": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a({"w": X[0], "b": W["b"]})), lr=0.1),
    "sgd state type": lambda m, a: m.sgd_step(a(W), a(W), m.adam_init(a(W)), lr=0.1),
    "sgd state step negative": lambda m, a: m.sgd_step(a(W), a(W), m.sgd_init(a(W))._replace(step=-1), lr=0.1),
    "adam beta1": lambda m, a: m.adam_step(a(W), a(W), m.adam_init(a(W)), betas=(1.0, 0.999)),
    "adamw beta2": lambda m, a: m.adamw_step(a(W), a(W), m.adam_init(a(W)), betas=(0.9, -0.5)),
    "adam betas scalar": lambda m, a: m.adam_step(a(W), a(W), m.adam_init(a(W)), betas=0.9),
    "adam eps negative": lambda m, a: m.adam_step(a(W), a(W), m.adam_init(a(W)), eps=-1e-8),
    "adam state v shape": lambda m, a: m.adam_step(
        a(W), a(W), m.adam_init(a(W))._replace(v=a({"w": X[0], "b": W["b"]}))
    ),
    "adamw mask structure": lambda m, a: m.adamw_step(a(W), a(W), m.adam_init(a(W)), decay_mask=[True]),
}


def numpy_trees(tree):
    return tree


def torch_trees(tree):
    return tree_map(ti.asarray, tree)


def raised(call):
    try:
        call()
    except (TypeError, ValueError) as e:
        return type(e), str(e)
    raise AssertionError("no exception")


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_same_class_and_message_as_the_reference(name):
    call = BAD_CALLS[name]
    assert raised(lambda: call(ti, torch_trees)) == raised(lambda: call(nr, numpy_trees))


ADAPTER_CALLS = {
    "SGD lr": (lambda: optim.SGD([ti.asarray(X)], lr=-1.0), lambda: nr.sgd_step(X, X, nr.sgd_init(X), lr=-1.0)),
    "SGD nesterov": (
        lambda: optim.SGD([ti.asarray(X)], lr=0.1, nesterov=True),
        lambda: nr.sgd_step(X, X, nr.sgd_init(X), lr=0.1, nesterov=True),
    ),
    "Adam betas": (
        lambda: optim.Adam([ti.asarray(X)], betas=(0.9, 1.0)),
        lambda: nr.adam_step(X, X, nr.adam_init(X), betas=(0.9, 1.0)),
    ),
    "AdamW eps": (lambda: optim.AdamW([ti.asarray(X)], eps=INF), lambda: nr.adamw_step(X, X, nr.adam_init(X), eps=INF)),
    "Dropout p": (lambda: Dropout(1.5, key=0), lambda: nr.dropout(X, 1.5, nr.key(0))),
    "Dropout seed": (lambda: Dropout(0.5, key=-3), lambda: nr.key(-3)),
}


@pytest.mark.parametrize("name", list(ADAPTER_CALLS))
def test_adapters_check_their_arguments_like_the_reference(name):
    ours, reference = ADAPTER_CALLS[name]
    assert raised(ours) == raised(reference)
