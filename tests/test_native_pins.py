# ruff: noqa: E501 — PINS and GROUPS are tables of measured rows, one per line, however long
"""Each behaviour ``regref check --native`` reports, pinned for the framework versions installed here: every
finding, and every row's agreement groups.

A framework whose behaviour changes fails the test of that row, naming the behaviour, the pinned verdict
and what was measured now — it never just yields a silently different report. ``PINS`` rows are
``framework | API | behaviour | verdict | measured``, recorded from a run on the versions in ``PINNED_FOR``
and checked by hand against the frameworks' sources and documentation; ``keras[*]`` stands for both keras
backends and ``[*]`` after an API for all three torch.optim implementations. ``GROUPS`` holds, per row (``topic · behaviour``), each agreement group as
``convention ← implementations``: a change in who agrees with whom fails even where every finding's own
verdict stays. One run of every probe (the keras backends in subprocesses beside the rest; about a minute
on 2 cores, measured on a loaded machine) serves every test here; the checked-in report is compared with
the same pins without running anything.
"""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path

import pytest

from conformance.native.finding import AGREES, DIFFERS, NOT_INSTALLED, Finding
from conformance.native.groups import Row, names, rows

PINNED_FOR = {
    "torch": "2.13.0+cpu",
    "jax": "0.10.2",
    "optax": "0.2.8",
    "flax": "0.12.8",
    "keras": "3.15.1",
    "equinox": "0.13.8",
}

