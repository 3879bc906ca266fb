"""How the keras recipes (:mod:`.recipes_keras`) are run and measured, in the keras process the report starts per
backend: a keras MLP and a plain ``apply_gradients`` loop for the optimizers, a recipe's ``usage`` line executed as
written, and the measurements that are not an optimizer trajectory — refusals, declared defaults, infinite
weights, the L2 penalty through the report's own probes, the dropout layer against ``numpy_ref.dropout``.
Importing it imports no framework: each function imports keras (or the backend's hooks) when it runs.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref
from numpy_ref.tree import flatten

from . import hypotheses as h
from . import recipe_measures
from .dropping import outcome
from .finding import AGREES, DIFFERS, Finding, digest, refusals
from .recipe import Recipe, exact, optimizer_recipe

__all__ = [
    "all_of",
    "dropout_copy",
    "dropout_rates",
    "dropout_values",
    "from_usage",
    "infinite_weights",
    "l2_measured",
    "mlp_variables",
    "nesterov_refusals",
    "run",
    "run_usage",
    "torch_defaults_measured",
    "without_gradient",
]


def mlp_variables(params: dict) -> list:
    """A keras MLP (3 → 4 → 2, two ``Dense`` layers) with ``params`` (:func:`.recipe.mlp_trajectory`'s) as its
    weights: its ``trainable_variables``, in ``params``' order (kernel and bias of each layer)."""
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    for variable, value in zip(model.trainable_variables, params.values()):
        variable.assign(value)
    return model.trainable_variables


def run(optimizer: Any, params: dict, grads: list[dict], apply: Callable[[Any, Any], Any] | None = None) -> list[dict]:
    """``apply(optimizer, zip(grads, variables))`` (default: ``optimizer.apply_gradients``) over ``grads`` (a
    ``None`` leaf passed as ``None``) on :func:`mlp_variables`: the parameters after each step, as NumPy."""
    from keras import ops

    variables, out = mlp_variables(params), []
    for g in grads:
        tensors = [None if x is None else ops.convert_to_tensor(x) for x in g.values()]
        (apply or type(optimizer).apply_gradients)(optimizer, zip(tensors, variables))
        out.append({k: np.array(ops.convert_to_numpy(v)) for k, v in zip(params, variables)})
    return out


def from_usage(recipe: Recipe, name: str = "optimizer", **names: Any) -> Any:
    """:func:`.recipe_measures.from_usage` with ``keras`` in scope (the usage lines name keras's schedules)."""
    import keras

    return recipe_measures.from_usage(recipe, name, keras=keras, **names)


def run_usage(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
    """An ``optimizer_recipe`` run: the optimizer the recipe's usage line builds, over ``grads``."""
    return run(from_usage(recipe), params, grads)


all_of = recipe_measures.all_of


_MISSING = "out/bias"  # the leaf left without a gradient at every even step


def without_gradient(
    builder: Callable[[], Recipe], name: str, op: str, hyper: dict, lr0: float, **spare: bool
) -> Callable[[Recipe], Finding]:
    """The optimizer that the usage line of ``builder()`` (an optimizer recipe) builds, fed through the snippet
    with ``out/bias`` without a gradient at every even step, against the reference's ``op`` with a zero gradient
    there."""
    ref = h.reference(op)

    def target(p: dict, g: dict, s: Any, **hy: Any) -> Any:
        return ref(p, {**g, _MISSING: np.zeros_like(g[_MISSING])} if int(s.step) % 2 else g, s, **hy)

    def go(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
        missing = [{**g, _MISSING: None} if t % 2 else g for t, g in enumerate(grads)]
        return run(from_usage(builder()), params, missing, apply=recipe.code)

    return optimizer_recipe(op, hyper, target, f"{name} with a zero gradient", go, lr0=lr0, **spare)


def nesterov_refusals(recipe: Recipe) -> Finding:
    """torch's refusals: nesterov without momentum, or with dampening, is a ValueError before any step."""
    parts = []
    for label, bad in (("momentum=0", {"momentum": 0.0}), ("dampening=0.5", {"momentum": 0.9, "dampening": 0.5})):
        kind, _ = outcome(lambda bad=bad: recipe.code(0.1, nesterov=True, **bad))
        parts.append(f"nesterov with {label}: {kind if kind != 'ok' else 'no error, an optimizer'}")
    found = refusals(parts, "torch_sgd(0.1, nesterov=True, …)", evidence="torch.optim.SGD raises ValueError for each")
    return dataclasses.replace(found, error="torch's exception" if found.verdict == AGREES else "not torch's exception")


#: The keras config entry for each of torch's hyperparameters that keras has (it has no ``dampening``).
_CONFIG = {"lr": "learning_rate", "momentum": "momentum", "nesterov": "nesterov", "eps": "epsilon"}
_CONFIG.update({"weight_decay": "weight_decay", "amsgrad": "amsgrad", "betas": ("beta_1", "beta_2")})


def _float32(value: Any) -> Any:
    """A hyperparameter as keras computes with it (float32; ``None`` is no decay, 0)."""
    return np.float32(np.array(0.0 if value is None else value, np.float64)).tolist()


def torch_defaults_measured(recipe: Recipe) -> Finding:
    """Each optimizer's hyperparameters as keras holds them (``get_config``) against the defaults torch.optim's
    constructors declare (read from their signatures), compared in float32."""
    try:
        import torch
    except ImportError as error:
        raise NotImplementedError("torch is not installed: torch.optim's defaults cannot be read") from error
    seen, wrong = [], []
    for name, optimizer in recipe.code().items():
        config, declared = optimizer.get_config(), inspect.signature(getattr(torch.optim, name)).parameters
        for k, key in _CONFIG.items():
            keys = key if isinstance(key, tuple) else (key,)
            if k not in declared or any(c not in config for c in keys):
                continue
            mine = tuple(config[c] for c in keys) if isinstance(key, tuple) else config[key]
            seen.append(f"{name} {k}={_float32(mine)}")
            if _float32(mine) != _float32(declared[k].default):
                wrong.append(f"{name} {k}: keras holds {mine!r}, torch declares {declared[k].default!r}")
    if wrong:
        return Finding(DIFFERS, "not torch.optim's defaults", evidence="; ".join(wrong), digest=digest(seen))
    observed, error = "torch.optim's defaults: SGD, Adam, AdamW", f"{len(seen)} values, equal in float32"
    return Finding(AGREES, observed, error=error, evidence=", ".join(seen), digest=digest(seen))


_STEPS = {"SGD": (numpy_ref.sgd_step, numpy_ref.sgd_init), "Adam": (numpy_ref.adam_step, numpy_ref.adam_init)}


def infinite_weights(recipe: Recipe) -> Finding:
    """SGD and Adam built with the snippet's weight_decay for λ = 0 on ±inf weights, one step, against the
    reference's (inf stays inf): the whole output for SGD, the infinite weights for Adam (whose finite ones follow
    keras's own ε placement: recipe keras-torch-adam-l2)."""
    import keras

    w, g = np.float32([np.inf, -np.inf, 1.0]), np.float32([1.0, 1.0, 1.0])
    cases = [
        ("SGD(learning_rate=0.1), w=[inf, -inf, 1], g=[1, 1, 1]", ("SGD", {"learning_rate": 0.1}, 3)),
        ("Adam(learning_rate=0.01), w=[inf, -inf], g=[1, 1]", ("Adam", {"learning_rate": 0.01}, 2)),
    ]

    def got(case: tuple) -> np.ndarray:
        cls, kwargs, n = case
        optimizer = getattr(keras.optimizers, cls)(weight_decay=recipe.code(0.0), **kwargs)
        variable = keras.Variable(w[:n])
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g[:n]), variable)])
        return np.array(keras.ops.convert_to_numpy(variable))

    def want(case: tuple, out: np.ndarray) -> np.ndarray:
        cls, kwargs, n = case
        step, init = _STEPS[cls]
        return step(w[:n], g[:n], init(w[:n]), lr=kwargs["learning_rate"], weight_decay=0.0)[0]

    return exact(cases, got, want, "the reference's λ = 0: inf stays inf")


