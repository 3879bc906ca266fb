"""Recipes in keras 3: torch's optimizers, defaults and L2 penalty, and the reference's dropout, in keras's own idiom.

Each snippet returns what a keras user plugs in — an optimizer (a ``keras.optimizers`` subclass whose
``update_step`` is torch's rule, where keras's own rule cannot express it), a regularizer, a layer — and runs on
the jax and the torch backend alike: the report measures every recipe on both. A recipe's ``usage`` line is
executed as written (:func:`from_usage`), so the line docs/recipes.md shows is the line measured. Optimizers are
driven as a custom training loop drives them: ``apply_gradients`` on the variables of a keras MLP (two ``Dense``
layers, whose variables are named ``kernel`` and ``bias``), 24 steps with a step schedule (:mod:`.recipe`).
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
from .dropping import outcome
from .finding import AGREES, DIFFERS, Finding, digest, refusals
from .recipe import Recipe, Recipes, exact, optimizer_recipe

__all__ = ["RECIPES", "STOCK", "from_usage", "mlp_variables", "run"]


def torch_sgd(learning_rate=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """torch.optim.SGD in keras: d = g + λ·w (coupled decay), b = μ·b + (1 − τ)·d (b = d at the first step),
    w −= lr·b (lr·(d + μ·b) with nesterov). keras's own SGD keeps lr inside the velocity (m = μ·m − lr·g, so a
    schedule's new lr reaches the step only gradually) and decays decoupled (w·(1 − lr·λ)); here the learning
    rate — a number or a keras.optimizers.schedules schedule, read at the step count as torch's StepLR is —
    multiplies the whole buffer at each step. The defaults are torch's, and so are the errors."""
    import keras
    from keras import ops

    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    class TorchSGD(keras.optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            d = ops.cast(gradient, variable.dtype)
            if weight_decay and self._use_weight_decay(variable):  # exclude_from_weight_decay() spares a variable
                d = d + weight_decay * variable
            if momentum:
                b = self.momentums[self._get_variable_index(variable)]
                self.assign(b, ops.where(self.iterations == 0, d, momentum * b + (1 - dampening) * d))
                d = d + momentum * b if nesterov else b
            self.assign_sub(variable, ops.cast(learning_rate, variable.dtype) * d)

    return TorchSGD(learning_rate, momentum=float(momentum), nesterov=nesterov)


def torch_adam(learning_rate=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False):
    """torch.optim.Adam in keras — coupled decay: λ·w joins the gradient, so m and v see it — or, with
    decoupled_weight_decay=True, torch.optim.AdamW (keras's own decay, w·(1 − lr·λ) before the step; spare the
    biases with exclude_from_weight_decay). keras's own Adam and AdamW add ε to √v with the bias corrections
    folded into the step size, and form 1 − βᵗ from β rounded to float32 (for β₂ = 0.999 that keeps three of
    float32's seven digits); here w −= lr·m̂/(√v̂ + ε) as torch does, with 1 − βᵗ = −expm1(t·log β) and log β
    taken in float64 on the host. The defaults are torch's (torch's AdamW defaults to weight_decay=0.01)."""
    import math

    import keras
    from keras import ops

    (beta_1, beta_2), log_beta_1, log_beta_2 = betas, math.log(betas[0]), math.log(betas[1])

    class TorchAdam(keras.optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            m = self._momentums[self._get_variable_index(variable)]
            v = self._velocities[self._get_variable_index(variable)]
            d = ops.cast(gradient, variable.dtype)
            if weight_decay and not decoupled_weight_decay and self._use_weight_decay(variable):
                d = d + weight_decay * variable
            t = ops.cast(self.iterations + 1, variable.dtype)
            self.assign(m, beta_1 * m + (1 - beta_1) * d)
            self.assign(v, beta_2 * v + (1 - beta_2) * (d * d))
            m_hat, v_hat = m / -ops.expm1(t * log_beta_1), v / -ops.expm1(t * log_beta_2)
            self.assign_sub(variable, ops.cast(learning_rate, variable.dtype) * m_hat / (ops.sqrt(v_hat) + eps))

    decay = weight_decay if decoupled_weight_decay and weight_decay else None  # keras applies it, decoupled
    return TorchAdam(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=eps, weight_decay=decay)


def keras_weight_decay(weight_decay):
    """The weight_decay to give a keras optimizer for torch's λ: None when λ = 0. keras forms w − w·λ·lr whenever
    weight_decay is not None, and on the jax backend 0·inf is NaN: a weight that has diverged to ±inf turns NaN
    at the next step. torch and the reference skip the decay when λ = 0, and the weight stays ±inf."""
    return weight_decay or None


def apply_gradients_zero_filled(optimizer, grads_and_vars):
    """optimizer.apply_gradients with a zero gradient wherever the gradient is None (a frozen or unused
    variable). keras skips such a variable — no decay, no momentum, a warning — as torch does; the reference,
    optax and jax.grad, which never returns None, treat it as a zero gradient: the variable is still decayed and
    still moved by its momentum."""
    from keras import ops

    optimizer.apply_gradients([(ops.zeros(v.shape, v.dtype) if g is None else g, v) for g, v in grads_and_vars])


def torch_defaults():
    """keras.optimizers with torch.optim's defaults passed explicitly. keras's own: SGD learning_rate=0.01 (torch
    0.001); Adam and AdamW epsilon=1e-7 (torch 1e-8); AdamW weight_decay=0.004 (torch 0.01). The rest agree."""
    import keras

    return {
        "SGD": keras.optimizers.SGD(learning_rate=1e-3),
        "Adam": keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-8),
        "AdamW": keras.optimizers.AdamW(learning_rate=1e-3, epsilon=1e-8, weight_decay=1e-2),
    }


def l2_penalty(weight_decay):
    """The L2 penalty λ/2·Σw², whose gradient is λ·w (torch's and optax's weight_decay, d2l's l2_penalty), as a
    keras regularizer: keras.regularizers.L2(l2) is l2·Σw², with no ½, so its gradient is 2·l2·w — pass λ/2."""
    import keras

    return keras.regularizers.L2(weight_decay / 2)


def reference_dropout(rate, noise_shape=None, seed=None):
    """The reference's dropout (numpy_ref.dropout) as a keras layer, on both backends: survivors x·fl(1/fl(1 − p))
    formed in float32 (float64 for float64 input) and returned in x's dtype, dropped elements +0.0 whatever x
    holds (±inf and NaN too), a new array at p = 0, and the mask of the key (seed, c) at the layer's c-th call —
    keras's own key on the jax backend; on the torch backend, where keras seeds a torch.Generator, regref's
    Threefry in torch. keras.layers.Dropout returns float32 for 16-bit input (the default dtype policy), divides
    by 1 − p on the torch backend when seeded, and calls torch's F.dropout there when not (a dropped inf is NaN)."""
    import keras
    from keras import ops

    class ReferenceDropout(keras.layers.Dropout):
        def call(self, inputs, training=False):
            if not training:
                return inputs
            if self.rate == 0:
                return ops.copy(inputs)
            if self.rate == 1:
                return ops.zeros_like(inputs)
            shape = tuple(n or s for n, s in zip(self.noise_shape or inputs.shape, inputs.shape))
            compute = "float64" if keras.backend.standardize_dtype(inputs.dtype) == "float64" else "float32"
            scale = 1 / ops.cast(1 - self.rate, compute)
            return ops.cast(ops.where(self.keep(shape), ops.cast(inputs, compute) * scale, 0), inputs.dtype)

        def keep(self, shape):
            if keras.backend.backend() == "torch":
                import torch

                from torch_impl.random import bernoulli

                return bernoulli(self.seed_generator.next().view(torch.uint32), 1 - self.rate, shape)
            return keras.random.uniform(shape, seed=self.seed_generator) < 1 - self.rate

    return ReferenceDropout(rate, noise_shape, seed, autocast=False)  # autocast would make 16-bit input float32


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
    """What the recipe's ``usage`` line assigns to ``name``: the line executed as written, with ``keras``, the
    snippet and ``names`` in scope."""
    import keras

    namespace = {"keras": keras, recipe.code.__name__: recipe.code, **names}
    exec(recipe.usage, namespace)  # the line docs/recipes.md shows, nothing else
    return namespace[name]


def _run(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
    return run(from_usage(recipe), params, grads)


def _all(*measures: Callable[[Recipe], Finding]) -> Callable[[Recipe], Finding]:
    """A ``measure`` that agrees where every one of ``measures`` does (the first that does not, otherwise)."""

    def measure(recipe: Recipe) -> Finding:
        found = [m(recipe) for m in measures]
        wrong = next((f for f in found if f.verdict != AGREES), None)
        if wrong:
            return wrong
        return Finding(
            AGREES,
            "; ".join(f.observed for f in found),
            error="; ".join(f.error for f in found if f.error),
            evidence=" | ".join(f.evidence for f in found if f.evidence),
            digest=digest([f.digest for f in found]),
        )

    return measure


_MISSING = "out/bias"  # the leaf left without a gradient at every even step


def _without_gradient(
    slug: str, name: str, op: str, hyper: dict, lr0: float, **spare: bool
) -> Callable[[Recipe], Finding]:
    """The optimizer of recipe ``slug`` (its usage line) fed through the snippet, ``out/bias`` without a gradient
    at every second step, against that recipe's target with a zero gradient there."""
    ref = h.reference(op)

    def target(p: dict, g: dict, s: Any, **hy: Any) -> Any:
        return ref(p, {**g, _MISSING: np.zeros_like(g[_MISSING])} if int(s.step) % 2 else g, s, **hy)

    def go(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
        missing = [{**g, _MISSING: None} if t % 2 else g for t, g in enumerate(grads)]
        optimizer = from_usage(next(r for r in RECIPES.recipes if r.slug == slug))
        return run(optimizer, params, missing, apply=recipe.code)

    return optimizer_recipe(op, hyper, target, f"{name} with a zero gradient", go, lr0=lr0, **spare)


def _nesterov(recipe: Recipe) -> Finding:
    """torch's refusals: nesterov without momentum, or with dampening, is a ValueError before any step."""
    parts = []
    for label, bad in (("momentum=0", {"momentum": 0.0}), ("dampening=0.5", {"momentum": 0.9, "dampening": 0.5})):
        kind, _ = outcome(lambda bad=bad: recipe.code(0.1, nesterov=True, **bad))
        parts.append(f"nesterov with {label}: {kind if kind != 'ok' else 'no error, an optimizer'}")
    return refusals(parts, "torch_sgd(0.1, nesterov=True, …)", evidence="torch.optim.SGD raises ValueError for each")


#: The keras config entry for each of torch's hyperparameters that keras has (it has no ``dampening``).
_CONFIG = {"lr": "learning_rate", "momentum": "momentum", "nesterov": "nesterov", "eps": "epsilon"}
_CONFIG.update({"weight_decay": "weight_decay", "amsgrad": "amsgrad", "betas": ("beta_1", "beta_2")})


def _float32(value: Any) -> Any:
    """A hyperparameter as keras computes with it (float32; ``None`` is no decay, 0)."""
    return np.float32(np.array(0.0 if value is None else value, np.float64)).tolist()


def _defaults(recipe: Recipe) -> Finding:
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
    return Finding(AGREES, "torch.optim's defaults: SGD, Adam, AdamW", evidence=", ".join(seen), digest=digest(seen))


_STEPS = {"SGD": (numpy_ref.sgd_step, numpy_ref.sgd_init), "Adam": (numpy_ref.adam_step, numpy_ref.adam_init)}


def _infinite(recipe: Recipe) -> Finding:
    """SGD and Adam built with the snippet's weight_decay for λ = 0 on ±inf weights, one step, against the
    reference's (inf stays inf): the whole output for SGD, the infinite weights for Adam (whose finite ones follow
    keras's own ε placement, recipe keras-torch-adam)."""
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
        op, init = (
            (numpy_ref.sgd_step, numpy_ref.sgd_init) if cls == "SGD" else (numpy_ref.adam_step, numpy_ref.adam_init)
        )
        return op(w[:n], g[:n], init(w[:n]), lr=kwargs["learning_rate"], weight_decay=0.0)[0]

    return exact(cases, got, want, "the reference's λ = 0: inf stays inf")


def _l2(recipe: Recipe) -> Finding:
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

    return _all(lambda _: how(penalty(Snippet())), lambda _: how(gradient(Snippet())))(recipe)


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


def _dropout_values(recipe: Recipe) -> Finding:
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


def _dropout_rates(recipe: Recipe) -> Finding:
    parts = [f"p={p}: {outcome(lambda p=p: recipe.code(p))[0]}" for p in (-0.5, 1.5, float("nan"))]
    return refusals(parts, "x=[1, 1, 1, 1]")


def _dropout_copy(recipe: Recipe) -> Finding:
    from .keras_backend import asarray
    from .keras_dropout import KerasDropout

    x = asarray(np.float32([1.0, -0.0, np.nan, np.inf]))
    if KerasDropout.same_buffer(recipe.code(0.0)(x, training=True), x):
        return Finding(DIFFERS, "p = 0: returns the input itself", smallest="x=[1, -0.0, nan, inf], p=0.0")
    return Finding(AGREES, "p = 0: a new array", evidence="x=[1, -0.0, nan, inf], p=0.0, training=True")


_STEP_LR = "keras.optimizers.schedules.ExponentialDecay({lr0}, decay_steps=6, decay_rate=0.5, staircase=True)"
_SGD = {"momentum": 0.9, "weight_decay": 5e-4}
_ADAM = {"weight_decay": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}


#: keras's own optimizer in a recipe's place (its ``usage`` line with the stock class), measured against the
#: recipe's target: ``slug → (line, error, first step past the tolerance)``. The notes quote these, and
#: tests/test_recipes_keras.py measures them again on both backends.
STOCK = {
    "keras-torch-sgd": (
        f"optimizer = keras.optimizers.SGD({_STEP_LR.format(lr0=0.1)}, momentum=0.9, weight_decay=5e-4)",
        "2.1e+06× the tolerance",
        "step 2: 639 ULPs > 8",
    ),
    "keras-torch-adamw-biases": (
        f"optimizer = keras.optimizers.AdamW({_STEP_LR.format(lr0=0.01)}, weight_decay=0.01, epsilon=1e-8); "
        "optimizer.exclude_from_weight_decay(var_names=['bias'])",
        "3× the tolerance",
        "step 1: 20 ULPs > 8",
    ),
    "keras-torch-adam-l2": (
        f"optimizer = keras.optimizers.Adam({_STEP_LR.format(lr0=0.01)}, weight_decay=0.01, epsilon=1e-8)",
        "223× the tolerance",
        "step 1: 1.64e+03 ULPs > 8",
    ),
}
_WHY = {
    "keras-torch-sgd": "keras.optimizers.SGD cannot: it decays decoupled, w·(1 − lr·λ), and keeps lr inside the "
    "velocity, m = μ·m − lr·g, so each halving of lr reaches the step only gradually.",
    "keras-torch-adamw-biases": "keras.optimizers.AdamW spares the biases with exclude_from_weight_decay as "
    "torch's parameter groups do, but forms 1 − β₂ᵗ in float32 from β₂ rounded to float32: 1.3e-5 relative at the "
    "first step.",
    "keras-torch-adam-l2": "keras.optimizers.Adam(weight_decay=λ) decays decoupled (AdamW's rule, not Adam+L2), "
    "besides forming 1 − βᵗ in float32.",
}


def _note(slug: str) -> str:
    line, error, first = STOCK[slug]
    return f"{_WHY[slug]} Measured: `{line}` is {error} away from the target ({first})."


RECIPES = Recipes(
    [
        Recipe(
            "keras-torch-sgd",
            "torch's SGD(momentum=0.9, weight_decay=5e-4) with StepLR, in keras",
            "torch",
            "keras",
            "torch optim.SGD + lr_scheduler.StepLR",
            ("SGD · coupled or decoupled decay", "SGD · lr inside or outside the velocity"),
            torch_sgd,
            optimizer_recipe("sgd_step", _SGD, h.reference("sgd_step"), "torch's SGD", _run, lr0=0.1),
            usage=f"optimizer = torch_sgd({_STEP_LR.format(lr0=0.1)}, momentum=0.9, weight_decay=5e-4)",
            note=_note("keras-torch-sgd"),
        ),
        Recipe(
            "keras-torch-adamw-biases",
            "torch's AdamW with no decay on biases, in keras",
            "torch",
            "keras",
            "torch optim.AdamW, biases in a parameter group with weight_decay=0",
            ("AdamW · decay of 1-D leaves (biases)", "AdamW · ε placement", "AdamW · bias correction with β₂ = 0.999"),
            torch_adam,
            optimizer_recipe(
                "adamw_step", _ADAM, h.reference("adamw_step"), "torch's AdamW", _run, lr0=0.01, spare_biases=True
            ),
            usage=f"optimizer = torch_adam({_STEP_LR.format(lr0=0.01)}, weight_decay=0.01, "
            "decoupled_weight_decay=True); optimizer.exclude_from_weight_decay(var_names=['bias'])",
            note=_note("keras-torch-adamw-biases"),
        ),
        Recipe(
            "keras-torch-adam-l2",
            "torch's Adam(weight_decay=0.01): coupled L2, in keras",
            "torch",
            "keras",
            "torch optim.Adam with weight_decay",
            ("Adam · coupled or decoupled decay", "Adam · ε placement", "Adam · bias correction with β₂ = 0.999"),
            torch_adam,
            optimizer_recipe("adam_step", _ADAM, h.reference("adam_step"), "torch's Adam", _run, lr0=0.01),
            usage=f"optimizer = torch_adam({_STEP_LR.format(lr0=0.01)}, weight_decay=0.01)",
            note=_note("keras-torch-adam-l2"),
        ),
        Recipe(
            "keras-no-zero-decay",
            "weight_decay = 0 that leaves an infinite weight infinite, in keras",
            "torch",
            "keras",
            "torch optim.SGD/Adam with weight_decay=0: the decay skipped",
            ("SGD · infinite weight with weight_decay = 0", "Adam · infinite weight with weight_decay = 0"),
            keras_weight_decay,
            _infinite,
            usage="optimizer = keras.optimizers.SGD(learning_rate=0.1, weight_decay=keras_weight_decay(0.0))",
        ),
        Recipe(
            "keras-zero-filled-gradients",
            "a zero gradient for a variable without one, in keras",
            "regref",
            "keras",
            "the reference (and optax): a missing gradient is a zero gradient, still decayed and moved by momentum",
            (
                "SGD · a leaf without a gradient",
                "Adam · a leaf without a gradient",
                "AdamW · a leaf without a gradient",
            ),
            apply_gradients_zero_filled,
            _all(
                _without_gradient("keras-torch-sgd", "SGD", "sgd_step", _SGD, 0.1),
                _without_gradient("keras-torch-adam-l2", "Adam", "adam_step", _ADAM, 0.01),
                _without_gradient("keras-torch-adamw-biases", "AdamW", "adamw_step", _ADAM, 0.01, spare_biases=True),
            ),
            usage="apply_gradients_zero_filled(optimizer, zip(grads, model.trainable_variables))",
            note="Measured with the optimizers of the recipes keras-torch-sgd, keras-torch-adam-l2 and "
            "keras-torch-adamw-biases, the output layer's bias without a gradient at every second step.",
        ),
        Recipe(
            "keras-torch-defaults",
            "torch.optim's defaults, in keras",
            "torch",
            "keras",
            "torch optim.SGD/Adam/AdamW with nothing passed",
            (
                "SGD · default lr",
                "Adam · default lr",
                "Adam · default eps",
                "AdamW · default lr",
                "AdamW · default eps",
                "AdamW · default weight_decay",
            ),
            torch_defaults,
            _defaults,
            usage="optimizers = torch_defaults()",
            note="Only the defaults: keras's own Adam and AdamW still add ε to √v and form 1 − βᵗ in float32 "
            "(recipes keras-torch-adam-l2, keras-torch-adamw-biases, whose torch_adam and torch_sgd default to "
            "torch's values).",
        ),
        Recipe(
            "keras-torch-sgd-nesterov",
            "torch's refusal of nesterov without momentum, or with dampening, in keras",
            "torch",
            "keras",
            "torch optim.SGD(nesterov=True) raising ValueError unless momentum > 0 and dampening = 0",
            ("SGD · nesterov without momentum, or with dampening",),
            torch_sgd,
            _nesterov,
            usage="optimizer = torch_sgd(0.1, momentum=0.9, nesterov=True)",
            note="keras.optimizers.SGD(nesterov=True) with momentum=0 takes a plain step, and has no dampening.",
        ),
        Recipe(
            "keras-l2-half",
            "the L2 penalty λ/2·‖w‖² (gradient λ·w), in keras",
            "regref",
            "keras",
            "the reference's l2_penalty and l2_penalty_grad (d2l's; torch's and optax's weight_decay as a gradient)",
            ("L2 penalty · factor ½ in the penalty", "L2 penalty · autodiff gradient of the penalty"),
            l2_penalty,
            _l2,
            usage="layer = keras.layers.Dense(4, kernel_regularizer=l2_penalty(weight_decay))",
        ),
        Recipe(
            "keras-reference-dropout",
            "the reference's dropout — masks, survivors, dtype, gradient — as a keras layer",
            "regref",
            "keras",
            "numpy_ref.dropout with the key (seed, c) at the layer's c-th call",
            (
                "dropout · survivors, float32",
                "dropout · survivors, float16",
                "dropout · survivors, bfloat16",
                "dropout · survivors, float64",
                "dropout · output dtype",
                "dropout · p = 0, aliasing",
                "dropout · dropped inf, NaN, −0.0 and negatives",
                "dropout · out-of-range rates",
                "dropout · autodiff gradient",
                "dropout · mask replays the reference's key",
            ),
            reference_dropout,
            _all(_dropout_values, _dropout_rates, _dropout_copy),
            usage="layer = reference_dropout(0.5, seed=7)",
            note="On the jax backend keras's own layers.Dropout(rate, seed=s) already draws the reference's mask "
            "for the key (s, c) at its c-th call (c from 0), and its float32 survivors are the reference's; it "
            "returns float32 for float16 and bfloat16 input. XLA on the CPU flushes subnormal results to zero, so "
            "there a subnormal survivor is +0.0 (as in every JAX framework); the measured inputs hold none.",
        ),
    ]
)