PINS = """
torch | optim.SGD [*] | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
torch | optim.SGD [*] | dampening at the first step | agrees | buffer = d at step 1, no dampening
torch | optim.SGD [*] | lr inside or outside the velocity | agrees | outside: w −= lr·b
torch | optim.SGD [*] | lr inside or outside the velocity, constant lr | agrees | outside: w −= lr·b
torch | optim.SGD [*] | nesterov | agrees | w −= lr·(d + μ·b)
torch | optim.SGD [*] | nesterov without momentum, or with dampening | agrees | nesterov with momentum=0: ValueError; nesterov with dampening=0.5: ValueError
torch | optim.SGD [*] | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
torch | optim.SGD [*] | decay mask | agrees | spared leaves not decayed
torch | optim.SGD [*] | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
torch | optim.SGD [*] | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
torch | optim.SGD [*] | 20 steps, lr halved every 5 | agrees | the reference's update
torch | optim.SGD [*] | default lr | differs | lr=0.001
torch | optim.SGD [*] | default momentum | agrees | momentum=0
torch | optim.SGD [*] | default dampening | agrees | dampening=0
torch | optim.SGD [*] | default nesterov | agrees | nesterov=False
torch | optim.SGD [*] | default weight_decay | agrees | weight_decay=0
torch | optim.SGD [single-tensor] | compiled vs eager | agrees | compiled = eager, within the tolerance
torch | optim.Adam [*] | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
torch | optim.Adam [*] | ε placement | agrees | ε added to √v̂, after the bias correction
torch | optim.Adam [*] | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
torch | optim.Adam [*] | amsgrad | agrees | running maximum of v, then bias-corrected
torch | optim.Adam [*] | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
torch | optim.Adam [*] | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
torch | optim.Adam [*] | 20 steps, lr halved every 5 | agrees | the reference's update
torch | optim.Adam [*] | default lr | agrees | lr=0.001
torch | optim.Adam [*] | default betas | agrees | betas=(0.9, 0.999)
torch | optim.Adam [*] | default eps | agrees | eps=1e-08
torch | optim.Adam [*] | default weight_decay | agrees | weight_decay=0
torch | optim.Adam [single-tensor] | compiled vs eager | differs | 1 − βᵗ formed in float32 from β rounded to float32
torch | optim.AdamW [*] | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
torch | optim.AdamW [*] | ε placement | agrees | ε added to √v̂, after the bias correction
torch | optim.AdamW [*] | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
torch | optim.AdamW [*] | amsgrad | agrees | running maximum of v, then bias-corrected
torch | optim.AdamW [*] | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
torch | optim.AdamW [*] | decay mask | agrees | spared leaves not decayed
torch | optim.AdamW [*] | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
torch | optim.AdamW [*] | 20 steps, lr halved every 5 | agrees | the reference's update
torch | optim.AdamW [*] | default lr | agrees | lr=0.001
torch | optim.AdamW [*] | default betas | agrees | betas=(0.9, 0.999)
torch | optim.AdamW [*] | default eps | agrees | eps=1e-08
torch | optim.AdamW [*] | default weight_decay | agrees | weight_decay=0.01
torch | optim.AdamW [single-tensor] | compiled vs eager | differs | 1 − βᵗ formed in float32 from β rounded to float32
torch | optim.Adam(decoupled_weight_decay=True) [*] | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
torch | optim.Adam(decoupled_weight_decay=True) [*] | ε placement | agrees | ε added to √v̂, after the bias correction
torch | optim.Adam(decoupled_weight_decay=True) [*] | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
torch | optim.Adam(decoupled_weight_decay=True) [*] | amsgrad | agrees | running maximum of v, then bias-corrected
torch | optim.Adam(decoupled_weight_decay=True) [*] | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
torch | optim.Adam(decoupled_weight_decay=True) [*] | decay mask | agrees | spared leaves not decayed
torch | optim.Adam(decoupled_weight_decay=True) [*] | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
torch | optim.Adam(decoupled_weight_decay=True) [*] | 20 steps, lr halved every 5 | agrees | the reference's update
torch | optim.Adam(decoupled_weight_decay=True) [*] | default lr | agrees | lr=0.001
torch | optim.Adam(decoupled_weight_decay=True) [*] | default betas | agrees | betas=(0.9, 0.999)
torch | optim.Adam(decoupled_weight_decay=True) [*] | default eps | agrees | eps=1e-08
torch | optim.Adam(decoupled_weight_decay=True) [*] | default weight_decay | differs | weight_decay=0
torch | optim.NAdam [single-tensor] | decoupled_weight_decay=True | agrees | decoupled: w·(1 − lr·λ) before the step
torch | optim.RAdam [single-tensor] | decoupled_weight_decay=True | agrees | decoupled: w·(1 − lr·λ) before the step
torch | optim.NAdam [foreach] | decoupled_weight_decay=True | agrees | decoupled: w·(1 − lr·λ) before the step
torch | optim.RAdam [foreach] | decoupled_weight_decay=True | agrees | decoupled: w·(1 − lr·λ) before the step
torch | nn.functional.dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
torch | nn.functional.dropout | survivors, float16 | differs | x·fl(1/(1 − p)), in x's dtype
torch | nn.functional.dropout | survivors, bfloat16 | differs | x·fl(1/(1 − p)), in x's dtype
torch | nn.functional.dropout | survivors, float64 | agrees | x·fl(1/fl(1 − p))
torch | nn.functional.dropout | output dtype | agrees | the input's dtype
torch | nn.functional.dropout | p = 0 | agrees | identity
torch | nn.functional.dropout | p = 0, aliasing | differs | returns the input itself
torch | nn.functional.dropout | p = 1 | differs | negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0
torch | nn.functional.dropout | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
torch | nn.functional.dropout | out-of-range rates | differs | p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError
torch | nn.functional.dropout | evaluation mode (training=False) | agrees | identity
torch | nn.functional.dropout | evaluation mode, aliasing | agrees | returns the input itself
torch | nn.functional.dropout | autodiff gradient | differs | kept: dy·fl(1/fl(1 − p)); dropped: dy·0 (−0.0 where dy < 0)
torch | nn.functional.dropout | gradient at p = 1 | differs | negative → -0.0; others +0.0
torch | nn.functional.dropout | compiled vs eager (masks and values) | differs | compiled: other masks; survivors x·fl(1/(1 − p))
torch | nn.functional.dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
torch | nn.functional.dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
torch | nn.functional.dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
torch | nn.functional.dropout | shared axes (broadcast_dims, channels) | not applicable | no way to share a mask along axes
torch | nn.functional.dropout | CPU vs GPU masks | not measured | no GPU
torch | nn.Dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
torch | nn.Dropout | survivors, float16 | differs | x·fl(1/(1 − p)), in x's dtype
torch | nn.Dropout | survivors, bfloat16 | differs | x·fl(1/(1 − p)), in x's dtype
torch | nn.Dropout | survivors, float64 | agrees | x·fl(1/fl(1 − p))
torch | nn.Dropout | output dtype | agrees | the input's dtype
torch | nn.Dropout | p = 0 | agrees | identity
torch | nn.Dropout | p = 0, aliasing | differs | returns the input itself
torch | nn.Dropout | p = 1 | differs | negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0
torch | nn.Dropout | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
torch | nn.Dropout | out-of-range rates | differs | p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError
torch | nn.Dropout | evaluation mode (training=False) | agrees | identity
torch | nn.Dropout | evaluation mode, aliasing | agrees | returns the input itself
torch | nn.Dropout | autodiff gradient | differs | kept: dy·fl(1/fl(1 − p)); dropped: dy·0 (−0.0 where dy < 0)
torch | nn.Dropout | gradient at p = 1 | differs | negative → -0.0; others +0.0
torch | nn.Dropout | compiled vs eager (masks and values) | not measured | torch.compile is measured on nn.functional.dropout only (each compile costs seconds)
torch | nn.Dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
torch | nn.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
torch | nn.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
torch | nn.Dropout | shared axes (broadcast_dims, channels) | not applicable | no way to share a mask along axes
torch | nn.Dropout | CPU vs GPU masks | not measured | no GPU
torch | nn.functional.dropout1d/2d/3d | survivors, float32 | agrees | x·fl(1/fl(1 − p))
torch | nn.functional.dropout1d/2d/3d | survivors, float16 | differs | x·fl(1/(1 − p)), in x's dtype
torch | nn.functional.dropout1d/2d/3d | survivors, bfloat16 | differs | x·fl(1/(1 − p)), in x's dtype
torch | nn.functional.dropout1d/2d/3d | survivors, float64 | agrees | x·fl(1/fl(1 − p))
torch | nn.functional.dropout1d/2d/3d | output dtype | agrees | the input's dtype
torch | nn.functional.dropout1d/2d/3d | p = 0 | agrees | identity
torch | nn.functional.dropout1d/2d/3d | p = 0, aliasing | differs | returns the input itself
torch | nn.functional.dropout1d/2d/3d | p = 1 | differs | negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0
torch | nn.functional.dropout1d/2d/3d | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
torch | nn.functional.dropout1d/2d/3d | out-of-range rates | differs | p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError
torch | nn.functional.dropout1d/2d/3d | evaluation mode (training=False) | agrees | identity
torch | nn.functional.dropout1d/2d/3d | evaluation mode, aliasing | agrees | returns the input itself
torch | nn.functional.dropout1d/2d/3d | autodiff gradient | differs | kept: dy·fl(1/fl(1 − p)); dropped: dy·0 (−0.0 where dy < 0)
torch | nn.functional.dropout1d/2d/3d | gradient at p = 1 | differs | negative → -0.0; others +0.0
torch | nn.functional.dropout1d/2d/3d | compiled vs eager (masks and values) | not measured | torch.compile is measured on nn.functional.dropout only (each compile costs seconds)
torch | nn.functional.dropout1d/2d/3d | mask replays the reference's key | differs | its own generator: not the reference's mask
torch | nn.functional.dropout1d/2d/3d | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
torch | nn.functional.dropout1d/2d/3d | same key, same mask | agrees | same key: same mask; different keys: different masks
torch | nn.functional.dropout1d/2d/3d | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
torch | nn.functional.dropout1d/2d/3d | dropout2d on a 3-D input | differs | shares axis 2 only: treated as (N, C, L)
torch | nn.functional.dropout1d/2d/3d | CPU vs GPU masks | not measured | no GPU
optax | add_decayed_weights → sgd | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
optax | add_decayed_weights → sgd | dampening at the first step | not applicable | add_decayed_weights → sgd has no counterpart of the reference's 'dampening'
optax | add_decayed_weights → sgd | lr inside or outside the velocity | agrees | outside: w −= lr·b
optax | add_decayed_weights → sgd | lr inside or outside the velocity, constant lr | agrees | outside: w −= lr·b
optax | add_decayed_weights → sgd | nesterov | agrees | w −= lr·(d + μ·b)
optax | add_decayed_weights → sgd | nesterov without momentum, or with dampening | differs | nesterov with momentum=0: no error, a step
optax | add_decayed_weights → sgd | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
optax | add_decayed_weights → sgd | decay mask | agrees | spared leaves not decayed
optax | add_decayed_weights → sgd | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
optax | add_decayed_weights → sgd | a leaf without a gradient | agrees | a zero gradient: decayed (and moved by its momentum)
optax | add_decayed_weights → sgd | 20 steps, lr halved every 5 | agrees | the reference's update
optax | add_decayed_weights → sgd | default lr | agrees | lr: no default (required)
optax | add_decayed_weights → sgd | default momentum | agrees | momentum=0
optax | add_decayed_weights → sgd | default dampening | not applicable | add_decayed_weights → sgd has no counterpart of the reference's 'dampening'
optax | add_decayed_weights → sgd | default nesterov | agrees | nesterov=False
optax | add_decayed_weights → sgd | default weight_decay | agrees | weight_decay=0
optax | add_decayed_weights → sgd | compiled vs eager | agrees | compiled = eager, within the tolerance
optax | add_decayed_weights → adam | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
optax | add_decayed_weights → adam | ε placement | agrees | ε added to √v̂, after the bias correction
optax | add_decayed_weights → adam | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
optax | add_decayed_weights → adam | amsgrad | differs | running maximum of the bias-corrected v̂
optax | add_decayed_weights → adam | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
optax | add_decayed_weights → adam | a leaf without a gradient | agrees | a zero gradient: decayed (and moved by its momentum)
optax | add_decayed_weights → adam | 20 steps, lr halved every 5 | agrees | the reference's update
optax | add_decayed_weights → adam | default lr | differs | lr: no default (required)
optax | add_decayed_weights → adam | default betas | agrees | betas=(0.9, 0.999)
optax | add_decayed_weights → adam | default eps | agrees | eps=1e-08
optax | add_decayed_weights → adam | default weight_decay | agrees | weight_decay=0
optax | add_decayed_weights → adam | compiled vs eager | agrees | compiled = eager, within the tolerance
optax | sgd → add_decayed_weights | coupled or decoupled decay | differs | λ·w added after the lr scaling: w·(1 + λ) − step
optax | adam → add_decayed_weights | coupled or decoupled decay | differs | λ·w added after the lr scaling: w·(1 + λ) − step
optax | adamw | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
optax | adamw | ε placement | agrees | ε added to √v̂, after the bias correction
optax | adamw | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
optax | adamw | amsgrad | not applicable | adamw has no counterpart of the reference's 'amsgrad'
optax | adamw | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
optax | adamw | decay mask | agrees | spared leaves not decayed
optax | adamw | a leaf without a gradient | agrees | a zero gradient: decayed (and moved by its momentum)
optax | adamw | 20 steps, lr halved every 5 | agrees | the reference's update
optax | adamw | default lr | differs | lr: no default (required)
optax | adamw | default betas | agrees | betas=(0.9, 0.999)
optax | adamw | default eps | agrees | eps=1e-08
optax | adamw | default weight_decay | differs | weight_decay=0.0001
optax | adamw | compiled vs eager | agrees | compiled = eager, within the tolerance
flax | linen.Dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
flax | linen.Dropout | survivors, float16 | differs | x·fl(1/fl(1 − p)), in x's dtype
flax | linen.Dropout | survivors, bfloat16 | differs | x / fl(1 − p), in x's dtype
flax | linen.Dropout | survivors, float64 | not applicable | no float64 input
flax | linen.Dropout | output dtype | agrees | the input's dtype
flax | linen.Dropout | p = 0 | agrees | identity
flax | linen.Dropout | p = 0, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
flax | linen.Dropout | p = 1 | agrees | +0.0 everywhere
flax | linen.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
flax | linen.Dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
flax | linen.Dropout | evaluation mode (training=False) | agrees | identity
flax | linen.Dropout | evaluation mode, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
flax | linen.Dropout | autodiff gradient | agrees | kept: dy·fl(1/fl(1 − p)); dropped: +0.0
flax | linen.Dropout | gradient at p = 1 | agrees | +0.0 everywhere
flax | linen.Dropout | compiled vs eager (masks and values) | agrees | compiled = eager, bit for bit
flax | linen.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
flax | linen.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
flax | linen.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
flax | linen.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
flax | linen.Dropout | CPU vs GPU masks | not measured | no GPU
flax | linen.Dropout | keys without an explicit key | differs | one key, 2 module paths: all different masks, none the reference's for the derivations tried
flax | nnx.Dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
flax | nnx.Dropout | survivors, float16 | differs | x·fl(1/fl(1 − p)), in x's dtype
flax | nnx.Dropout | survivors, bfloat16 | differs | x / fl(1 − p), in x's dtype
flax | nnx.Dropout | survivors, float64 | not applicable | no float64 input
flax | nnx.Dropout | output dtype | agrees | the input's dtype
flax | nnx.Dropout | p = 0 | agrees | identity
flax | nnx.Dropout | p = 0, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
flax | nnx.Dropout | p = 1 | agrees | +0.0 everywhere
flax | nnx.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
flax | nnx.Dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
flax | nnx.Dropout | evaluation mode (training=False) | agrees | identity
flax | nnx.Dropout | evaluation mode, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
flax | nnx.Dropout | autodiff gradient | agrees | kept: dy·fl(1/fl(1 − p)); dropped: +0.0
flax | nnx.Dropout | gradient at p = 1 | agrees | +0.0 everywhere
flax | nnx.Dropout | compiled vs eager (masks and values) | agrees | compiled = eager, bit for bit
flax | nnx.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
flax | nnx.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
flax | nnx.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
flax | nnx.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
flax | nnx.Dropout | CPU vs GPU masks | not measured | no GPU
flax | nnx.Dropout | keys without an explicit key | agrees | call c draws the mask of fold_in(fold_in(key, 0), c)
keras[*] | optimizers.SGD | coupled or decoupled decay | differs | decoupled: w·(1 − lr·λ) before the step
keras[*] | optimizers.SGD | dampening at the first step | not applicable | optimizers.SGD has no counterpart of the reference's 'dampening'
keras[*] | optimizers.SGD | lr inside or outside the velocity | differs | inside: m = μ·m − lr·g; w += m
keras[*] | optimizers.SGD | lr inside or outside the velocity, constant lr | agrees | outside: w −= lr·b
keras[*] | optimizers.SGD | nesterov | agrees | w −= lr·(d + μ·b)
keras[*] | optimizers.SGD | nesterov without momentum, or with dampening | differs | nesterov with momentum=0: no error, a step
keras[*] | optimizers.SGD | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
keras[*] | optimizers.SGD | decay mask | agrees | spared leaves not decayed
keras[jax] | optimizers.SGD | infinite weight with weight_decay = 0 | differs | λ·w formed anyway: 0·inf = NaN
keras[*] | optimizers.SGD | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
keras[*] | optimizers.SGD | 20 steps, lr halved every 5 | differs | none of: the reference's update
keras[*] | optimizers.SGD | default lr | differs | lr=0.01
keras[*] | optimizers.SGD | default momentum | agrees | momentum=0
keras[*] | optimizers.SGD | default dampening | not applicable | optimizers.SGD has no counterpart of the reference's 'dampening'
keras[*] | optimizers.SGD | default nesterov | agrees | nesterov=False
keras[*] | optimizers.SGD | default weight_decay | agrees | weight_decay=0
keras[*] | optimizers.Adam | coupled or decoupled decay | differs | decoupled: w·(1 − lr·λ) before the step
keras[*] | optimizers.Adam | ε placement | differs | ε added to √v, correction folded into lr
keras[*] | optimizers.Adam | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
keras[*] | optimizers.Adam | amsgrad | agrees | running maximum of v, then bias-corrected
keras[jax] | optimizers.Adam | infinite weight with weight_decay = 0 | differs | λ·w formed anyway: 0·inf = NaN
keras[*] | optimizers.Adam | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
keras[*] | optimizers.Adam | 20 steps, lr halved every 5 | differs | none of: the reference's update
keras[*] | optimizers.Adam | default lr | agrees | lr=0.001
keras[*] | optimizers.Adam | default betas | agrees | betas=(0.9, 0.999)
keras[*] | optimizers.Adam | default eps | differs | eps=1e-07
keras[*] | optimizers.Adam | default weight_decay | agrees | weight_decay=0
keras[*] | optimizers.AdamW | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
keras[*] | optimizers.AdamW | ε placement | differs | ε added to √v, correction folded into lr
keras[*] | optimizers.AdamW | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
keras[*] | optimizers.AdamW | amsgrad | agrees | running maximum of v, then bias-corrected
keras[*] | optimizers.AdamW | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
keras[*] | optimizers.AdamW | decay mask | agrees | spared leaves not decayed
keras[*] | optimizers.AdamW | a leaf without a gradient | differs | skipped: left as it was, no decay, no momentum
keras[*] | optimizers.AdamW | 20 steps, lr halved every 5 | agrees | the reference's update
keras[*] | optimizers.AdamW | default lr | agrees | lr=0.001
keras[*] | optimizers.AdamW | default betas | agrees | betas=(0.9, 0.999)
keras[*] | optimizers.AdamW | default eps | differs | eps=1e-07
keras[*] | optimizers.AdamW | default weight_decay | differs | weight_decay=0.004
keras[*] | regularizers.L2 | factor ½ in the penalty | differs | λ·Σw² (no ½)
keras[*] | regularizers.L2 | autodiff gradient of the penalty | differs | 2λ·w
keras[*] | regularizers.L2 | negative or non-finite λ | agrees | λ=-0.1: ValueError; λ=nan: ValueError; λ=inf: ValueError
keras[jax] | layers.Dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
keras[jax] | layers.Dropout | survivors, float16 | differs | x·fl(1/fl(1 − p)), returned as float32
keras[jax] | layers.Dropout | survivors, bfloat16 | differs | x·fl(1/fl(1 − p)), returned as float32
keras[jax] | layers.Dropout | survivors, float64 | not applicable | no float64 input
keras[jax] | layers.Dropout | output dtype | differs | float16 → float32; bfloat16 → float32
keras[*] | layers.Dropout | p = 0 | agrees | identity
keras[jax] | layers.Dropout | p = 0, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
keras[*] | layers.Dropout | p = 1 | agrees | +0.0 everywhere
keras[*] | layers.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
keras[*] | layers.Dropout | out-of-range rates | agrees | p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
keras[*] | layers.Dropout | evaluation mode (training=False) | agrees | identity
keras[jax] | layers.Dropout | evaluation mode, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
keras[jax] | layers.Dropout | autodiff gradient | agrees | kept: dy·fl(1/fl(1 − p)); dropped: +0.0
keras[*] | layers.Dropout | gradient at p = 1 | agrees | +0.0 everywhere
keras[jax] | layers.Dropout | compiled vs eager (masks and values) | agrees | compiled = eager, bit for bit
keras[jax] | layers.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
keras[*] | layers.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
keras[*] | layers.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
keras[*] | layers.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
keras[*] | layers.Dropout | CPU vs GPU masks | not measured | no GPU
keras[jax] | layers.Dropout | keys without an explicit key | agrees | call c draws the mask of the key (s, c)
keras[jax] | random.dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
keras[jax] | random.dropout | survivors, float16 | differs | x·fl(1/fl(1 − p)), in x's dtype
keras[jax] | random.dropout | survivors, bfloat16 | differs | x / fl(1 − p), in x's dtype
keras[jax] | random.dropout | survivors, float64 | not applicable | no float64 input
keras[*] | random.dropout | output dtype | agrees | the input's dtype
keras[*] | random.dropout | p = 0 | agrees | identity
keras[jax] | random.dropout | p = 0, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
keras[*] | random.dropout | p = 1 | agrees | +0.0 everywhere
keras[*] | random.dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
keras[jax] | random.dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
keras[*] | random.dropout | evaluation mode (training=False) | not applicable | keras.random.dropout has no training flag
keras[jax] | random.dropout | evaluation mode, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
keras[jax] | random.dropout | autodiff gradient | agrees | kept: dy·fl(1/fl(1 − p)); dropped: +0.0
keras[*] | random.dropout | gradient at p = 1 | agrees | +0.0 everywhere
keras[jax] | random.dropout | compiled vs eager (masks and values) | agrees | compiled = eager, bit for bit
keras[jax] | random.dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
keras[*] | random.dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
keras[*] | random.dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
keras[*] | random.dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
keras[*] | random.dropout | CPU vs GPU masks | not measured | no GPU
keras[torch] | optimizers.SGD | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
keras[torch] | optimizers.Adam | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
keras[torch] | layers.Dropout | survivors, float32 | differs | x / fl(1 − p)
keras[torch] | layers.Dropout | survivors, float16 | differs | x / fl(1 − p), returned as float32
keras[torch] | layers.Dropout | survivors, bfloat16 | differs | x / fl(1 − p), returned as float32
keras[torch] | layers.Dropout | survivors, float64 | differs | x / fl(1 − p), returned as float32
keras[torch] | layers.Dropout | output dtype | differs | float16 → float32; bfloat16 → float32; float64 → float32
keras[torch] | layers.Dropout | p = 0, aliasing | differs | returns the input itself
keras[torch] | layers.Dropout | evaluation mode, aliasing | agrees | returns the input itself
keras[torch] | layers.Dropout | autodiff gradient | differs | kept: dy / fl(1 − p); dropped: +0.0
keras[torch] | layers.Dropout | compiled vs eager (masks and values) | not measured | torch.compile is measured on torch's own nn.functional.dropout
keras[torch] | layers.Dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
keras[torch] | layers.Dropout | keys without an explicit key | differs | one key, 3 calls: all different masks, none the reference's for the derivations tried
keras[torch] | random.dropout | survivors, float32 | differs | x / fl(1 − p)
keras[torch] | random.dropout | survivors, float16 | differs | x / fl(1 − p)
keras[torch] | random.dropout | survivors, bfloat16 | differs | x / fl(1 − p)
keras[torch] | random.dropout | survivors, float64 | differs | x / fl(1 − p)
keras[torch] | random.dropout | p = 0, aliasing | differs | returns the input itself
keras[torch] | random.dropout | out-of-range rates | differs | p=-0.5: RuntimeError; p=1.5: RuntimeError; p=nan: RuntimeError
keras[torch] | random.dropout | evaluation mode, aliasing | not applicable | keras.random.dropout has no training flag
keras[torch] | random.dropout | autodiff gradient | differs | kept: dy / fl(1 − p); dropped: +0.0
keras[torch] | random.dropout | compiled vs eager (masks and values) | not measured | torch.compile is measured on torch's own nn.functional.dropout
keras[torch] | random.dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
keras[torch] | layers.Dropout (no seed) | survivors, float32 | agrees | x·fl(1/fl(1 − p))
keras[torch] | layers.Dropout (no seed) | survivors, float16 | differs | x·fl(1/fl(1 − p)), returned as float32
keras[torch] | layers.Dropout (no seed) | survivors, bfloat16 | differs | x·fl(1/fl(1 − p)), returned as float32
keras[torch] | layers.Dropout (no seed) | survivors, float64 | differs | x·fl(1/fl(1 − p)), returned as float32
keras[torch] | layers.Dropout (no seed) | output dtype | differs | float16 → float32; bfloat16 → float32; float64 → float32
keras[torch] | layers.Dropout (no seed) | p = 0 | agrees | identity
keras[torch] | layers.Dropout (no seed) | p = 0, aliasing | differs | returns the input itself
keras[torch] | layers.Dropout (no seed) | p = 1 | agrees | +0.0 everywhere
keras[torch] | layers.Dropout (no seed) | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
keras[torch] | layers.Dropout (no seed) | out-of-range rates | agrees | p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
keras[torch] | layers.Dropout (no seed) | evaluation mode (training=False) | agrees | identity
keras[torch] | layers.Dropout (no seed) | evaluation mode, aliasing | agrees | returns the input itself
keras[torch] | layers.Dropout (no seed) | autodiff gradient | differs | kept: dy·fl(1/fl(1 − p)); dropped: dy·0 (−0.0 where dy < 0)
keras[torch] | layers.Dropout (no seed) | gradient at p = 1 | agrees | +0.0 everywhere
keras[torch] | layers.Dropout (no seed) | compiled vs eager (masks and values) | not measured | torch.compile is measured on torch's own nn.functional.dropout
keras[torch] | layers.Dropout (no seed) | mask replays the reference's key | differs | its own generator: not the reference's mask
keras[torch] | layers.Dropout (no seed) | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
keras[torch] | layers.Dropout (no seed) | same key, same mask | agrees | same key: same mask; different keys: different masks
keras[torch] | layers.Dropout (no seed) | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
keras[torch] | layers.Dropout (no seed) | CPU vs GPU masks | not measured | no GPU
equinox | nn.Dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
equinox | nn.Dropout | survivors, float16 | differs | x·fl(1/fl(1 − p)), in x's dtype
equinox | nn.Dropout | survivors, bfloat16 | differs | x / fl(1 − p), in x's dtype
equinox | nn.Dropout | survivors, float64 | not applicable | no float64 input
equinox | nn.Dropout | output dtype | agrees | the input's dtype
equinox | nn.Dropout | p = 0 | agrees | identity
equinox | nn.Dropout | p = 0, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
equinox | nn.Dropout | p = 1 | agrees | +0.0 everywhere
equinox | nn.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
equinox | nn.Dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
equinox | nn.Dropout | evaluation mode (training=False) | agrees | identity
equinox | nn.Dropout | evaluation mode, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
equinox | nn.Dropout | autodiff gradient | agrees | kept: dy·fl(1/fl(1 − p)); dropped: +0.0
equinox | nn.Dropout | gradient at p = 1 | differs | nan everywhere
equinox | nn.Dropout | compiled vs eager (masks and values) | differs | compiled: the same masks; survivors x·fl(1/fl(1 − fl(p)))
equinox | nn.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
equinox | nn.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
equinox | nn.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
equinox | nn.Dropout | shared axes (broadcast_dims, channels) | not applicable | no way to share a mask along axes
equinox | nn.Dropout | CPU vs GPU masks | not measured | no GPU
equinox | nn.Dropout under eqx.filter_jit | survivors, float32 | differs | x·fl(1/fl(1 − fl(p)))
equinox | nn.Dropout under eqx.filter_jit | survivors, float16 | differs | x·fl(1/fl(1 − p)), in x's dtype
equinox | nn.Dropout under eqx.filter_jit | survivors, bfloat16 | differs | x / fl(1 − p), in x's dtype
equinox | nn.Dropout under eqx.filter_jit | survivors, float64 | not applicable | no float64 input
equinox | nn.Dropout under eqx.filter_jit | output dtype | agrees | the input's dtype
equinox | nn.Dropout under eqx.filter_jit | p = 0 | agrees | identity
equinox | nn.Dropout under eqx.filter_jit | p = 0, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
equinox | nn.Dropout under eqx.filter_jit | p = 1 | agrees | +0.0 everywhere
equinox | nn.Dropout under eqx.filter_jit | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
equinox | nn.Dropout under eqx.filter_jit | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
equinox | nn.Dropout under eqx.filter_jit | evaluation mode (training=False) | agrees | identity
equinox | nn.Dropout under eqx.filter_jit | evaluation mode, aliasing | not applicable | immutable arrays: whether the output is the input cannot show
equinox | nn.Dropout under eqx.filter_jit | autodiff gradient | differs | kept: dy·fl(1/fl(1 − fl(p))); dropped: +0.0
equinox | nn.Dropout under eqx.filter_jit | gradient at p = 1 | differs | nan everywhere
regref | numpy_ref.sgd_step | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
regref | numpy_ref.sgd_step | dampening at the first step | agrees | buffer = d at step 1, no dampening
regref | numpy_ref.sgd_step | lr inside or outside the velocity | agrees | outside: w −= lr·b
regref | numpy_ref.sgd_step | lr inside or outside the velocity, constant lr | agrees | outside: w −= lr·b
regref | numpy_ref.sgd_step | nesterov | agrees | w −= lr·(d + μ·b)
regref | numpy_ref.sgd_step | nesterov without momentum, or with dampening | agrees | nesterov with momentum=0: ValueError; nesterov with dampening=0.5: ValueError
regref | numpy_ref.sgd_step | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
regref | numpy_ref.sgd_step | decay mask | agrees | spared leaves not decayed
regref | numpy_ref.sgd_step | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
regref | numpy_ref.sgd_step | a leaf without a gradient | agrees | a zero gradient: decayed (and moved by its momentum)
regref | numpy_ref.sgd_step | 20 steps, lr halved every 5 | agrees | the reference's update
regref | numpy_ref.sgd_step | default lr | agrees | lr: no default (required)
regref | numpy_ref.sgd_step | default momentum | agrees | momentum=0
regref | numpy_ref.sgd_step | default dampening | agrees | dampening=0
regref | numpy_ref.sgd_step | default nesterov | agrees | nesterov=False
regref | numpy_ref.sgd_step | default weight_decay | agrees | weight_decay=0
regref | numpy_ref.adam_step | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
regref | numpy_ref.adam_step | ε placement | agrees | ε added to √v̂, after the bias correction
regref | numpy_ref.adam_step | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
regref | numpy_ref.adam_step | amsgrad | agrees | running maximum of v, then bias-corrected
regref | numpy_ref.adam_step | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
regref | numpy_ref.adam_step | a leaf without a gradient | agrees | a zero gradient: decayed (and moved by its momentum)
regref | numpy_ref.adam_step | 20 steps, lr halved every 5 | agrees | the reference's update
regref | numpy_ref.adam_step | default lr | agrees | lr=0.001
regref | numpy_ref.adam_step | default betas | agrees | betas=(0.9, 0.999)
regref | numpy_ref.adam_step | default eps | agrees | eps=1e-08
regref | numpy_ref.adam_step | default weight_decay | agrees | weight_decay=0
regref | numpy_ref.adamw_step | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
regref | numpy_ref.adamw_step | ε placement | agrees | ε added to √v̂, after the bias correction
regref | numpy_ref.adamw_step | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
regref | numpy_ref.adamw_step | amsgrad | agrees | running maximum of v, then bias-corrected
regref | numpy_ref.adamw_step | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
regref | numpy_ref.adamw_step | decay mask | agrees | spared leaves not decayed
regref | numpy_ref.adamw_step | a leaf without a gradient | agrees | a zero gradient: decayed (and moved by its momentum)
regref | numpy_ref.adamw_step | 20 steps, lr halved every 5 | agrees | the reference's update
regref | numpy_ref.adamw_step | default lr | agrees | lr=0.001
regref | numpy_ref.adamw_step | default betas | agrees | betas=(0.9, 0.999)
regref | numpy_ref.adamw_step | default eps | agrees | eps=1e-08
regref | numpy_ref.adamw_step | default weight_decay | agrees | weight_decay=0.01
regref | numpy_ref.l2_penalty | factor ½ in the penalty | agrees | λ/2·Σw²
regref | numpy_ref.l2_penalty | autodiff gradient of the penalty | agrees | λ·w
regref | numpy_ref.l2_penalty | negative or non-finite λ | agrees | λ=-0.1: ValueError; λ=nan: ValueError; λ=inf: ValueError
regref | numpy_ref.dropout | survivors, float32 | agrees | x·fl(1/fl(1 − p))
regref | numpy_ref.dropout | survivors, float16 | agrees | x·fl(1/fl(1 − p))
regref | numpy_ref.dropout | survivors, bfloat16 | agrees | x·fl(1/fl(1 − p))
regref | numpy_ref.dropout | survivors, float64 | agrees | x·fl(1/fl(1 − p))
regref | numpy_ref.dropout | output dtype | agrees | the input's dtype
regref | numpy_ref.dropout | p = 0 | agrees | identity
regref | numpy_ref.dropout | p = 0, aliasing | agrees | returns a new array
regref | numpy_ref.dropout | p = 1 | agrees | +0.0 everywhere
regref | numpy_ref.dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
regref | numpy_ref.dropout | out-of-range rates | agrees | p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
regref | numpy_ref.dropout | evaluation mode (training=False) | agrees | identity
regref | numpy_ref.dropout | evaluation mode, aliasing | agrees | returns the input itself
regref | numpy_ref.dropout | autodiff gradient | agrees | kept: dy·fl(1/fl(1 − p)); dropped: +0.0
regref | numpy_ref.dropout | gradient at p = 1 | agrees | +0.0 everywhere
regref | numpy_ref.dropout | compiled vs eager (masks and values) | not measured | NumPy has no compiler
regref | numpy_ref.dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
regref | numpy_ref.dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
regref | numpy_ref.dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
regref | numpy_ref.dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
regref | numpy_ref.dropout | CPU vs GPU masks | not measured | no GPU
"""
GROUPS = """
SGD · coupled or decoupled decay
    coupled: λ·w added to the gradient ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; regref numpy_ref.sgd_step
    λ·w added after the lr scaling: w·(1 + λ) − step ← optax sgd → add_decayed_weights
    decoupled: w·(1 − lr·λ) before the step ← keras[jax, torch] optimizers.SGD
SGD · dampening at the first step
    buffer = d at step 1, no dampening ← torch optim.SGD [single-tensor, foreach, fused]; regref numpy_ref.sgd_step
SGD · lr inside or outside the velocity
    outside: w −= lr·b ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; regref numpy_ref.sgd_step
    inside: m = μ·m − lr·g; w += m ← keras[jax, torch] optimizers.SGD
SGD · lr inside or outside the velocity, constant lr
    outside: w −= lr·b ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · nesterov
    w −= lr·(d + μ·b) ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · nesterov without momentum, or with dampening
    nesterov with momentum=0: ValueError; nesterov with dampening=0.5: ValueError ← torch optim.SGD [single-tensor, foreach, fused]; regref numpy_ref.sgd_step
    nesterov with momentum=0: no error, a step ← optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD
SGD · decay of 1-D leaves (biases)
    every leaf decayed, 1-D (biases) too ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · decay mask
    spared leaves not decayed ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · infinite weight with weight_decay = 0
    λ = 0 skipped: inf stays inf ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[torch] optimizers.SGD; regref numpy_ref.sgd_step
    λ·w formed anyway: 0·inf = NaN ← keras[jax] optimizers.SGD
SGD · a leaf without a gradient
    a zero gradient: decayed (and moved by its momentum) ← optax add_decayed_weights → sgd; regref numpy_ref.sgd_step
    skipped: left as it was, no decay, no momentum ← torch optim.SGD [single-tensor, foreach, fused]; keras[jax, torch] optimizers.SGD
SGD · 20 steps, lr halved every 5
    the reference's update ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; regref numpy_ref.sgd_step
    none of: the reference's update ← keras[jax] optimizers.SGD
    none of: the reference's update ← keras[torch] optimizers.SGD
SGD · default lr
    lr: no default (required) ← optax add_decayed_weights → sgd; regref numpy_ref.sgd_step
    lr=0.001 ← torch optim.SGD [single-tensor, foreach, fused]
    lr=0.01 ← keras[jax, torch] optimizers.SGD
SGD · default momentum
    momentum=0 ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · default dampening
    dampening=0 ← torch optim.SGD [single-tensor, foreach, fused]; regref numpy_ref.sgd_step
SGD · default nesterov
    nesterov=False ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · default weight_decay
    weight_decay=0 ← torch optim.SGD [single-tensor, foreach, fused]; optax add_decayed_weights → sgd; keras[jax, torch] optimizers.SGD; regref numpy_ref.sgd_step
SGD · compiled vs eager
    compiled = eager, within the tolerance ← torch optim.SGD [single-tensor]; optax add_decayed_weights → sgd
Adam · coupled or decoupled decay
    coupled: λ·w added to the gradient ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; regref numpy_ref.adam_step
    λ·w added after the lr scaling: w·(1 + λ) − step ← optax adam → add_decayed_weights
    decoupled: w·(1 − lr·λ) before the step ← keras[jax, torch] optimizers.Adam
Adam · ε placement
    ε added to √v̂, after the bias correction ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; regref numpy_ref.adam_step
    ε added to √v, correction folded into lr ← keras[jax, torch] optimizers.Adam
Adam · bias correction with β₂ = 0.999
    1 − βᵗ from the exact β, rounded once ← torch optim.Adam [single-tensor, foreach, fused]; regref numpy_ref.adam_step
    1 − βᵗ formed in float32 from β rounded to float32 ← optax add_decayed_weights → adam; keras[jax, torch] optimizers.Adam
Adam · amsgrad
    running maximum of v, then bias-corrected ← torch optim.Adam [single-tensor, foreach, fused]; keras[jax, torch] optimizers.Adam; regref numpy_ref.adam_step
    running maximum of the bias-corrected v̂ ← optax add_decayed_weights → adam
Adam · infinite weight with weight_decay = 0
    λ = 0 skipped: inf stays inf ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; keras[torch] optimizers.Adam; regref numpy_ref.adam_step
    λ·w formed anyway: 0·inf = NaN ← keras[jax] optimizers.Adam
Adam · a leaf without a gradient
    a zero gradient: decayed (and moved by its momentum) ← optax add_decayed_weights → adam; regref numpy_ref.adam_step
    skipped: left as it was, no decay, no momentum ← torch optim.Adam [single-tensor, foreach, fused]; keras[jax, torch] optimizers.Adam
Adam · 20 steps, lr halved every 5
    the reference's update ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; regref numpy_ref.adam_step
    none of: the reference's update ← keras[jax] optimizers.Adam
    none of: the reference's update ← keras[torch] optimizers.Adam
Adam · default lr
    lr=0.001 ← torch optim.Adam [single-tensor, foreach, fused]; keras[jax, torch] optimizers.Adam; regref numpy_ref.adam_step
    lr: no default (required) ← optax add_decayed_weights → adam
Adam · default betas
    betas=(0.9, 0.999) ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; keras[jax, torch] optimizers.Adam; regref numpy_ref.adam_step
Adam · default eps
    eps=1e-08 ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; regref numpy_ref.adam_step
    eps=1e-07 ← keras[jax, torch] optimizers.Adam
Adam · default weight_decay
    weight_decay=0 ← torch optim.Adam [single-tensor, foreach, fused]; optax add_decayed_weights → adam; keras[jax, torch] optimizers.Adam; regref numpy_ref.adam_step
Adam · compiled vs eager
    compiled = eager, within the tolerance ← optax add_decayed_weights → adam
    1 − βᵗ formed in float32 from β rounded to float32 ← torch optim.Adam [single-tensor]
AdamW · coupled or decoupled decay
    decoupled: w·(1 − lr·λ) before the step ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
AdamW · ε placement
    ε added to √v̂, after the bias correction ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; regref numpy_ref.adamw_step
    ε added to √v, correction folded into lr ← keras[jax, torch] optimizers.AdamW
AdamW · bias correction with β₂ = 0.999
    1 − βᵗ from the exact β, rounded once ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; regref numpy_ref.adamw_step
    1 − βᵗ formed in float32 from β rounded to float32 ← optax adamw; keras[jax, torch] optimizers.AdamW
AdamW · amsgrad
    running maximum of v, then bias-corrected ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
AdamW · decay of 1-D leaves (biases)
    every leaf decayed, 1-D (biases) too ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
AdamW · decay mask
    spared leaves not decayed ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
AdamW · a leaf without a gradient
    a zero gradient: decayed (and moved by its momentum) ← optax adamw; regref numpy_ref.adamw_step
    skipped: left as it was, no decay, no momentum ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; keras[jax, torch] optimizers.AdamW
AdamW · 20 steps, lr halved every 5
    the reference's update ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
AdamW · default lr
    lr=0.001 ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
    lr: no default (required) ← optax adamw
AdamW · default betas
    betas=(0.9, 0.999) ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; keras[jax, torch] optimizers.AdamW; regref numpy_ref.adamw_step
AdamW · default eps
    eps=1e-08 ← torch optim.AdamW [single-tensor, foreach, fused], optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]; optax adamw; regref numpy_ref.adamw_step
    eps=1e-07 ← keras[jax, torch] optimizers.AdamW
AdamW · default weight_decay
    weight_decay=0.01 ← torch optim.AdamW [single-tensor, foreach, fused]; regref numpy_ref.adamw_step
    weight_decay=0 ← torch optim.Adam(decoupled_weight_decay=True) [single-tensor, foreach, fused]
    weight_decay=0.0001 ← optax adamw
    weight_decay=0.004 ← keras[jax, torch] optimizers.AdamW
AdamW · compiled vs eager
    compiled = eager, within the tolerance ← optax adamw
    1 − βᵗ formed in float32 from β rounded to float32 ← torch optim.AdamW [single-tensor]
NAdam · decoupled_weight_decay=True
    decoupled: w·(1 − lr·λ) before the step ← torch optim.NAdam [single-tensor, foreach]
RAdam · decoupled_weight_decay=True
    decoupled: w·(1 − lr·λ) before the step ← torch optim.RAdam [single-tensor, foreach]
dropout · survivors, float32
    x·fl(1/fl(1 − p)) ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout (no seed); equinox nn.Dropout; regref numpy_ref.dropout
    x / fl(1 − p) ← keras[torch] layers.Dropout, random.dropout
    x·fl(1/fl(1 − fl(p))) ← equinox nn.Dropout under eqx.filter_jit
dropout · survivors, float16
    x·fl(1/fl(1 − p)) ← regref numpy_ref.dropout
    x·fl(1/(1 − p)), in x's dtype ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d
    x·fl(1/fl(1 − p)), in x's dtype ← flax linen.Dropout, nnx.Dropout; keras[jax] random.dropout; equinox nn.Dropout, nn.Dropout under eqx.filter_jit
    x·fl(1/fl(1 − p)), returned as float32 ← keras[jax] layers.Dropout; keras[torch] layers.Dropout (no seed)
    x / fl(1 − p), returned as float32 ← keras[torch] layers.Dropout
    x / fl(1 − p) ← keras[torch] random.dropout
dropout · survivors, bfloat16
    x·fl(1/fl(1 − p)) ← regref numpy_ref.dropout
    x·fl(1/(1 − p)), in x's dtype ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d
    x / fl(1 − p), in x's dtype ← flax linen.Dropout, nnx.Dropout; keras[jax] random.dropout; equinox nn.Dropout, nn.Dropout under eqx.filter_jit
    x·fl(1/fl(1 − p)), returned as float32 ← keras[jax] layers.Dropout; keras[torch] layers.Dropout (no seed)
    x / fl(1 − p), returned as float32 ← keras[torch] layers.Dropout
    x / fl(1 − p) ← keras[torch] random.dropout
dropout · survivors, float64
    x·fl(1/fl(1 − p)) ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; regref numpy_ref.dropout
    x / fl(1 − p), returned as float32 ← keras[torch] layers.Dropout
    x / fl(1 − p) ← keras[torch] random.dropout
    x·fl(1/fl(1 − p)), returned as float32 ← keras[torch] layers.Dropout (no seed)
dropout · output dtype
    the input's dtype ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax, torch] random.dropout; equinox nn.Dropout, nn.Dropout under eqx.filter_jit; regref numpy_ref.dropout
    float16 → float32; bfloat16 → float32 ← keras[jax] layers.Dropout
    float16 → float32; bfloat16 → float32; float64 → float32 ← keras[torch] layers.Dropout, layers.Dropout (no seed)
dropout · p = 0
    identity ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed); equinox nn.Dropout, nn.Dropout under eqx.filter_jit; regref numpy_ref.dropout
dropout · p = 0, aliasing
    returns a new array ← regref numpy_ref.dropout
    returns the input itself ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed)
dropout · p = 1
    +0.0 everywhere ← flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed); equinox nn.Dropout, nn.Dropout under eqx.filter_jit; regref numpy_ref.dropout
    negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0 ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d
dropout · dropped inf, NaN, −0.0 and negatives
    +0.0 everywhere ← flax linen.Dropout, nnx.Dropout; keras[jax, torch] layers.Dropout, random.dropout; equinox nn.Dropout, nn.Dropout under eqx.filter_jit; regref numpy_ref.dropout
    negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0 ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; keras[torch] layers.Dropout (no seed)
dropout · out-of-range rates
    p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError ← keras[jax] layers.Dropout; keras[torch] layers.Dropout, layers.Dropout (no seed); regref numpy_ref.dropout
    p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d
    p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0] ← flax linen.Dropout, nnx.Dropout; keras[jax] random.dropout; equinox nn.Dropout, nn.Dropout under eqx.filter_jit
    p=-0.5: RuntimeError; p=1.5: RuntimeError; p=nan: RuntimeError ← keras[torch] random.dropout
dropout · evaluation mode (training=False)
    identity ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout; keras[torch] layers.Dropout, layers.Dropout (no seed); equinox nn.Dropout, nn.Dropout under eqx.filter_jit; regref numpy_ref.dropout
dropout · evaluation mode, aliasing
    returns the input itself ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; keras[torch] layers.Dropout, layers.Dropout (no seed); regref numpy_ref.dropout
dropout · autodiff gradient
    kept: dy·fl(1/fl(1 − p)); dropped: +0.0 ← flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; equinox nn.Dropout; regref numpy_ref.dropout
    kept: dy·fl(1/fl(1 − p)); dropped: dy·0 (−0.0 where dy < 0) ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; keras[torch] layers.Dropout (no seed)
    kept: dy / fl(1 − p); dropped: +0.0 ← keras[torch] layers.Dropout, random.dropout
    kept: dy·fl(1/fl(1 − fl(p))); dropped: +0.0 ← equinox nn.Dropout under eqx.filter_jit
dropout · gradient at p = 1
    +0.0 everywhere ← flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed); regref numpy_ref.dropout
    negative → -0.0; others +0.0 ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d
    nan everywhere ← equinox nn.Dropout, nn.Dropout under eqx.filter_jit
dropout · compiled vs eager (masks and values)
    compiled = eager, bit for bit ← flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout
    compiled: other masks; survivors x·fl(1/(1 − p)) ← torch nn.functional.dropout
    compiled: the same masks; survivors x·fl(1/fl(1 − fl(p))) ← equinox nn.Dropout
dropout · mask replays the reference's key
    the reference's mask for the same key, bit for bit ← flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; equinox nn.Dropout; regref numpy_ref.dropout
    its own generator: not the reference's mask ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed)
dropout · mask statistics
    consistent with independent Bernoulli(1 − p) ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed); equinox nn.Dropout; regref numpy_ref.dropout
dropout · same key, same mask
    same key: same mask; different keys: different masks ← torch nn.functional.dropout, nn.Dropout, nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed); equinox nn.Dropout; regref numpy_ref.dropout
dropout · shared axes (broadcast_dims, channels)
    shared along the given axes ← torch nn.functional.dropout1d/2d/3d; flax linen.Dropout, nnx.Dropout; keras[jax] layers.Dropout, random.dropout; keras[torch] layers.Dropout, random.dropout, layers.Dropout (no seed); regref numpy_ref.dropout
dropout · CPU vs GPU masks
dropout · dropout2d on a 3-D input
    shares axis 2 only: treated as (N, C, L) ← torch nn.functional.dropout1d/2d/3d
dropout · keys without an explicit key
    call c draws the mask of fold_in(fold_in(key, 0), c) ← flax nnx.Dropout
    call c draws the mask of the key (s, c) ← keras[jax] layers.Dropout
    one key, 2 module paths: all different masks, none the reference's for the derivations tried ← flax linen.Dropout
    one key, 3 calls: all different masks, none the reference's for the derivations tried ← keras[torch] layers.Dropout
L2 penalty · factor ½ in the penalty
    λ/2·Σw² ← regref numpy_ref.l2_penalty
    λ·Σw² (no ½) ← keras[jax, torch] regularizers.L2
L2 penalty · autodiff gradient of the penalty
    λ·w ← regref numpy_ref.l2_penalty
    2λ·w ← keras[jax, torch] regularizers.L2
L2 penalty · negative or non-finite λ
    λ=-0.1: ValueError; λ=nan: ValueError; λ=inf: ValueError ← keras[jax, torch] regularizers.L2; regref numpy_ref.l2_penalty
"""