def l2_measured(recipe: Recipe) -> Finding:
    """The regularizer of the ``Dense`` layer the usage line builds, as the report's keras adapter applies
    ``regularizers.L2`` (summed over the leaves), through the report's own probes: the penalty against λ/2·Σw²
    (within the suite's tolerance: keras sums in float32, the reference in float64) and its autodiff gradient
    against λ·w."""
    from .keras_optim import KerasL2
    from .probes_l2 import gradient, penalty

    class Snippet(KerasL2):
        def l2_penalty(self, params: Any, weight_decay: float, *, decay_mask: object = None) -> Any:
            regularizer = from_usage(recipe, "layer", weight_decay=weight_decay).kernel_regularizer
            terms = [regularizer(w) for w in flatten(params)[0]]
            return sum(terms[1:], terms[0])

    def how(f: Finding) -> Finding:
        exactly = f.verdict == AGREES and f.error == "0 ULPs"
        return dataclasses.replace(f, observed=f"{f.observed}, {'bit for bit' if exactly else 'within the tolerance'}")

    return all_of(lambda _: how(penalty(Snippet())), lambda _: how(gradient(Snippet())))(recipe)


_SEED = 7
_SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0, -2.5, 1.0155642, 3.0]


def _dropout_cases(backend: str) -> list[tuple[str, dict]]:
    """Every dtype the backend has, rates whose scale rounds differently once and twice (0.04, 0.42), p = 0 and
    p = 1; inf, NaN and ±0.0 among normal draws; a layer's second call; a shared axis; gradients."""
    import ml_dtypes

    x = np.concatenate([np.float32(_SPECIALS), np.float32(np.random.default_rng(14).normal(size=120))]).reshape(2, 64)
    dtypes = [np.float32, np.float16, ml_dtypes.bfloat16] + ([np.float64] if backend == "torch" else [])
    cases = [
        (f"{np.dtype(d).name}, p={p}", {"x": x.astype(d), "p": p})
        for d in dtypes
        for p in (0.04, 0.25, 0.42, 0.5, 0.0, 1.0)
    ]
    cases.append(("float32, p=0.42, the layer's second call", {"x": x, "p": 0.42, "calls": 2}))
    cases.append(("float32, p=0.25, noise_shape=(1, None)", {"x": x, "p": 0.25, "noise_shape": (1, None)}))
    dy = np.float32(np.random.default_rng(15).normal(size=x.shape))
    cases += [(f"gradient, float32, p={p}", {"x": x, "p": p, "dy": dy}) for p in (0.04, 0.42, 1.0)]
    return cases


