"""Migration recipes: the few lines of one framework's own code that make it do what another framework (or the
reference) does, each one measured.

A :class:`Recipe` is a *snippet* — a plain function a user could paste, written in the framework's own idiom
and importing the framework inside its body, so that this module and every ``recipes_*.py`` import without
any framework installed — with what it reproduces (``target``), the report rows whose difference it answers
(``addresses``, row titles such as ``"SGD · coupled or decoupled decay"``) and a ``measure`` that runs the
snippet and returns a :class:`.finding.Finding`: ``agrees`` when the snippet's output is the target's, bit
for bit or within the suite's tolerance (:mod:`conformance.tolerances`), ``differs`` otherwise (with the
error and the first input that shows it). docs/recipes.md shows each snippet's source as it is in the
module (:mod:`.recipes_doc`): the code in the document is the code that was measured.

Optimizer recipes are measured over :data:`STEPS` steps of an MLP-shaped parameter tree (kernels and
biases) with a step schedule (the learning rate halved every :data:`EVERY` steps), against the target
convention run on the reference (:mod:`.hypotheses`): every step's parameters, not only the last.
The report's rows say which framework API follows which convention; the port tests
(``tests/test_recipes_port_*.py``) run the target framework itself beside the recipe.
"""

from __future__ import annotations

import dataclasses
import inspect
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tolerances import tolerance
from .compare import Case, bits_error
from .finding import AGREES, DIFFERS, ERROR, NOT_APPLICABLE, Finding, digest, show
from .trajectories import error_at_last_step, on_reference

__all__ = [
    "EVERY",
    "STEPS",
    "TOPIC",
    "Recipe",
    "Recipes",
    "biases_spared",
    "exact",
    "mlp_trajectory",
    "optimizer_recipe",
    "source",
    "step_schedule",
]

TOPIC = "recipes"
STEPS, EVERY = 24, 6

#: ``run(params, grads, lrs) -> [params after step 1, …]``: a recipe's optimizer over a trajectory, NumPy in and out.
Run = Callable[[dict, list[dict], list[float]], list[dict]]


@dataclasses.dataclass(frozen=True)
class Recipe:
    """``code`` in ``framework`` reproduces ``target`` (a behaviour of ``origin``: a framework, or ``regref``);
    ``measure(recipe)`` runs it and says how closely.

    ``slug`` is the recipe's anchor in docs/recipes.md; ``note`` says what is lost, or why the framework's own
    API cannot express the target (the recipe is then the smallest exact alternative); ``usage`` is a line
    showing how the snippet is called (the measurement calls it that way)."""

    slug: str
    title: str
    origin: str
    framework: str
    target: str
    addresses: tuple[str, ...]
    code: Callable[..., Any]
    measure: Callable[[Recipe], Finding]
    usage: str = ""
    note: str = ""

    @property
    def anchor(self) -> str:
        return f"docs/recipes.md#{self.slug}"

    @property
    def api(self) -> str:
        """The recipe as the report's findings name it."""
        return f"recipe {self.slug}"


def source(fn: Callable[..., Any]) -> str:
    """The snippet as written in its module (dedented)."""
    return textwrap.dedent(inspect.getsource(fn)).rstrip()


class Recipes:
    """The recipes of one framework module, run by :mod:`.runner` like an adapter."""

    KIND = "recipe"
    API = TOPIC

    def __init__(self, recipes: Sequence[Recipe]) -> None:
        self.recipes = tuple(recipes)

    def findings(self, framework: str) -> list[Finding]:
        out = []
        for r in self.recipes:
            try:
                found = r.measure(r)
            except NotImplementedError as error:
                found = Finding(NOT_APPLICABLE, str(error))
            except Exception as error:  # a recipe that breaks is reported as such
                found = Finding(ERROR, f"{type(error).__name__}: {error}"[:300])
            out.append(
                dataclasses.replace(
                    found, framework=framework, api=r.api, behaviour=r.title, topic=TOPIC, kind=self.KIND
                )
            )
        return out