ROWS = [tuple(cell.strip() for cell in line.split(" | ")) for line in PINS.strip().splitlines()]


def _grouped(text: str) -> dict[str, list[str]]:
    """``title`` lines, each followed by its groups indented."""
    out: dict[str, list[str]] = {}
    for line in text.strip().splitlines():
        if line.startswith(" "):
            out[next(reversed(out))].append(line.strip())
        else:
            out[line] = []
    return out


GROUPED = _grouped(GROUPS)
_GPU_ONLY = "dropout · CPU vs GPU masks"  # measured where a GPU is present, which the CPU-only pins cannot foresee


def _framework_matches(pattern: str, framework: str) -> bool:
    return framework.startswith("keras[") if pattern == "keras[*]" else framework == pattern


def _api_matches(pattern: str, api: str) -> bool:
    return api.startswith(pattern[:-3]) and api.endswith("]") if pattern.endswith(" [*]") else api == pattern


def _pinned(f: Finding, row: tuple[str, ...]) -> bool:
    return _framework_matches(row[0], f.framework) and _api_matches(row[1], f.api) and f.behaviour == row[2]


def _groups(row: Row) -> list[str]:
    return [f"{g.observed} ← {names(g.members)}" for g in row.groups]


@pytest.fixture(scope="module")
def findings(native_findings: list[Finding]) -> list[Finding]:
    return native_findings


