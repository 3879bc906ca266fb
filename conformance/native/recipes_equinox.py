"""Recipes in equinox: the reference's dropout as an ``eqx.Module``, the same eager and under ``eqx.filter_jit``.

The usage line is executed as written, with the snippet in scope; the measurement calls the layer it builds on
inputs holding ±inf, NaN and ±0.0 in each dtype JAX has here, at rates where the ways of forming ``1/(1 − p)`` part,
eager and inside ``eqx.filter_jit``, and compares outputs and gradients with ``numpy_ref.dropout`` for the same key.
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


def reference_dropout(p=0.5, inference=False):
    """eqx.nn.Dropout with the reference's values, eager and under eqx.filter_jit alike. eqx.nn.Dropout forms 1 − p
    from p made a float32 array, which inside eqx.filter_jit gives x·fl(1/fl(1 − fl(p))), an ulp off the eager
    x·fl(1/fl(1 − p)) for p = 0.04, 0.42, …; here p is a static field and the scale is formed on the host with
    NumPy. The product is computed in float32 and returned in x's dtype (equinox scales float16 and bfloat16 in x's
    dtype); at p = 1 the output and its gradient are +0.0 (equinox's x/0 gives NaN gradients); a rate outside
    [0, 1] or NaN is a ValueError. The mask is eqx.nn.Dropout's, bernoulli(key, 1 − p): the reference's for the key."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")

    class ReferenceDropout(eqx.Module):
        p: float = eqx.field(static=True)
        inference: bool = False

        def __call__(self, x, *, key=None, inference=None):
            if self.inference if inference is None else inference:
                return x
            if self.p == 1:
                return jnp.zeros_like(x)
            compute = np.float64 if x.dtype == jnp.float64 else np.float32
            scale = compute(1) / compute(1 - self.p)
            keep = jax.random.bernoulli(key, 1 - self.p, x.shape)
            return jnp.where(keep, x.astype(compute) * scale, 0).astype(x.dtype)

    return ReferenceDropout(p, inference)


_KEY = key(7)
_DTYPES = ("float32", "float16", "bfloat16")


def _values(recipe: Recipe) -> Finding:
    """Outputs and gradients inside eqx.filter_jit, then eager, against numpy_ref.dropout with the same key."""
    import equinox as eqx

    from jax_impl import asarray, to_numpy, vjp

    def layer_output(x: Any, p: float, jitted: bool) -> Any:
        layer = measures.from_usage(recipe, "dropout", p=p)
        call = eqx.filter_jit(lambda m, t, k: m(t, key=k)) if jitted else (lambda m, t, k: m(t, key=k))
        return call(layer, x, asarray(_KEY))

    def got(case: tuple[bool, dict]) -> np.ndarray:
        jitted, c = case
        if "dy" in c:
            return to_numpy(vjp(lambda t: layer_output(t, c["p"], jitted), asarray(c["x"]), asarray(c["dy"])))
        return to_numpy(layer_output(asarray(c["x"]), c["p"], jitted))

    want = measures.on_mask(lambda c: numpy_ref.dropout_mask(_KEY, c["p"], c["x"].shape))
    cases = [
        (f"{'eqx.filter_jit' if jitted else 'eager'}, {label}", (jitted, c))
        for jitted in (True, False)
        for label, c in measures.dropout_cases(_DTYPES)
    ]
    return exact(cases, got, lambda case, out: want(case[1], out), "numpy_ref.dropout with the key")


RECIPES = Recipes(
    [
        Recipe(
            "equinox-reference-dropout",
            "the reference's dropout as an equinox Module, eager and under eqx.filter_jit",
            "regref",
            "equinox",
            "numpy_ref.dropout(x, p, key): masks, values, gradients",
            (
                "dropout · survivors, float32",
                "dropout · survivors, float16",
                "dropout · survivors, bfloat16",
                "dropout · out-of-range rates",
                "dropout · autodiff gradient",
                "dropout · gradient at p = 1",
                "dropout · compiled vs eager (masks and values)",
            ),
            reference_dropout,
            measures.all_of(_values, lambda r: measures.rate_refusals(r.code, "reference_dropout(p)")),
            usage="dropout = reference_dropout(p)  # then y = dropout(x, key=key), eager or inside eqx.filter_jit",
            note="eqx.nn.Dropout's own p is an ordinary field so that eqx.tree_at can change it; under eqx.filter_jit "
            "it is static too, but the layer turns it into a float32 array before forming 1 − p. XLA on the CPU "
            "flushes subnormal results to zero (every JAX framework): a subnormal survivor is +0.0 there; the "
            "measured inputs hold none.",
        ),
    ]
)