def dropout_values(recipe: Recipe) -> Finding:
    """Outputs (dtype, mask and values) and gradients against numpy_ref.dropout with the key (seed, call)."""
    from .keras_backend import BACKEND, asarray, to_numpy, vjp

    def got(case: dict) -> np.ndarray:
        def layer_output(x: Any) -> Any:
            layer = recipe.code(case["p"], noise_shape=case.get("noise_shape"), seed=_SEED)
            return [layer(x, training=True) for _ in range(case.get("calls", 1))][-1]

        if "dy" in case:
            return to_numpy(vjp(layer_output, asarray(case["x"]), asarray(case["dy"])))
        return to_numpy(layer_output(asarray(case["x"])))

    def want(case: dict, out: np.ndarray) -> np.ndarray:
        key, dims = numpy_ref.key((_SEED << 32) | (case.get("calls", 1) - 1)), (0,) if "noise_shape" in case else ()
        if "dy" in case:
            return numpy_ref.dropout_backward(case["dy"], numpy_ref.dropout_mask(key, case["p"], out.shape), case["p"])
        return numpy_ref.dropout(case["x"], case["p"], key, broadcast_dims=dims)

    return exact(_dropout_cases(BACKEND), got, want, "numpy_ref.dropout with the key (seed, call)")


def dropout_rates(recipe: Recipe) -> Finding:
    """The reference's refusals: a rate below 0, above 1 or NaN is a ValueError (keras's when the layer is built)."""
    parts = [f"p={p}: {outcome(lambda p=p: recipe.code(p))[0]}" for p in (-0.5, 1.5, float("nan"))]
    return refusals(parts, "reference_dropout(p)", evidence="numpy_ref.dropout raises ValueError for each")


def dropout_copy(recipe: Recipe) -> Finding:
    """At p = 0 in training the reference returns a new array (torch's F.dropout returns the input itself)."""
    from .keras_backend import asarray
    from .keras_dropout import KerasDropout

    x = asarray(np.float32([1.0, -0.0, np.nan, np.inf]))
    if KerasDropout.same_buffer(recipe.code(0.0)(x, training=True), x):
        return Finding(DIFFERS, "p = 0: returns the input itself", smallest="x=[1, -0.0, nan, inf], p=0.0")
    return Finding(AGREES, "p = 0: a new array", evidence="x=[1, -0.0, nan, inf], p=0.0, training=True")