def _installed() -> str:
    names_ = ("torch", "jax", "optax", "flax", "keras", "equinox")
    return ", ".join(f"{n} {_version(n)}" for n in names_) + f"; python {platform.python_version()}"


def _version(name: str) -> str:
    try:
        return version(name)
    except Exception:
        return "not installed"


def _skip_if_absent(findings: list[Finding], framework_pattern: str) -> None:
    absent = [f for f in findings if _framework_matches(framework_pattern, f.framework) and f.verdict == NOT_INSTALLED]
    if absent:
        pytest.skip(f"{absent[0].framework}: {absent[0].observed}")


@pytest.mark.parametrize("row", ROWS, ids=[" · ".join(r[:3]) for r in ROWS])
def test_behaviour_is_as_pinned(findings: list[Finding], row: tuple[str, ...]) -> None:
    framework, api, behaviour, verdict, observed = row
    _skip_if_absent(findings, framework)
    matching = [f for f in findings if _pinned(f, row)]
    assert matching, f"{framework} · {api} · {behaviour}: pinned, but no longer measured (installed: {_installed()})"
    for f in matching:
        if behaviour == "CPU vs GPU masks" and f.verdict in (AGREES, DIFFERS):
            continue  # a GPU is present
        assert (f.verdict, f.observed) == (verdict, observed), (
            f"{f.framework} · {f.api} · {behaviour}: the framework's behaviour changed.\n"
            f"  pinned:   {verdict}: {observed}\n"
            f"  measured: {f.verdict}: {f.observed}\n"
            f"  error {f.error or '—'}; smallest differing input {f.smallest or '—'}; evidence {f.evidence or '—'}\n"
            f"  pinned for {PINNED_FOR}; installed {_installed()}. If the change is real, update PINS and GROUPS and "
            f"regenerate the report: python -m conformance.native --output-dir docs"
        )