def step_schedule(lr0: float, steps: int = STEPS, every: int = EVERY, factor: float = 0.5) -> list[float]:
    """``lr0·factor^⌊t/every⌋`` for t = 0 … steps − 1: torch's ``StepLR(step_size=every, gamma=factor)``."""
    return [lr0 * factor ** (t // every) for t in range(steps)]


def mlp_trajectory(steps: int = STEPS, seed: int = 14) -> tuple[dict, list[dict]]:
    """A 3-4-2 MLP's parameters (``dense/kernel``, ``dense/bias``, ``out/kernel``, ``out/bias``; float32) and
    ``steps`` gradients ~ N(0, 1), from a fixed NumPy seed."""
    rng = np.random.default_rng(seed)
    shapes = {"dense/kernel": (3, 4), "dense/bias": (4,), "out/kernel": (4, 2), "out/bias": (2,)}

    def draw() -> dict:
        return {k: np.float32(rng.normal(size=s)) for k, s in shapes.items()}

    return draw(), [draw() for _ in range(steps)]


def biases_spared(params: dict) -> dict:
    """The decay mask that spares the biases: ``{name: not name.endswith("bias")}``."""
    return {k: not k.endswith("bias") for k in params}


def optimizer_recipe(
    op: str,
    hyper: dict[str, Any],
    target: Callable[..., Any],
    target_name: str,
    run: Callable[[Recipe, dict, list[dict], list[float]], list[dict]],
    *,
    lr0: float,
    spare_biases: bool = False,
    steps: int = STEPS,
) -> Callable[[Recipe], Finding]:
    """A ``measure``: the recipe's optimizer (``run``) against ``target`` (a reference-convention step, named
    ``target_name``) over :func:`mlp_trajectory` with :func:`step_schedule`; every step's parameters within
    the suite's tolerance for ``op`` after that many steps."""

    def measure(recipe: Recipe) -> Finding:
        params, grads = mlp_trajectory(steps)
        lrs = step_schedule(lr0, steps)
        mask = {"decay_mask": biases_spared(params)} if spare_biases else {}
        hypers = [{**hyper, "lr": lr, **mask} for lr in lrs]
        got = run(recipe, params, grads, lrs)
        worst, first, per_step = 0.0, "", []
        for t in range(steps):
            want = on_reference(target, op, (params, grads[: t + 1]), hypers[: t + 1])
            per_step.append((got[t], want))
            case = Case(f"step {t + 1}", (params, grads[: t + 1]))
            err = error_at_last_step(op, hypers[: t + 1])(got[t], want, case)
            tol = tolerance(op, "float32", steps=t + 1)
            worst = max(worst, err / tol if tol else (0.0 if err == 0 else float("inf")))
            if err > tol and not first:
                first = f"step {t + 1}: {err:.3g} ULPs > {tol:.3g}; got {show(got[t])}; {target_name}: {show(want)}"
        identical = all(bits_error(g, w) == 0 for g, w in per_step)
        schedule = f"{steps} steps, lr {lr0:g} halved every {EVERY}"
        if first:
            return Finding(DIFFERS, f"not {target_name}", error=f"{worst:.3g}× the tolerance", evidence=first)
        observed = f"{target_name}: " + ("bit for bit" if identical else "within the tolerance")
        error = "0 ULPs" if identical else f"at most {worst:.2g}× the tolerance"
        last = per_step[-1]
        evidence = f"{schedule}; after the last step got {show(last[0])}, {target_name} gives {show(last[1])}"
        return Finding(AGREES, observed, error=error, evidence=evidence, digest=digest(got))

    return measure


def exact(
    cases: Sequence[tuple[str, Any]], got: Callable[[Any], Any], want: Callable[[Any, Any], Any], target_name: str
) -> Finding:
    """A ``measure``'s result for a bit-exact target: ``got(case)`` against ``want(case, got)`` on each
    ``(label, case)``; agrees when every output has the target's bits (NaN matching NaN)."""
    outputs = []
    for label, case in cases:
        out = got(case)
        outputs.append(out)
        target = want(case, out)
        if bits_error(out, target) != 0:
            return Finding(
                DIFFERS,
                f"not {target_name}",
                error=f"{bits_error(out, target):.3g} ULPs",
                smallest=label,
                evidence=f"{label}: got {show(out)}; {target_name} gives {show(target)}",
                digest=digest(outputs),
            )
    return Finding(
        AGREES,
        f"{target_name}: bit for bit",
        error="0 ULPs",
        evidence=f"{len(cases)} inputs, the last: {cases[-1][0]}: got {show(outputs[-1])}",
        digest=digest(outputs),
    )
