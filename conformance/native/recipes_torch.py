"""Recipes in torch: keras's SGD, optax's (and the reference's) zero gradient for a parameter without one, a compiled
Adam step that keeps the eager step's bias correction, and dropout without NaN, −0.0 or aliasing — from torch's own
generator, or with the reference's masks.

A recipe's ``usage`` line is executed as written, with the snippet, ``torch`` and ``model`` (a 3 → 4 → 2 MLP of two
``nn.Linear`` holding :func:`.recipe.mlp_trajectory`'s parameters) in scope; :func:`run` drives the optimizer it
builds as a training loop does (gradients in ``.grad``, ``step``, then ``StepLR``'s ``scheduler.step()``). ``STOCK`` is
torch's own API in a recipe's place, as measured: the notes quote it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_ref

from . import hypotheses as h
from . import recipe_measures as measures
from .dropping import key
from .finding import AGREES, DIFFERS, Finding
from .recipe import EVERY, Recipe, Recipes, exact, optimizer_recipe

__all__ = ["RECIPES", "STEP_LR", "STOCK", "mlp", "run"]


def keras_sgd(params, lr=0.01, momentum=0.0, weight_decay=None):
    """keras.optimizers.SGD in torch: the decay decoupled, w −= w·λ·lr before the step, and the learning rate inside
    the velocity, m = μ·m − lr·g, w += m (a new lr reaches the step only as the velocity renews). torch.optim.SGD adds
    λ·w to the gradient (coupled) and multiplies the whole buffer by the current lr. keras's defaults; a parameter
    without a gradient is skipped, as both do."""
    import torch

    class KerasSGD(torch.optim.Optimizer):
        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
                for p in (p for p in group["params"] if p.grad is not None):
                    if wd:
                        p.sub_(p * wd * lr)
                    m = self.state[p].setdefault("velocity", torch.zeros_like(p))
                    p.add_(m.mul_(mu).sub_(p.grad * lr))

    return KerasSGD(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay or 0.0})


def zero_filled_step(optimizer):
    """optimizer.step() with a zero gradient for every parameter whose .grad is None (frozen, or unused in this
    step). torch skips such a parameter — no decay, no momentum, its step count not advanced — where optax and the
    reference, like jax.grad, which never gives None, see a zero gradient: the parameter is still decayed and still
    moved by its momentum. (zero_grad(set_to_none=False) zeroes only gradients that exist.)"""
    import torch

    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
    return optimizer.step()


def float64_step_counts(optimizer):
    """Adam's and AdamW's state created with the step count in float64, before the first step, so that a
    torch.compile'd step forms the bias corrections 1 − βᵗ from the exact β in float64, as the eager step does in
    Python: compiled, the step reads the count tensor (float32 by default) and forms β**t in its dtype — 1.3e-5 off
    for β₂ = 0.999 at the first step. torch keeps a state it finds; not for fused=True or capturable=True, which
    want a float32 count."""
    import torch

    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state[p]
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float64)
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
    return optimizer


def nan_free_dropout(x, p, training=True, generator=None):
    """torch's F.dropout — the same mask, drawn from torch's generator as F.dropout draws it — with the reference's
    values: survivors x·fl(1/fl(1 − p)) computed in float32 (float64 for float64 input) and returned in x's dtype
    (torch scales float16 and bfloat16 in x's dtype), dropped elements +0.0 whatever x holds (torch's x·0 makes a
    dropped inf or NaN NaN and a negative −0.0), gradients +0.0 where dropped and at p = 1 (torch: −0.0 for a
    negative upstream gradient), a new tensor at p = 0 (F.dropout returns x itself), and ValueError for a rate
    outside [0, 1] or NaN (torch: RuntimeError for NaN)."""
    import torch

    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return x
    compute = torch.float64 if x.dtype == torch.float64 else torch.float32
    keep = torch.empty_like(x).bernoulli_(1 - p, generator=generator).bool()
    scale = 1 / torch.tensor(1 - p, dtype=compute) if p < 1 else torch.tensor(0.0, dtype=compute)
    return torch.where(keep, x.to(compute) * scale, 0.0).to(x.dtype)


def reference_dropout(x, p, key, training=True):
    """numpy_ref.dropout(x, p, key) in torch, masks and values, eager and under torch.compile alike: regref's
    torch_impl.dropout draws the mask from the key with the reference's Threefry (torch's generator cannot replay a
    key; compiled, inductor draws other masks than eager), on the CPU and CUDA, with autograd."""
    from torch_impl import dropout

    return dropout(x, p, key, training=training)


def mlp(params: dict) -> Any:
    """A torch MLP (``nn.Linear(3, 4)``, ``nn.Linear(4, 2)``) holding ``params`` (kernels as ``weight.T``)."""
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p, w in zip(model.parameters(), params.values()):
            p.copy_(torch.from_numpy(w.T.copy() if w.ndim > 1 else w))
    return model


def _as_torch(w: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(w.T.copy() if w.ndim > 1 else w.copy())


def run(
    line: str, params: dict, grads: list[dict], names: dict[str, Any], apply: Callable[[Any], Any] | None = None
) -> list[dict]:
    """What ``line`` builds on :func:`mlp` holding ``params``, with ``names`` in scope — ``optimizer`` and
    ``scheduler``, and ``step`` if it assigns one (else ``optimizer.step``) — driven over ``grads`` (a ``None`` leaf
    leaves ``.grad`` None): gradients in, ``step()`` (or ``apply(optimizer)``), ``scheduler.step()``. The parameters
    after each step, as NumPy."""
    import torch

    model = mlp(params)
    namespace = {"torch": torch, "model": model, **names}
    exec(line, namespace)  # the line docs/recipes.md shows (or the stock line in its place)
    optimizer, out = namespace["optimizer"], []
    for g in grads:
        for p, d in zip(model.parameters(), g.values()):
            p.grad = None if d is None else _as_torch(d)
        apply(optimizer) if apply else namespace.get("step", optimizer.step)()
        namespace["scheduler"].step()
        out.append({k: p.detach().numpy().T.copy() for k, p in zip(params, model.parameters())})
    return out


#: torch's ``StepLR`` as the usage lines build it.
STEP_LR = f"scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size={EVERY}, gamma=0.5)"
_SPARED = (
    "[{'params': [p for n, p in model.named_parameters() if not n.endswith('bias')]}, "
    "{'params': [p for n, p in model.named_parameters() if n.endswith('bias')], 'weight_decay': 0.0}]"
)
_SGD = {"momentum": 0.9, "weight_decay": 5e-4}
_ADAM = {"weight_decay": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}
#: torch's optimizers as the usage lines build them: name → (op, hyper, lr0, line, biases spared).
_OPTIMIZERS = {
    "SGD": (
        "sgd_step",
        _SGD,
        0.1,
        "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)",
        False,
    ),
    "Adam": ("adam_step", _ADAM, 0.01, "torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.01)", False),
    "AdamW": ("adamw_step", _ADAM, 0.01, f"torch.optim.AdamW({_SPARED}, lr=0.01, weight_decay=0.01)", True),
}


def _usage(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
    """An ``optimizer_recipe`` run of the recipe's usage line."""
    return run(recipe.usage, params, grads, {recipe.code.__name__: recipe.code})