def test_every_measured_behaviour_is_pinned(findings: list[Finding]) -> None:
    """Recipes are pinned in tests/test_recipes_*.py (each must reach its target)."""
    behaviours = [f for f in findings if f.kind != "recipe"]
    loose = [f for f in behaviours if f.verdict != NOT_INSTALLED and not any(_pinned(f, row) for row in ROWS)]
    assert not loose, "measured but not pinned (new behaviour, or a probe that broke):\n" + "\n".join(
        f"  {f.framework} | {f.api} | {f.behaviour} | {f.verdict} | {f.observed}" for f in loose
    )


@pytest.mark.parametrize("title", list(GROUPED))
def test_who_agrees_with_whom_is_as_pinned(findings: list[Finding], title: str) -> None:
    if any(f.verdict == NOT_INSTALLED for f in findings):
        pytest.skip("a framework is not installed: every row's groups change")
    measured = {r.title: r for r in rows(findings)}
    assert title in measured, f"{title}: pinned, but no longer measured (installed: {_installed()})"
    if title == _GPU_ONLY and measured[title].groups:
        return
    got = _groups(measured[title])
    assert got == GROUPED[title], (
        f"{title}: who agrees with whom changed.\n  pinned:\n    "
        + "\n    ".join(GROUPED[title])
        + "\n  measured:\n    "
        + "\n    ".join(got)
        + f"\n  installed {_installed()}; regenerate the report and GROUPS if the change is real."
    )


def test_every_row_is_pinned(findings: list[Finding]) -> None:
    assert [r.title for r in rows(findings) if r.title not in GROUPED] == []


def test_the_checked_in_report_shows_the_pinned_groups() -> None:
    """docs/framework-report.json was regenerated with these pins: the report and the tests tell one story."""
    document = json.loads((Path(__file__).resolve().parents[1] / "docs" / "framework-report.json").read_text("utf-8"))
    reported = {r.title: _groups(r) for r in rows(Finding.from_dict(f) for f in document["findings"])}
    assert reported == GROUPED
