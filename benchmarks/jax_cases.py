"""JAX: jax_impl against flax-style ``jax.random.bernoulli`` dropout, ``jax.random.bits`` and optax, under jit."""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

import jax_impl as ji
import numpy_ref as nr

from .checks import dropout_slices, reference_dropout_slice, same_bits, ulps, valid_dropout
from .guard import section
from .report import Report, Row
from .timing import Timer

__all__ = ["run"]

P = 0.1
TENSORS = 64


def _flax_dropout(x: jax.Array, key: jax.Array) -> jax.Array:
    """flax.linen.Dropout's computation: ``select(bernoulli(key, 1 − p), x / (1 − p), 0)``."""
    keep = jax.random.bernoulli(key, 1.0 - P, x.shape)
    return jax.lax.select(keep, x / (1.0 - P), jnp.zeros_like(x))


def _fwd_bwd(op):
    def both(x, key):
        y, vjp = jax.vjp(lambda v: op(v, key), x)
        return y, vjp(y)[0]

    return jax.jit(both)


def _copy(report: Report, timer: Timer, n: int) -> None:
    name = f"copy float32 2^{math.log2(n):g}"
    with section(report, name, 60):
        x = jax.random.normal(jax.random.key(0), (n,))
        copy = jax.jit(lambda v: v + 0.0)  # the smallest op XLA cannot elide: one read, one write
        ms, reps = timer.median_ms(lambda i: copy(x))
        report.add(Row(name, "jit(x + 0)", ms, reps, 8 * n, True, "ok"))
        report.set_copy(8 * n / ms / 1e6)


def _dropout(report: Report, timer: Timer, n: int) -> None:
    seed = int(np.random.SeedSequence().entropy % 2**63)
    x = jax.random.normal(jax.random.key(seed % 2**31), (n,))
    ours_fwd = jax.jit(lambda v, k: ji.dropout(v, P, k))
    flax_fwd = jax.jit(_flax_dropout)
    fresh = np.random.default_rng(seed).standard_normal((517, 1031)).astype(np.float32)
    check = same_bits(np.asarray(ours_fwd(jnp.asarray(fresh), ji.key(seed))), nr.dropout(fresh, P, nr.key(seed)))
    y, x_np = np.asarray(ours_fwd(x, ji.key(seed))), np.asarray(x)
    for start in dropout_slices(n):
        window = slice(start, start + (1 << 14))
        part = same_bits(y[window], reference_dropout_slice(x_np[window], P, nr.key(seed), start))
        check = check if part == "ok (bits)" else f"{part} (slice at {start})"
    flax_check = valid_dropout(x_np[: 1 << 20], np.asarray(flax_fwd(x, jax.random.key(1)))[: 1 << 20], P)
    our_keys, flax_keys = [ji.key(i) for i in range(8)], [jax.random.key(i) for i in range(8)]
    ours_both, flax_both = _fwd_bwd(lambda v, k: ji.dropout(v, P, k)), _fwd_bwd(_flax_dropout)
    for passes, ours, theirs in [("fwd", ours_fwd, flax_fwd), ("fwd+bwd", ours_both, flax_both)]:
        name = f"dropout {passes} float32 2^{math.log2(n):g}"
        with section(report, name, 60):
            bytes_moved = 8 * n * (1 if passes == "fwd" else 2)
            ms, reps = timer.median_ms(partial(_call, ours, x, our_keys))
            report.add(Row(name, "jax_impl.dropout", ms, reps, bytes_moved, check=check))
            ms, reps = timer.median_ms(partial(_call, theirs, x, flax_keys))
            report.add(Row(name, "flax-style bernoulli", ms, reps, bytes_moved, True, flax_check))
    name = f"random bits uint32 2^{math.log2(n):g}"
    with section(report, name, 60):
        ours = jax.jit(lambda k: ji.random_bits(k, (n,)))
        m = min(n, 1 << 16)
        check = same_bits(np.asarray(ours(ji.key(seed)))[:m], nr.random_bits(nr.key(seed), (m,)))
        ms, reps = timer.median_ms(lambda i: ours(our_keys[i % 8]))
        report.add(Row(name, "jax_impl.random_bits", ms, reps, 4 * n, check=check))
        theirs = jax.jit(lambda k: jax.random.bits(k, (n,), jnp.uint32))
        ms, reps = timer.median_ms(lambda i: theirs(flax_keys[i % 8]))
        report.add(Row(name, "jax.random.bits", ms, reps, 4 * n, True, "ok"))