def _zero_filled(name: str) -> Callable[[Recipe], Finding]:
    op, hyper, lr0, line, spare = _OPTIMIZERS[name]

    def go(recipe: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
        missing = [measures.missing_at(t, g) for t, g in enumerate(grads)]
        return run(f"optimizer = {line}; {STEP_LR}", params, missing, {}, apply=recipe.code)

    target = f"{name} with a zero gradient"
    return optimizer_recipe(op, hyper, measures.zero_filled(op), target, go, lr0=lr0, spare_biases=spare)


def _compiled(recipe: Recipe) -> Finding:
    """Adam and AdamW (biases spared), each ``step`` compiled (from empty compilation caches), within the tolerance
    of torch's eager convention at every step."""
    import torch

    def go(name: str) -> Callable[..., list[dict]]:
        line = recipe.usage.replace(_OPTIMIZERS["AdamW"][3], _OPTIMIZERS[name][3])

        def each(r: Recipe, params: dict, grads: list[dict], lrs: list[float]) -> list[dict]:
            torch.compiler.reset()
            return run(line, params, grads, {recipe.code.__name__: recipe.code})

        return each

    def measure(name: str) -> Callable[[Recipe], Finding]:
        op, hyper, lr0, _, spare = _OPTIMIZERS[name]
        return optimizer_recipe(
            op, hyper, h.reference(op), f"torch's eager {name}", go(name), lr0=lr0, spare_biases=spare
        )

    return measures.all_of(measure("AdamW"), measure("Adam"))(recipe)


_SEED = 3
_DTYPES = ("float32", "float16", "bfloat16", "float64")


def _torch_mask(case: dict) -> np.ndarray:
    """torch's own F.dropout mask for ``case`` with the global generator seeded by ``_SEED`` (kept: nonzero)."""
    import torch
    import torch.nn.functional as F

    from torch_impl.interop import asarray

    torch.manual_seed(_SEED)
    return (F.dropout(asarray(np.ones_like(case["x"])), case["p"]) != 0).numpy()


def _dropout_output(code: Callable[..., Any], case: dict, *args: Any) -> np.ndarray:
    """``code(x, p, *args)`` on the case's input (its gradient for ``dy`` cases), as NumPy."""
    from torch_impl.interop import asarray, to_numpy, vjp

    if "dy" in case:
        return to_numpy(vjp(lambda t: code(t, case["p"], *args), asarray(case["x"]), asarray(case["dy"])))
    return to_numpy(code(asarray(case["x"]), case["p"], *args))


def _nan_free_values(recipe: Recipe) -> Finding:
    """Outputs and gradients, the global generator seeded as for F.dropout, against the reference's arithmetic on
    F.dropout's own mask for that seed."""
    import torch

    def got(case: dict) -> np.ndarray:
        torch.manual_seed(_SEED)
        return _dropout_output(recipe.code, case)

    return exact(
        measures.dropout_cases(_DTYPES), got, measures.on_mask(_torch_mask), "F.dropout's mask, the reference's values"
    )


def _a_new_tensor(recipe: Recipe) -> Finding:
    """At p = 0 in training the reference returns a new array (torch's F.dropout returns the input itself)."""
    import torch

    x = torch.tensor([1.0, -0.0, float("nan"), float("inf")])
    if recipe.code(x, 0.0).untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
        return Finding(DIFFERS, "p = 0: returns the input itself", smallest="x=[1, -0.0, nan, inf], p=0.0")
    return Finding(AGREES, "p = 0: a new tensor", evidence="x=[1, -0.0, nan, inf], p=0.0, training=True")


def _refusals(recipe: Recipe) -> Finding:
    import torch

    args = (key(0),) if recipe.code is reference_dropout else ()
    return measures.rate_refusals(lambda p: recipe.code(torch.ones(4), p, *args), f"{recipe.code.__name__}(x, p, …)")


_KEY = key(7)
_COMPILED_RATES = (0.5, 0.04, 0.42)


def _reference_values(recipe: Recipe) -> Finding:
    """Outputs and gradients against numpy_ref.dropout with the same key, eager; then float32 under torch.compile
    (inductor, from empty caches) at three rates."""
    import torch

    from torch_impl.interop import to_numpy

    eager = exact(
        measures.dropout_cases(_DTYPES),
        lambda case: _dropout_output(recipe.code, case, _KEY),
        measures.on_mask(lambda case: numpy_ref.dropout_mask(_KEY, case["p"], case["x"].shape)),
        "numpy_ref.dropout with the key",
    )
    x = np.float32(1 + np.arange(256) / 257)
    torch.compiler.reset()
    compiled = exact(
        [(f"torch.compile, p={p}", p) for p in _COMPILED_RATES],
        lambda p: to_numpy(torch.compile(lambda t: recipe.code(t, p, torch.as_tensor(_KEY)))(torch.from_numpy(x))),
        lambda p, out: numpy_ref.dropout(x, p, _KEY),
        "numpy_ref.dropout with the key, compiled",
    )
    return measures.all_of(lambda _: eager, lambda _: compiled)(recipe)


#: torch's own API in a recipe's place, measured against the recipe's target: ``slug → (usage line, error, first
#: step past the tolerance)``. The notes quote these; tests/test_recipes_torch.py measures them again.
STOCK = {
    "torch-compiled-adam": (
        f"optimizer = torch.optim.AdamW({_SPARED}, lr=0.01, weight_decay=0.01); {STEP_LR}; "
        "step = torch.compile(optimizer.step)",
        "2.81× the tolerance",
        "step 1: 18 ULPs > 8",
    ),
}
_DROPOUT_ROWS = (
    "dropout · survivors, float16",
    "dropout · survivors, bfloat16",
    "dropout · p = 0, aliasing",
    "dropout · p = 1",
    "dropout · dropped inf, NaN, −0.0 and negatives",
    "dropout · out-of-range rates",
    "dropout · autodiff gradient",
    "dropout · gradient at p = 1",
)
RECIPES = Recipes(
    [
        Recipe(
            "torch-keras-sgd",
            "keras's SGD(momentum=0.9, weight_decay=5e-4) with a step schedule, in torch",
            "keras",
            "torch",
            "keras optimizers.SGD: lr inside the velocity, decoupled decay",
            ("SGD · lr inside or outside the velocity", "SGD · coupled or decoupled decay"),
            keras_sgd,
            optimizer_recipe("sgd_step", _SGD, measures.keras_sgd, "keras's SGD", _usage, lr0=0.1),
            usage=f"optimizer = keras_sgd(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4); {STEP_LR}",
            note="torch.optim.SGD cannot: its decay is coupled, and its lr multiplies the whole momentum buffer.",
        ),
        Recipe(
            "torch-zero-filled-gradients",
            "a zero gradient for a parameter without one, in torch",
            "regref",
            "torch",
            "the reference (and optax): a missing gradient is a zero gradient, still decayed and moved by momentum",
            (
                "SGD · a leaf without a gradient",
                "Adam · a leaf without a gradient",
                "AdamW · a leaf without a gradient",
            ),
            zero_filled_step,
            measures.all_of(*(_zero_filled(name) for name in _OPTIMIZERS)),
            usage="zero_filled_step(optimizer)  # in place of optimizer.step()",
            note=f"Measured with SGD(momentum=0.9, weight_decay=5e-4), Adam(weight_decay=0.01) and AdamW with the "
            f"biases in a group without decay, each with StepLR, {measures.MISSING} without a gradient at every "
            "second step.",
        ),
        Recipe(
            "torch-compiled-adam",
            "a torch.compile'd Adam or AdamW step that keeps the eager step's bias correction",
            "torch",
            "torch",
            "torch optim.Adam/AdamW, eager: 1 − βᵗ from the exact β",
            ("Adam · compiled vs eager", "AdamW · compiled vs eager"),
            float64_step_counts,
            _compiled,
            usage=f"optimizer = float64_step_counts(torch.optim.AdamW({_SPARED}, lr=0.01, weight_decay=0.01)); "
            f"{STEP_LR}; step = torch.compile(optimizer.step)",
            note=f"Measured: `{STOCK['torch-compiled-adam'][0]}` is {STOCK['torch-compiled-adam'][1]} away from "
            f"the eager convention ({STOCK['torch-compiled-adam'][2]}); compiling the model and keeping "
            "optimizer.step() eager is the other way. Adam is measured with the same line, "
            "torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.01) in AdamW's place.",
        ),
        Recipe(
            "torch-nan-free-dropout",
            "F.dropout without NaN, −0.0 or aliasing: torch's mask, the reference's values",
            "regref",
            "torch",
            "the reference's dropout arithmetic (numpy_ref.dropout_forward/backward) on torch's own mask",
            _DROPOUT_ROWS,
            nan_free_dropout,
            measures.all_of(_nan_free_values, _refusals, _a_new_tensor),
            usage="y = nan_free_dropout(x, 0.5)",
            note="The mask is F.dropout's for the same generator state (measured against F.dropout itself); "
            "compiled, inductor draws other masks (recipe torch-reference-dropout keeps them).",
        ),
        Recipe(
            "torch-reference-dropout",
            "the reference's dropout masks in torch, eager and compiled",
            "regref",
            "torch",
            "numpy_ref.dropout(x, p, key): masks and values",
            ("dropout · compiled vs eager (masks and values)", "dropout · mask replays the reference's key"),
            reference_dropout,
            measures.all_of(_reference_values, _refusals),
            usage="y = reference_dropout(x, 0.5, key)",
            note="torch's generator cannot replay a key, and under torch.compile inductor draws other masks than "
            "eager (fallback_random=False) and forms the scale as fl(1/(1 − p)); regref's adapter is the exact "
            "alternative (torch.compile runs it with graph breaks around its kernels).",
        ),
    ]
)
