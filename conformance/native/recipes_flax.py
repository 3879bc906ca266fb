"""Recipes in flax: the key a flax Dropout draws its mask from (linen's ``make_rng`` and nnx's ``Rngs`` streams), so
that the reference replays flax's masks bit for bit, and the reference's dropout as a linen module.

Usage lines are executed as written, with the snippet in scope. The key recipe is measured on flax's own
``linen.Dropout`` (modules at several paths, one called twice, in one ``apply`` with ``rngs={'dropout': key}``) and
``nnx.Dropout`` (successive calls of layers built from one ``nnx.Rngs``); the module recipe on inputs holding ±inf,
NaN and ±0.0, eager and under ``jax.jit``, against ``numpy_ref.dropout`` for the same key.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import numpy_ref

from . import recipe_measures as measures
from .dropping import key
from .finding import Finding
from .recipe import Recipe, Recipes, exact

__all__ = ["RECIPES"]


def flax_dropout_key(key, call=0, path=None, built=0):
    """The key a flax Dropout draws its mask from: numpy_ref.dropout(x, p, flax_dropout_key(key, …)) is its output,
    bit for bit (flax draws bernoulli(key, 1 − p) as the reference does). linen, with ``path`` the module's names
    from the root (("block", "drop")): in model.apply(…, rngs={"dropout": key}) the module's call-th make_rng folds
    into the key, with jax.random.fold_in, the first 4 bytes of the SHA-1 of the path and of its count, call + 1.
    nnx (no path): nnx.Dropout(rate, rngs=nnx.Rngs(dropout=key)) forks the stream when built — fold_in(key, built),
    ``built`` the keys the stream gave before — then folds in its call count. Passed directly (linen:
    Dropout(rate)(x, deterministic=False, rng=key); nnx: layer(x, rngs=key)), a key draws the reference's mask."""
    import hashlib

    import jax
    import jax.numpy as jnp
    from flax import config

    if path is None:
        return jax.random.fold_in(jax.random.fold_in(key, built), call)
    sha1 = hashlib.sha1()
    for part in (*path, call + 1):
        if config.flax_fix_rng_separator:
            sha1.update(b"\0")
        sha1.update(part.encode() if isinstance(part, str) else part.to_bytes((part.bit_length() + 7) // 8, "big"))
    return jax.random.fold_in(key, jnp.uint32(int.from_bytes(sha1.digest()[:4], "big")))


def reference_dropout(rate, broadcast_dims=()):
    """flax.linen.Dropout with the reference's values: the product computed in float32 and returned in x's dtype
    (flax scales float16 and bfloat16 in x's dtype), and a ValueError for a rate outside [0, 1] or NaN (flax takes
    any rate: −0.5 scales by 2/3, 1.5 and NaN drop everything). The mask is linen.Dropout's — from make_rng("dropout")
    as linen derives it (flax_dropout_key), or from rng= when given: then the reference's mask for that key."""
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {rate}")

    class ReferenceDropout(nn.Module):
        rate: float
        broadcast_dims: tuple = ()

        @nn.compact
        def __call__(self, x, deterministic=False, rng=None):
            if deterministic or self.rate == 0:
                return x
            if self.rate == 1:
                return jnp.zeros_like(x)
            rng = self.make_rng("dropout") if rng is None else rng
            shape = [1 if i in self.broadcast_dims else n for i, n in enumerate(x.shape)]
            keep = jnp.broadcast_to(jax.random.bernoulli(rng, 1.0 - self.rate, shape), x.shape)
            compute = np.float64 if x.dtype == jnp.float64 else np.float32
            scale = compute(1) / compute(1 - self.rate)  # on the host: fl(1/fl(1 − p))
            return jnp.where(keep, x.astype(compute) * scale, 0).astype(x.dtype)

    return ReferenceDropout(rate, tuple(broadcast_dims))


_KEY, _P = key(5), 0.5
_X = np.float32(1 + np.arange(64) / 65)


def _linen_model() -> Any:
    """Dropouts at the paths ("first",) and ("block", "drop"), the latter called twice, in one module."""
    import flax.linen as nn

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x: Any) -> tuple:
            drop = nn.Dropout(_P, name="drop")
            return drop(x, deterministic=False), drop(x, deterministic=False)

    class Model(nn.Module):
        @nn.compact
        def __call__(self, x: Any) -> tuple:
            return (nn.Dropout(_P, name="first")(x, deterministic=False), *Block(name="block")(x))

    return Model()


def _keys(recipe: Recipe) -> Finding:
    """linen's masks in one apply and nnx's over three calls of two layers built from one Rngs, each against
    numpy_ref.dropout with the key the snippet gives."""
    import jax.numpy as jnp
    from flax import nnx

    from jax_impl import to_numpy

    linen = dict(
        zip(
            [(("first",), 0), (("block", "drop"), 0), (("block", "drop"), 1)],
            _linen_model().apply({}, _X, rngs={"dropout": jnp.asarray(_KEY)}),
        )
    )
    rngs = nnx.Rngs(dropout=jnp.asarray(_KEY))
    layers = [nnx.Dropout(_P, rngs=rngs) for _ in range(2)]
    nnx_out = {(built, call): layers[built](_X) for call in range(3) for built in range(2)}
    cases = [(f"linen path {'/'.join(path)}, call {call}", ("linen", path, call)) for path, call in linen]
    cases += [(f"nnx layer built {built}, call {call}", ("nnx", built, call)) for built, call in nnx_out]

    def got(case: tuple) -> np.ndarray:
        kind, a, b = case
        return to_numpy(linen[(a, b)] if kind == "linen" else nnx_out[(a, b)])

    def want(case: tuple, out: np.ndarray) -> np.ndarray:
        kind, a, b = case
        k = recipe.code(jnp.asarray(_KEY), b, path=a) if kind == "linen" else recipe.code(jnp.asarray(_KEY), b, built=a)
        return numpy_ref.dropout(_X, _P, to_numpy(k))

    return exact(cases, got, want, "numpy_ref.dropout with flax_dropout_key")


_DTYPES = ("float32", "float16", "bfloat16")


def _values(recipe: Recipe) -> Finding:
    """Outputs and gradients with ``rng=key``, eager and under jax.jit, against numpy_ref.dropout with the key; and
    float32 outputs in ``apply(…, rngs={'dropout': key})``, with the key flax_dropout_key derives for the root."""
    import jax
    import jax.numpy as jnp

    from jax_impl import asarray, to_numpy, vjp

    def got(case: tuple[str, dict]) -> np.ndarray:
        how, c = case
        layer = measures.from_usage(recipe, "layer", p=c["p"])

        def forward(t: Any) -> Any:
            if how == "rngs":
                return layer.apply({}, t, rngs={"dropout": asarray(_KEY)})
            return layer.apply({}, t, rng=asarray(_KEY))

        fn = jax.jit(forward) if how == "jax.jit" else forward
        if "dy" in c:
            return to_numpy(vjp(fn, asarray(c["x"]), asarray(c["dy"])))
        return to_numpy(fn(asarray(c["x"])))

    def mask(case: tuple[str, dict]) -> np.ndarray:
        how, c = case
        k = to_numpy(flax_dropout_key(jnp.asarray(_KEY), 0, path=())) if how == "rngs" else _KEY
        return numpy_ref.dropout_mask(k, c["p"], c["x"].shape)

    cases = [
        (f"{how}, {label}", (how, c))
        for how, dtypes in (("eager", _DTYPES), ("jax.jit", _DTYPES), ("rngs", ("float32",)))
        for label, c in measures.dropout_cases(dtypes, () if how == "rngs" else (0.04, 0.42, 1.0))
    ]

    def want(case: tuple[str, dict], out: np.ndarray) -> np.ndarray:
        return measures.on_mask(lambda c: mask(case))(case[1], out)

    return exact(cases, got, want, "numpy_ref.dropout with the key")


RECIPES = Recipes(
    [
        Recipe(
            "flax-dropout-keys",
            "flax's dropout masks replayed by the reference: the key linen's make_rng and nnx's Rngs derive",
            "flax",
            "flax",
            "flax linen.Dropout under apply(rngs={'dropout': key}), nnx.Dropout(rngs=nnx.Rngs(dropout=key))",
            ("dropout · keys without an explicit key", "dropout · mask replays the reference's key"),
            flax_dropout_key,
            _keys,
            usage="y_ref = numpy_ref.dropout(x, p, flax_dropout_key(key, 0, path=('block', 'drop')))",
            note="linen's derivation is flax.core.scope.LazyRng's (flax_fix_rng_separator as configured); a "
            "release that changes it fails this recipe's pinned test.",
        ),
        Recipe(
            "flax-reference-dropout",
            "the reference's dropout values as a flax linen module",
            "regref",
            "flax",
            "numpy_ref.dropout(x, p, key): masks, values, gradients; ValueError for a bad rate",
            ("dropout · survivors, float16", "dropout · survivors, bfloat16", "dropout · out-of-range rates"),
            reference_dropout,
            measures.all_of(_values, lambda r: measures.rate_refusals(r.code, "reference_dropout(rate)")),
            usage="layer = reference_dropout(p)  # then y = layer.apply({}, x, rng=key)",
        ),
    ]
)
