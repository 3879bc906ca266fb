# ruff: noqa: E501 — PINS is a table of measured rows, one per line, however long
"""Each behaviour ``regref check --native`` reports, pinned for the framework versions installed here.

A framework whose behaviour changes fails the test of that row, naming the behaviour, the pinned verdict
and what was measured now — it never just yields a silently different report. Rows are
``framework | API | behaviour | verdict | measured``, recorded from a run on the versions in
``PINNED_FOR`` and checked by hand against the frameworks' sources and documentation; ``keras[*]``
stands for both keras backends and ``[*]`` after an API for all three torch.optim implementations. One
run of every probe (~40 s on 2 cores, the keras backends in subprocesses beside the rest) serves every
test here.
"""

from __future__ import annotations

import platform
from importlib.metadata import version

import pytest

from conformance.native.finding import AGREES, DIFFERS, NOT_INSTALLED, Finding
from conformance.native.runner import collect

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
torch | optim.SGD [*] | nesterov | agrees | w −= lr·(d + μ·b)
torch | optim.SGD [*] | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
torch | optim.SGD [*] | decay mask | agrees | spared leaves not decayed
torch | optim.SGD [*] | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
torch | optim.SGD [*] | defaults | agrees | the reference's
torch | optim.Adam [*] | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
torch | optim.Adam [*] | ε placement | agrees | ε added to √v̂, after the bias correction
torch | optim.Adam [*] | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
torch | optim.Adam [*] | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
torch | optim.Adam [*] | defaults | agrees | the reference's
torch | optim.AdamW [*] | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
torch | optim.AdamW [*] | ε placement | agrees | ε added to √v̂, after the bias correction
torch | optim.AdamW [*] | bias correction with β₂ = 0.999 | agrees | 1 − βᵗ from the exact β, rounded once
torch | optim.AdamW [*] | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
torch | optim.AdamW [*] | decay mask | agrees | spared leaves not decayed
torch | optim.AdamW [*] | defaults | agrees | the reference's
torch | nn.functional.dropout | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16, bfloat16: x·s, s = 1/(1 − p) rounded to x's dtype; float64: x·s, s = 1/(1 − p) rounded once
torch | nn.functional.dropout | output dtype | agrees | the input's dtype
torch | nn.functional.dropout | p = 0 | differs | identity; returns the input itself
torch | nn.functional.dropout | p = 1 | differs | negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0
torch | nn.functional.dropout | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
torch | nn.functional.dropout | out-of-range rates | differs | p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError
torch | nn.functional.dropout | evaluation mode (training=False) | agrees | identity; returns the input itself
torch | nn.functional.dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: negative → -0.0; others +0.0
torch | nn.functional.dropout | gradient at p = 1 | differs | negative → -0.0; others +0.0
torch | nn.functional.dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
torch | nn.functional.dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
torch | nn.functional.dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
torch | nn.functional.dropout | compiled vs eager masks | differs | compiled draws other masks
torch | nn.functional.dropout | CPU vs GPU masks | not measured | no GPU
torch | nn.functional.dropout | shared axes (broadcast_dims, channels) | not applicable | no way to share a mask along axes
torch | nn.Dropout | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16, bfloat16: x·s, s = 1/(1 − p) rounded to x's dtype; float64: x·s, s = 1/(1 − p) rounded once
torch | nn.Dropout | output dtype | agrees | the input's dtype
torch | nn.Dropout | p = 0 | differs | identity; returns the input itself
torch | nn.Dropout | p = 1 | differs | negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0
torch | nn.Dropout | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
torch | nn.Dropout | out-of-range rates | differs | p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError
torch | nn.Dropout | evaluation mode (training=False) | agrees | identity; returns the input itself
torch | nn.Dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: negative → -0.0; others +0.0
torch | nn.Dropout | gradient at p = 1 | differs | negative → -0.0; others +0.0
torch | nn.Dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
torch | nn.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
torch | nn.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
torch | nn.Dropout | compiled vs eager masks | not measured | torch.compile is measured on nn.functional.dropout only (a compile costs ~20 s on CPU)
torch | nn.Dropout | CPU vs GPU masks | not measured | no GPU
torch | nn.Dropout | shared axes (broadcast_dims, channels) | not applicable | no way to share a mask along axes
torch | nn.functional.dropout1d/2d/3d | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16, bfloat16: x·s, s = 1/(1 − p) rounded to x's dtype; float64: x·s, s = 1/(1 − p) rounded once
torch | nn.functional.dropout1d/2d/3d | output dtype | agrees | the input's dtype
torch | nn.functional.dropout1d/2d/3d | p = 0 | differs | identity; returns the input itself
torch | nn.functional.dropout1d/2d/3d | p = 1 | differs | negative → -0.0, inf → nan, -inf → nan, nan → nan, -0.0 → -0.0; others +0.0
torch | nn.functional.dropout1d/2d/3d | dropped inf, NaN, −0.0 and negatives | differs | negative → -0.0, -inf → nan, nan → nan, -0.0 → -0.0, inf → nan; others +0.0
torch | nn.functional.dropout1d/2d/3d | out-of-range rates | differs | p=-0.5: ValueError; p=1.5: ValueError; p=nan: RuntimeError
torch | nn.functional.dropout1d/2d/3d | evaluation mode (training=False) | agrees | identity; returns the input itself
torch | nn.functional.dropout1d/2d/3d | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: negative → -0.0; others +0.0
torch | nn.functional.dropout1d/2d/3d | gradient at p = 1 | differs | negative → -0.0; others +0.0
torch | nn.functional.dropout1d/2d/3d | mask replays the reference's key | differs | its own generator: not the reference's mask
torch | nn.functional.dropout1d/2d/3d | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
torch | nn.functional.dropout1d/2d/3d | same key, same mask | agrees | same key: same mask; different keys: different masks
torch | nn.functional.dropout1d/2d/3d | compiled vs eager masks | not measured | torch.compile is measured on nn.functional.dropout only (a compile costs ~20 s on CPU)
torch | nn.functional.dropout1d/2d/3d | CPU vs GPU masks | not measured | no GPU
torch | nn.functional.dropout1d/2d/3d | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
torch | nn.functional.dropout1d/2d/3d | dropout2d on a 3-D input | differs | shares axis 2 only: treated as (N, C, L)
optax | add_decayed_weights → sgd | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
optax | add_decayed_weights → sgd | dampening at the first step | not applicable | add_decayed_weights → sgd has no counterpart of the reference's 'dampening'
optax | add_decayed_weights → sgd | lr inside or outside the velocity | agrees | outside: w −= lr·b
optax | add_decayed_weights → sgd | nesterov | agrees | w −= lr·(d + μ·b)
optax | add_decayed_weights → sgd | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
optax | add_decayed_weights → sgd | decay mask | agrees | spared leaves not decayed
optax | add_decayed_weights → sgd | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
optax | add_decayed_weights → sgd | defaults | agrees | the reference's
optax | add_decayed_weights → adam | coupled or decoupled decay | agrees | coupled: λ·w added to the gradient
optax | add_decayed_weights → adam | ε placement | agrees | ε added to √v̂, after the bias correction
optax | add_decayed_weights → adam | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
optax | add_decayed_weights → adam | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
optax | add_decayed_weights → adam | defaults | agrees | the reference's
optax | sgd → add_decayed_weights | coupled or decoupled decay | differs | λ·w added after the lr scaling: w·(1 + λ) − step
optax | adam → add_decayed_weights | coupled or decoupled decay | differs | λ·w added after the lr scaling: w·(1 + λ) − step
optax | adamw | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
optax | adamw | ε placement | agrees | ε added to √v̂, after the bias correction
optax | adamw | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
optax | adamw | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
optax | adamw | decay mask | agrees | spared leaves not decayed
optax | adamw | defaults | differs | weight_decay=0.0001 (reference 0.01)
flax | linen.Dropout | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16: x·(1/fl(1 − p)), all in x's dtype; bfloat16: x / fl(1 − p), all in x's dtype
flax | linen.Dropout | output dtype | agrees | the input's dtype
flax | linen.Dropout | p = 0 | agrees | identity; returns the input itself (immutable)
flax | linen.Dropout | p = 1 | agrees | +0.0 everywhere
flax | linen.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
flax | linen.Dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
flax | linen.Dropout | evaluation mode (training=False) | agrees | identity; returns the input itself (immutable)
flax | linen.Dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: +0.0 everywhere
flax | linen.Dropout | gradient at p = 1 | agrees | +0.0 everywhere
flax | linen.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
flax | linen.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
flax | linen.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
flax | linen.Dropout | compiled vs eager masks | agrees | compiled = eager, bit for bit
flax | linen.Dropout | CPU vs GPU masks | not measured | no GPU
flax | linen.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes, the reference's bits
flax | linen.Dropout | keys without an explicit key | differs | one key, 2 module paths: all different masks, none the reference's for the derivations tried
flax | nnx.Dropout | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16: x·(1/fl(1 − p)), all in x's dtype; bfloat16: x / fl(1 − p), all in x's dtype
flax | nnx.Dropout | output dtype | agrees | the input's dtype
flax | nnx.Dropout | p = 0 | agrees | identity; returns the input itself (immutable)
flax | nnx.Dropout | p = 1 | agrees | +0.0 everywhere
flax | nnx.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
flax | nnx.Dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
flax | nnx.Dropout | evaluation mode (training=False) | agrees | identity; returns the input itself (immutable)
flax | nnx.Dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: +0.0 everywhere
flax | nnx.Dropout | gradient at p = 1 | agrees | +0.0 everywhere
flax | nnx.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
flax | nnx.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
flax | nnx.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
flax | nnx.Dropout | compiled vs eager masks | agrees | compiled = eager, bit for bit
flax | nnx.Dropout | CPU vs GPU masks | not measured | no GPU
flax | nnx.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes, the reference's bits
flax | nnx.Dropout | keys without an explicit key | agrees | call c draws the mask of fold_in(fold_in(key, 0), c)
keras[*] | optimizers.SGD | coupled or decoupled decay | differs | decoupled: w·(1 − lr·λ) before the step
keras[*] | optimizers.SGD | dampening at the first step | not applicable | optimizers.SGD has no counterpart of the reference's 'dampening'
keras[*] | optimizers.SGD | lr inside or outside the velocity | differs | inside: m = μ·m − lr·g; w += m
keras[*] | optimizers.SGD | nesterov | agrees | w −= lr·(d + μ·b)
keras[*] | optimizers.SGD | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
keras[*] | optimizers.SGD | decay mask | agrees | spared leaves not decayed
keras[jax] | optimizers.SGD | infinite weight with weight_decay = 0 | differs | λ·w formed anyway: 0·inf = NaN
keras[torch] | optimizers.SGD | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
keras[*] | optimizers.SGD | defaults | agrees | the reference's
keras[*] | optimizers.Adam | coupled or decoupled decay | differs | decoupled: w·(1 − lr·λ) before the step
keras[*] | optimizers.Adam | ε placement | differs | ε added to √v, correction folded into lr
keras[*] | optimizers.Adam | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
keras[jax] | optimizers.Adam | infinite weight with weight_decay = 0 | differs | λ·w formed anyway: 0·inf = NaN
keras[torch] | optimizers.Adam | infinite weight with weight_decay = 0 | agrees | λ = 0 skipped: inf stays inf
keras[*] | optimizers.Adam | defaults | differs | eps=1e-07 (reference 1e-08)
keras[*] | optimizers.AdamW | coupled or decoupled decay | agrees | decoupled: w·(1 − lr·λ) before the step
keras[*] | optimizers.AdamW | ε placement | differs | ε added to √v, correction folded into lr
keras[*] | optimizers.AdamW | bias correction with β₂ = 0.999 | differs | 1 − βᵗ formed in float32 from β rounded to float32
keras[*] | optimizers.AdamW | decay of 1-D leaves (biases) | agrees | every leaf decayed, 1-D (biases) too
keras[*] | optimizers.AdamW | decay mask | agrees | spared leaves not decayed
keras[*] | optimizers.AdamW | defaults | differs | eps=1e-07 (reference 1e-08); weight_decay=0.004 (reference 0.01)
keras[*] | regularizers.L2 | factor ½ in the penalty | differs | λ·Σw² (no ½)
keras[*] | regularizers.L2 | autodiff gradient of the penalty | differs | 2λ·w
keras[*] | regularizers.L2 | negative or non-finite λ | agrees | λ=-0.1: ValueError; λ=nan: ValueError; λ=inf: ValueError
keras[jax] | layers.Dropout | survivors: scale arithmetic | differs | x·(1/fl(1 − p))
keras[torch] | layers.Dropout | survivors: scale arithmetic | differs | x / fl(1 − p)
keras[jax] | layers.Dropout | output dtype | differs | float16 → float32; bfloat16 → float32
keras[torch] | layers.Dropout | output dtype | differs | float16 → float32; bfloat16 → float32; float64 → float32
keras[jax] | layers.Dropout | p = 0 | agrees | identity; returns the input itself (immutable)
keras[torch] | layers.Dropout | p = 0 | differs | identity; returns the input itself
keras[*] | layers.Dropout | p = 1 | agrees | +0.0 everywhere
keras[*] | layers.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
keras[*] | layers.Dropout | out-of-range rates | agrees | p=-0.5: ValueError; p=1.5: ValueError; p=nan: ValueError
keras[jax] | layers.Dropout | evaluation mode (training=False) | agrees | identity; returns the input itself (immutable)
keras[torch] | layers.Dropout | evaluation mode (training=False) | agrees | identity; returns the input itself
keras[jax] | layers.Dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: +0.0 everywhere
keras[torch] | layers.Dropout | autodiff gradient | differs | kept: dy / fl(1 − p); dropped: +0.0 everywhere
keras[*] | layers.Dropout | gradient at p = 1 | agrees | +0.0 everywhere
keras[jax] | layers.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
keras[torch] | layers.Dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
keras[*] | layers.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
keras[*] | layers.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
keras[jax] | layers.Dropout | compiled vs eager masks | agrees | compiled = eager, bit for bit
keras[torch] | layers.Dropout | compiled vs eager masks | not measured | torch.compile is measured on torch's own nn.functional.dropout
keras[*] | layers.Dropout | CPU vs GPU masks | not measured | no GPU
keras[jax] | layers.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes, the reference's bits
keras[torch] | layers.Dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
keras[jax] | layers.Dropout | keys without an explicit key | agrees | call c draws the mask of the key (s, c)
keras[torch] | layers.Dropout | keys without an explicit key | differs | one key, 3 calls: all different masks, none the reference's for the derivations tried
keras[jax] | random.dropout | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16: x·(1/fl(1 − p)), all in x's dtype; bfloat16: x / fl(1 − p), all in x's dtype
keras[torch] | random.dropout | survivors: scale arithmetic | differs | x / fl(1 − p)
keras[*] | random.dropout | output dtype | agrees | the input's dtype
keras[jax] | random.dropout | p = 0 | agrees | identity; returns the input itself (immutable)
keras[torch] | random.dropout | p = 0 | differs | identity; returns the input itself
keras[*] | random.dropout | p = 1 | agrees | +0.0 everywhere
keras[*] | random.dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
keras[jax] | random.dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
keras[torch] | random.dropout | out-of-range rates | differs | p=-0.5: RuntimeError; p=1.5: RuntimeError; p=nan: RuntimeError
keras[*] | random.dropout | evaluation mode (training=False) | not applicable | keras.random.dropout has no training flag
keras[jax] | random.dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: +0.0 everywhere
keras[torch] | random.dropout | autodiff gradient | differs | kept: dy / fl(1 − p); dropped: +0.0 everywhere
keras[*] | random.dropout | gradient at p = 1 | agrees | +0.0 everywhere
keras[jax] | random.dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
keras[torch] | random.dropout | mask replays the reference's key | differs | its own generator: not the reference's mask
keras[*] | random.dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
keras[*] | random.dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
keras[jax] | random.dropout | compiled vs eager masks | agrees | compiled = eager, bit for bit
keras[torch] | random.dropout | compiled vs eager masks | not measured | torch.compile is measured on torch's own nn.functional.dropout
keras[*] | random.dropout | CPU vs GPU masks | not measured | no GPU
keras[jax] | random.dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes, the reference's bits
keras[torch] | random.dropout | shared axes (broadcast_dims, channels) | agrees | shared along the given axes
equinox | nn.Dropout | survivors: scale arithmetic | differs | float32: x·(1/fl(1 − p)); float16: x·(1/fl(1 − p)), all in x's dtype; bfloat16: x / fl(1 − p), all in x's dtype
equinox | nn.Dropout | output dtype | agrees | the input's dtype
equinox | nn.Dropout | p = 0 | agrees | identity; returns the input itself (immutable)
equinox | nn.Dropout | p = 1 | agrees | +0.0 everywhere
equinox | nn.Dropout | dropped inf, NaN, −0.0 and negatives | agrees | +0.0 everywhere
equinox | nn.Dropout | out-of-range rates | differs | p=-0.5: no error, returns [0.666666687, 0.666666687, 0.666666687, 0.666666687]; p=1.5: no error, returns [0, 0, 0, 0]; p=nan: no error, returns [0, 0, 0, 0]
equinox | nn.Dropout | evaluation mode (training=False) | agrees | identity; returns the input itself (immutable)
equinox | nn.Dropout | autodiff gradient | differs | kept: dy·(1/fl(1 − p)); dropped: +0.0 everywhere
equinox | nn.Dropout | gradient at p = 1 | differs | nan everywhere
equinox | nn.Dropout | mask replays the reference's key | agrees | the reference's mask for the same key, bit for bit
equinox | nn.Dropout | mask statistics | agrees | consistent with independent Bernoulli(1 − p)
equinox | nn.Dropout | same key, same mask | agrees | same key: same mask; different keys: different masks
equinox | nn.Dropout | compiled vs eager masks | agrees | compiled = eager, bit for bit
equinox | nn.Dropout | CPU vs GPU masks | not measured | no GPU
equinox | nn.Dropout | shared axes (broadcast_dims, channels) | not applicable | no way to share a mask along axes
"""
ROWS = [tuple(cell.strip() for cell in line.split(" | ")) for line in PINS.strip().splitlines()]


def _framework_matches(pattern: str, framework: str) -> bool:
    return framework.startswith("keras[") if pattern == "keras[*]" else framework == pattern


def _api_matches(pattern: str, api: str) -> bool:
    return api.startswith(pattern[:-3]) and api.endswith("]") if pattern.endswith(" [*]") else api == pattern


def _pinned(f: Finding, row: tuple[str, ...]) -> bool:
    return _framework_matches(row[0], f.framework) and _api_matches(row[1], f.api) and f.behaviour == row[2]


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return collect()


def _installed() -> str:
    names = ("torch", "jax", "optax", "flax", "keras", "equinox")
    return ", ".join(f"{n} {_version(n)}" for n in names) + f"; python {platform.python_version()}"


def _version(name: str) -> str:
    try:
        return version(name)
    except Exception:
        return "not installed"


@pytest.mark.parametrize("row", ROWS, ids=[" · ".join(r[:3]) for r in ROWS])
def test_behaviour_is_as_pinned(findings: list[Finding], row: tuple[str, ...]) -> None:
    framework, api, behaviour, verdict, observed = row
    absent = [f for f in findings if _framework_matches(framework, f.framework) and f.verdict == NOT_INSTALLED]
    if absent:
        pytest.skip(f"{absent[0].framework}: {absent[0].observed}")
    matching = [f for f in findings if _pinned(f, row)]
    assert matching, f"{framework} · {api} · {behaviour}: pinned, but no longer measured (installed: {_installed()})"
    for f in matching:
        if behaviour == "CPU vs GPU masks" and f.verdict in (AGREES, DIFFERS):
            continue  # a GPU is present: measured here, which the CPU-only pin cannot foresee
        assert (f.verdict, f.observed) == (verdict, observed), (
            f"{f.framework} · {f.api} · {behaviour}: the framework's behaviour changed.\n"
            f"  pinned:   {verdict}: {observed}\n"
            f"  measured: {f.verdict}: {f.observed}\n"
            f"  error {f.error or '—'}; smallest differing input {f.smallest or '—'}; evidence {f.evidence or '—'}\n"
            f"  pinned for {PINNED_FOR}; installed {_installed()}. If the change is real, update PINS and "
            f"regenerate docs/framework-report.md with `python -m conformance.native --output-dir docs`."
        )


def test_every_measured_behaviour_is_pinned(findings: list[Finding]) -> None:
    loose = [f for f in findings if f.verdict != NOT_INSTALLED and not any(_pinned(f, row) for row in ROWS)]
    assert not loose, "measured but not pinned (new behaviour, or a probe that broke):\n" + "\n".join(
        f"  {f.framework} | {f.api} | {f.behaviour} | {f.verdict} | {f.observed}" for f in loose
    )
