"""Recipes in keras 3: torch's optimizers, defaults and L2 penalty, and the reference's dropout, in keras's own idiom.

Each snippet returns what a keras user plugs in — an optimizer (a ``keras.optimizers`` subclass whose
``update_step`` is torch's rule, where keras's own rule cannot express it), a regularizer, a layer — and runs on
the jax and the torch backend alike: the report measures every recipe on both. A recipe's ``usage`` line is
executed as written, so the line docs/recipes.md shows is the line measured; optimizers are driven as a custom
training loop drives them, 24 steps with a step schedule (:mod:`.recipe`) — :mod:`.keras_recipe_measures` has
the runs and the measurements. ``STOCK`` is keras's own API in a recipe's place, as measured: the notes quote it.
"""

from __future__ import annotations

from collections.abc import Callable

from . import hypotheses as h
from . import keras_recipe_measures as measures
from .recipe import EVERY, Recipe, Recipes, optimizer_recipe

__all__ = ["RECIPES", "STEP_LR", "STOCK"]


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
    folded into the step size, and form 1 − βᵗ from β rounded to float32 (1.3e-5 off for β₂ = 0.999 at the first
    step); here w −= lr·m̂/(√v̂ + ε) as torch does, with 1 − βᵗ = −expm1(t·log β) and log β taken in float64 on
    the host. The defaults are torch's (torch's AdamW defaults to weight_decay=0.01)."""
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


#: torch's ``StepLR(step_size=EVERY, gamma=0.5)`` as a keras schedule (``{lr0}`` to fill in): keras reads it at
#: ``optimizer.iterations``, the steps taken, as StepLR's ``scheduler.step()`` after each ``optimizer.step()`` does.
STEP_LR = f"keras.optimizers.schedules.ExponentialDecay({{lr0}}, decay_steps={EVERY}, decay_rate=0.5, staircase=True)"
_SGD = {"momentum": 0.9, "weight_decay": 5e-4}
_ADAM = {"weight_decay": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}


#: keras's own optimizer in a recipe's place (its ``usage`` line with the stock class), measured against the
#: recipe's target: ``slug → (line, error, first step past the tolerance)``. The notes quote these, and
#: tests/test_recipes_port_keras.py measures them again on both backends.
STOCK = {
    "keras-torch-sgd": (
        f"optimizer = keras.optimizers.SGD({STEP_LR.format(lr0=0.1)}, momentum=0.9, weight_decay=5e-4)",
        "2.1e+06× the tolerance",
        "step 2: 639 ULPs > 8",
    ),
    "keras-torch-adamw-biases": (
        f"optimizer = keras.optimizers.AdamW({STEP_LR.format(lr0=0.01)}, weight_decay=0.01, epsilon=1e-8); "
        "optimizer.exclude_from_weight_decay(var_names=['bias'])",
        "3× the tolerance",
        "step 1: 20 ULPs > 8",
    ),
    "keras-torch-adam-l2": (
        f"optimizer = keras.optimizers.Adam({STEP_LR.format(lr0=0.01)}, weight_decay=0.01, epsilon=1e-8)",
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


def _recipe(slug: str) -> Callable[[], Recipe]:
    return lambda: next(r for r in RECIPES.recipes if r.slug == slug)


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
            optimizer_recipe("sgd_step", _SGD, h.reference("sgd_step"), "torch's SGD", measures.run_usage, lr0=0.1),
            usage=f"optimizer = torch_sgd({STEP_LR.format(lr0=0.1)}, momentum=0.9, weight_decay=5e-4)",
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
                "adamw_step",
                _ADAM,
                h.reference("adamw_step"),
                "torch's AdamW",
                measures.run_usage,
                lr0=0.01,
                spare_biases=True,
            ),
            usage=f"optimizer = torch_adam({STEP_LR.format(lr0=0.01)}, weight_decay=0.01, "
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
            optimizer_recipe(
                "adam_step", _ADAM, h.reference("adam_step"), "torch's Adam", measures.run_usage, lr0=0.01
            ),
            usage=f"optimizer = torch_adam({STEP_LR.format(lr0=0.01)}, weight_decay=0.01)",
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
            measures.infinite_weights,
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
            measures.all_of(
                measures.without_gradient(_recipe("keras-torch-sgd"), "SGD", "sgd_step", _SGD, 0.1),
                measures.without_gradient(_recipe("keras-torch-adam-l2"), "Adam", "adam_step", _ADAM, 0.01),
                measures.without_gradient(
                    _recipe("keras-torch-adamw-biases"), "AdamW", "adamw_step", _ADAM, 0.01, spare_biases=True
                ),
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
            measures.torch_defaults_measured,
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
            measures.nesterov_refusals,
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
            measures.l2_measured,
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
            measures.all_of(measures.dropout_values, measures.dropout_rates, measures.dropout_copy),
            usage="layer = reference_dropout(0.5, seed=7)",
            note="On the jax backend keras's own layers.Dropout(rate, seed=s) already draws the reference's mask "
            "for the key (s, c) at its c-th call (c from 0), and its float32 survivors are the reference's; it "
            "returns float32 for float16 and bfloat16 input. XLA on the CPU flushes subnormal results to zero, so "
            "there a subnormal survivor is +0.0 (as in every JAX framework); the measured inputs hold none.",
        ),
    ]
)