def _call(fn, x, keys, i):
    return fn(x, keys[i % len(keys)])


class _Stepper:
    """``params, state = step(params, grads, state)`` again and again, the buffers donated each time."""

    def __init__(self, step, params, grads, state) -> None:
        self.step, self.params, self.grads, self.state = jax.jit(step, donate_argnums=(0, 2)), params, grads, state

    def __call__(self, i: int) -> object:
        self.params, self.state = self.step(self.params, self.grads, self.state)
        return self.params


def _optimizers(report: Report, timer: Timer, n: int) -> None:
    import optax

    def optax_step(tx):
        def step(ps, gs, st):
            updates, st = tx.update(gs, st, ps)
            return optax.apply_updates(ps, updates), st

        return step

    sgd = dict(lr=0.01, momentum=0.9, weight_decay=1e-4)
    adamw = dict(lr=1e-3, weight_decay=0.01)
    rules = {
        "SGD momentum": (
            ji.sgd_init,
            partial(ji.sgd_step, **sgd),
            optax.chain(optax.add_decayed_weights(1e-4), optax.sgd(0.01, momentum=0.9)),
            lambda w, g: nr.sgd_step(w, g, nr.sgd_init(w), **sgd)[0],
        ),
        "AdamW": (
            ji.adam_init,
            partial(ji.adamw_step, **adamw),
            optax.adamw(1e-3, weight_decay=0.01),
            lambda w, g: nr.adamw_step(w, g, nr.adam_init(w), **adamw)[0],
        ),
    }
    for rule, (init, ours, tx, reference) in rules.items():
        name = f"{rule} float32 2^{math.log2(n):g} in {TENSORS} tensors"
        with section(report, name, 90):
            keys = jax.random.split(jax.random.key(np.random.SeedSequence().entropy % 2**31), 2)
            grads = list(jax.random.normal(keys[0], (TENSORS, n // TENSORS)) * 1e-2)
            bytes_moved = n * 4 * (5 if rule == "SGD momentum" else 7)
            params = list(jax.random.normal(keys[1], (TENSORS, n // TENSORS)))
            w0, g0 = np.asarray(params[7][: 1 << 14]), np.asarray(grads[7][: 1 << 14])
            stepper = _Stepper(ours, params, grads, init(params))
            check = f"max {ulps(np.asarray(stepper(0)[7][: 1 << 14]), reference(w0, g0)):g} ULP vs numpy_ref"
            ms, reps = timer.median_ms(stepper)
            report.add(Row(name, "jax_impl (jit, donated)", ms, reps, bytes_moved, check=check))
            params = list(jax.random.normal(keys[1], (TENSORS, n // TENSORS)))
            stepper = _Stepper(optax_step(tx), params, grads, tx.init(params))
            ms, reps = timer.median_ms(stepper)
            report.add(Row(name, "optax (jit, donated)", ms, reps, bytes_moved, True, "ok"))
            del stepper, params


def _l2(report: Report, timer: Timer, n: int) -> None:
    name = f"L2 penalty float32 2^{math.log2(n):g} in {TENSORS} tensors"
    with section(report, name, 60):
        params = list(jax.random.normal(jax.random.key(3), (TENSORS, n // TENSORS)))
        want = float(sum(np.sum(np.square(np.asarray(p, np.float64))) for p in params[:4]))
        ours = jax.jit(lambda ps: ji.l2_penalty(ps, 0.01))
        got = float(ours(params[:4])) / 0.005
        ms, reps = timer.median_ms(lambda i: ours(params))
        report.add(
            Row(
                name,
                "jax_impl.l2_penalty (compensated)",
                ms,
                reps,
                4 * n,
                check=f"rel. error {abs(got - want) / want:.1e} vs float64",
            )
        )
        theirs = jax.jit(lambda ps: 0.005 * sum(jnp.vdot(p, p) for p in ps))
        ms, reps = timer.median_ms(lambda i: theirs(params))
        report.add(Row(name, "sum of vdot (float32)", ms, reps, 4 * n, True, "ok"))


def run(report: Report, log2n: int, budget_s: float) -> None:
    n = 2**log2n
    report.meta.update(jax=jax.__version__, jax_device=str(jax.devices()[0]))
    timer = Timer("jax", budget_s)
    _copy(report, timer, n)
    _dropout(report, timer, n)
    _optimizers(report, timer, n)
    _l2(report, timer, n)
