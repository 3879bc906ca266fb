"""The operations under test, by name, sorted by what the suite may expect of them.

Everything is derived from :mod:`numpy_ref`'s public names, so a function added to the reference is
held to it by the protocol checks at once; the groups below say how each one is compared.
"""

from __future__ import annotations

import numpy_ref

#: Every public name a backend must export.
API: tuple[str, ...] = tuple(numpy_ref.__all__)
#: The optimizer-state named tuples; backends reuse these classes.
STATE_CLASSES: tuple[str, ...] = ("AdamState", "SGDState")
FUNCTIONS: tuple[str, ...] = tuple(name for name in API if name not in STATE_CLASSES)

#: Functions that draw from the random stream: compared bit for bit only on replayable backends.
DRAWS: tuple[str, ...] = ("random_bits", "uniform", "bernoulli", "dropout_mask", "dropout")
#: Functions of their arguments alone (keys included: ``key``, ``split``, ``fold_in`` are hashes).
DETERMINISTIC: tuple[str, ...] = tuple(name for name in FUNCTIONS if name not in DRAWS)
#: Functions that take floating arrays, so are checked once per dtype.
FLOAT_OPS: tuple[str, ...] = (
    "dropout",
    "dropout_backward",
    "dropout_forward",
    "l2_penalty",
    "l2_penalty_grad",
    "weight_decay_step",
    "sgd_init",
    "sgd_step",
    "adam_init",
    "adam_step",
    "adamw_step",
)
#: Update rules: ``(params, grads, …) -> new params (and state)``.
UPDATES: tuple[str, ...] = ("weight_decay_step", "sgd_step", "adam_step", "adamw_step")
#: Optimizers with a state to carry across steps, and the init function of each.
OPTIMIZERS: dict[str, str] = {"sgd_step": "sgd_init", "adam_step": "adam_init", "adamw_step": "adam_init"}


def family(op: str) -> str:
    """The reference module that defines ``op`` (``'dropout'``, ``'sgd'``, ``'random'``, …): a report row."""
    return getattr(numpy_ref, op).__module__.rsplit(".", 1)[-1]


#: The report's rows: one per reference module.
FAMILIES: tuple[str, ...] = tuple(sorted({family(op) for op in FUNCTIONS}))


def members(name: str, *, draws: bool = True) -> tuple[str, ...]:
    """The functions of family ``name``; without ``draws``, those of its functions that draw randomness left out."""
    return tuple(op for op in FUNCTIONS if family(op) == name and (draws or op not in DRAWS))
