"""regref's ground truth: the L2 penalty, weight-decay update rules and inverted dropout in NumPy.

Every function is pure (returns new arrays, writes into nothing), takes its randomness as an explicit
``uint32[2]`` key, and carries its math, its convention and its sources in its docstring. The ports
``jax_impl`` and ``torch_impl`` export the same names with the same signatures; the ``conformance``
suite holds them to this package.
"""

from .adam import AdamState, adam_init, adam_step, adamw_step
from .dropout import dropout, dropout_backward, dropout_forward, dropout_mask
from .l2 import l2_penalty, l2_penalty_grad
from .random import bernoulli, fold_in, key, random_bits, split, uniform
from .sgd import SGDState, sgd_init, sgd_step
from .weight_decay import weight_decay_step

__all__ = [
    "AdamState",
    "SGDState",
    "adam_init",
    "adam_step",
    "adamw_step",
    "bernoulli",
    "dropout",
    "dropout_backward",
    "dropout_forward",
    "dropout_mask",
    "fold_in",
    "key",
    "l2_penalty",
    "l2_penalty_grad",
    "random_bits",
    "sgd_init",
    "sgd_step",
    "split",
    "uniform",
    "weight_decay_step",
]
