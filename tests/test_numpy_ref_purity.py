"""C12: nothing writes into its inputs, and no output aliases an input (except dropout's eval path)."""

from __future__ import annotations

import numpy as np
import pytest

import numpy_ref as nr
from numpy_ref.tree import flatten

rng = np.random.default_rng(0)
P = {"w": rng.standard_normal((3, 4)).astype(np.float32), "b": [rng.standard_normal(4).astype(np.float32)]}
G = {"w": rng.standard_normal((3, 4)).astype(np.float32), "b": [rng.standard_normal(4).astype(np.float32)]}


def snapshot(*trees):
    return [leaf.copy() for tree in trees for leaf in flatten(tree)[0]]


def assert_pure(inputs, outputs):
    before = snapshot(*inputs)
    in_leaves = [leaf for tree in inputs for leaf in flatten(tree)[0]]
    out_leaves = [leaf for tree in outputs for leaf in flatten(tree)[0] if isinstance(leaf, np.ndarray)]
    for a, b in zip(snapshot(*inputs), before, strict=True):
        np.testing.assert_array_equal(a, b)
    for out in out_leaves:
        assert not any(np.shares_memory(out, leaf) for leaf in in_leaves), "an output aliases an input"


OPS = {
    "sgd": lambda s: nr.sgd_step(P, G, s, lr=0.1, momentum=0.9, weight_decay=0.1),
    "sgd_decoupled": lambda s: nr.sgd_step(P, G, s, lr=0.1, weight_decay=0.1, decoupled=True),
    "adam": lambda s: nr.adam_step(P, G, s, weight_decay=0.1, amsgrad=True),
    "adamw": lambda s: nr.adamw_step(P, G, s),
}


@pytest.mark.parametrize("name", list(OPS))
def test_optimizer_steps_are_pure(name):
    state = (nr.sgd_init if name.startswith("sgd") else nr.adam_init)(P)
    for _ in range(2):  # the second step reads a state the first one returned
        before = snapshot(P, G, state)
        new_params, new_state = OPS[name](state)
        assert_pure([P, G, state], [new_params, new_state])
        for a, b in zip(snapshot(P, G, state), before, strict=True):
            np.testing.assert_array_equal(a, b)
        state = new_state


def test_init_does_not_alias_params():
    for state in (nr.sgd_init(P), nr.adam_init(P)):
        assert_pure([P], [state])


def test_regularizers_are_pure():
    x = P["w"]
    keep = nr.dropout_mask(nr.key(0), 0.3, x.shape)
    for out in (
        nr.l2_penalty_grad(P, 0.1),
        nr.weight_decay_step(P, G, 0.1, 0.1),
        nr.dropout(x, 0.3, nr.key(0)),
        nr.dropout(x, 0.0, nr.key(0)),
        nr.dropout_forward(x, keep, 0.3),
        nr.dropout_backward(x, keep, 0.3),
        nr.dropout_mask(nr.key(0), 0.3, x.shape, broadcast_dims=(0,)),
    ):
        assert_pure([P, G, keep], [out])
    nr.l2_penalty(P, 0.1)
    assert_pure([P], [])


def test_broadcast_mask_is_writeable_memory_of_its_own():
    keep = nr.dropout_mask(nr.key(0), 0.3, (4, 5), broadcast_dims=(0,))
    assert keep.flags.writeable and keep.flags.owndata
