"""C12 on torch_impl: nothing writes into its inputs, and no output shares memory with an input
(except ``dropout(training=False)``, which returns ``x`` itself)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torch_impl as ti
from numpy_ref.tree import flatten

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def trees(dtype):
    make = lambda *shape: torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape))).to(dtype)  # noqa: E731
    w, g = {"w": make(3, 4), "b": [make(4)]}, {"w": make(3, 5)[:, :4], "b": [make(4)]}  # a non-contiguous leaf too
    return w, g, make(40)


CALLS = {
    "dropout": lambda w, g, x, k: ti.dropout(x, 0.5, k),
    "dropout p=0": lambda w, g, x, k: ti.dropout(x, 0.0, k),
    "dropout broadcast": lambda w, g, x, k: ti.dropout(x.reshape(5, 8), 0.5, k, broadcast_dims=(0,)),
    "dropout_forward": lambda w, g, x, k: ti.dropout_forward(x, x > 0, 0.5),
    "dropout_backward": lambda w, g, x, k: ti.dropout_backward(x, x > 0, 0.0),
    "dropout_mask": lambda w, g, x, k: ti.dropout_mask(k, 0.5, (3, 4)),
    "split": lambda w, g, x, k: ti.split(k, 3),
    "fold_in": lambda w, g, x, k: ti.fold_in(k, 3),
    "random_bits": lambda w, g, x, k: ti.random_bits(k, (5,)),
    "uniform": lambda w, g, x, k: ti.uniform(k, (5,)),
    "bernoulli": lambda w, g, x, k: ti.bernoulli(k, 0.5, (5,)),
    "l2_penalty": lambda w, g, x, k: ti.l2_penalty(w, 0.1),
    "l2_penalty_grad": lambda w, g, x, k: ti.l2_penalty_grad(w, 0.1, decay_mask=lambda t: t.ndim > 1),
    "weight_decay_step": lambda w, g, x, k: ti.weight_decay_step(w, g, 0.1, 0.0),
    "sgd_init": lambda w, g, x, k: ti.sgd_init(w),
    "sgd_step": lambda w, g, x, k: ti.sgd_step(w, g, ti.SGDState(torch.tensor(0), g), lr=0.0),
    "sgd_step momentum": lambda w, g, x, k: ti.sgd_step(w, g, ti.sgd_init(w), lr=0.1, momentum=0.9),
    "sgd_step later": lambda w, g, x, k: ti.sgd_step(w, g, ti.SGDState(torch.tensor(3), g), lr=0.1, momentum=0.9),
    "adam_init": lambda w, g, x, k: ti.adam_init(w),
    "adam_step": lambda w, g, x, k: ti.adam_step(w, g, ti.AdamState(torch.tensor(1), g, g, g), lr=0.0),
    "adamw_step amsgrad": lambda w, g, x, k: ti.adamw_step(w, g, ti.adam_init(w), amsgrad=True),
}


def as_comparable(t: torch.Tensor) -> torch.Tensor:
    return t.view(torch.int32) if t.dtype == torch.uint32 else t  # keys: torch.equal has no uint32 kernel


def storages(tree) -> set[int]:
    return {t.untyped_storage().data_ptr() for t in flatten(tree)[0] if isinstance(t, torch.Tensor) and t.numel()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CALLS))
def test_inputs_unchanged_and_outputs_fresh(name, dtype):
    w, g, x = trees(dtype)
    k = ti.key(5)
    inputs = (w, g, x, k)
    before = [t.clone() for t in flatten(inputs)[0]]
    out = CALLS[name](w, g, x, k)
    for old, new in zip(before, flatten(inputs)[0]):
        assert torch.equal(as_comparable(old), as_comparable(new))
    assert not storages(out) & storages(inputs)


def test_training_false_is_the_one_alias():
    x = torch.ones(3)
    assert ti.dropout(x, 0.5, ti.key(0), training=False) is x


def test_asarray_copies():
    a = np.ones(3, np.float32)
    t = ti.asarray(a)
    t += 1
    assert (a == 1).all()
