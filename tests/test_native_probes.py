"""The probes themselves: on the reference presented as a framework (the loopback) every probe agrees, and a
planted bug makes the probe for it differ, say what the bug does and point at the smallest input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import numpy_ref
from conformance.native import (
    hypotheses,
    probes_compiled,
    probes_defaults,
    probes_dropout,
    probes_flag,
    probes_l2,
    probes_masks,
    probes_optim,
    probes_survivors,
)
from conformance.native.finding import AGREES, DIFFERS, NOT_MEASURED, show
from conformance.native.loopback import ReferenceDropout, ReferenceL2, ReferenceOptim
from conformance.native.runner import run_adapter
from numpy_ref.dropout import dropout_scale

ALLOWED = {
    "compiled vs eager (masks and values)": (NOT_MEASURED, "NumPy has no compiler"),
    "CPU vs GPU masks": (NOT_MEASURED, "no GPU"),
}


@pytest.mark.parametrize("adapter", [ReferenceOptim(), ReferenceDropout(), ReferenceL2()], ids=lambda a: a.NAME)
def test_the_reference_agrees_with_itself(adapter: Any) -> None:
    findings = run_adapter("regref", adapter)
    assert findings
    wrong = [f for f in findings if (f.verdict, f.observed) != ALLOWED.get(f.behaviour, (AGREES, f.observed))]
    assert not wrong, "\n".join(f"{f.api} · {f.behaviour}: {f.verdict}: {f.observed} ({f.evidence})" for f in wrong)


class ScaleByKeepProbability(ReferenceDropout):
    """Survivors times 1 − p instead of 1/(1 − p)."""

    def dropout(self, x: Any, p: float, key: Any, **kwargs: Any) -> Any:
        y = super().dropout(x, p, key, **kwargs)
        return (y * np.float32((1 - p) ** 2)).astype(y.dtype) if kwargs.get("training", True) else y


class MultiplyByMask(ReferenceDropout):
    """``x * mask``: a dropped inf becomes NaN and a dropped negative −0.0."""

    def dropout(self, x: Any, p: float, key: Any, **kwargs: Any) -> Any:
        keep = numpy_ref.dropout_mask(np.asarray(key, np.uint32), p, x.shape)
        with np.errstate(invalid="ignore"):
            return (x * np.where(keep, dropout_scale(p, np.dtype(np.float32)), 0)).astype(x.dtype)


class DampenedFirstStep(ReferenceOptim):
    def sgd_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        return super().sgd_step(params, grads, state._replace(step=np.maximum(state.step, 1)), **hyper)


class DecayNotTimesLr(ReferenceOptim):
    def adamw_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        lam = hyper.pop("weight_decay", 0.01)
        return super().adamw_step(params, grads, state, weight_decay=lam / hyper["lr"], **hyper)


class NoHalf(ReferenceL2):
    @staticmethod
    def l2_penalty(params: Any, weight_decay: float, *, decay_mask: object = None) -> Any:
        return 2 * numpy_ref.l2_penalty(params, weight_decay, decay_mask=decay_mask)


def test_scale_by_keep_probability_is_caught_at_the_first_input() -> None:
    found = probes_survivors.survivors("float32")(ScaleByKeepProbability())
    assert found.verdict == DIFFERS and found.observed.startswith("none of")
    assert found.smallest.startswith("p=0.5, x=")  # the first input, its first kept element
    x = np.float32(found.smallest.rsplit("=", 1)[1])
    want = f"{found.smallest}: got {show(x * np.float32(0.5))}; the reference gives {show(x * np.float32(2))}"
    assert found.evidence == want  # x·(1 − p) beside x·s


def test_multiplying_by_the_mask_is_caught_on_dropped_non_finite_values() -> None:
    found = probes_dropout.dropped_values(MultiplyByMask())
    assert found.verdict == DIFFERS
    assert "inf → nan" in found.observed and "negative → -0.0" in found.observed
    assert probes_dropout.p_one(MultiplyByMask()).observed.startswith("negative → -0.0")


def test_dampening_at_the_first_step_is_named() -> None:
    found = probes_optim.PROBES["sgd_step"]["dampening at the first step"](DampenedFirstStep())
    assert (found.verdict, found.observed) == (DIFFERS, "dampening at step 1 too")
    assert found.smallest.startswith("w=[1], g=[[0.5], [-0.25]]; lr=0.1, momentum=0.9, dampening=0.5")


def test_decay_not_multiplied_by_lr_is_named() -> None:
    found = probes_optim.PROBES["adamw_step"]["coupled or decoupled decay"](DecayNotTimesLr())
    assert (found.verdict, found.observed) == (DIFFERS, "decoupled without lr: w·(1 − λ) before the step")


def test_a_penalty_without_the_half_is_named() -> None:
    found = probes_l2.penalty(NoHalf())
    assert (found.verdict, found.observed, found.smallest) == (DIFFERS, "λ·Σw² (no ½)", "w=[1], λ=0.1")


def test_a_mask_from_another_generator_is_told_apart_but_passes_the_statistics() -> None:
    class OtherKeys(ReferenceDropout):
        def dropout(self, x: Any, p: float, key: Any, **kwargs: Any) -> Any:
            return super().dropout(x, p, numpy_ref.fold_in(np.asarray(key, np.uint32), 7), **kwargs)

    assert probes_masks.replay(OtherKeys()).verdict == DIFFERS
    assert probes_masks.statistics(OtherKeys()).verdict == AGREES


def test_a_biased_generator_fails_the_binomial_test() -> None:
    class Biased(ReferenceDropout):
        def dropout(self, x: Any, p: float, key: Any, **kwargs: Any) -> Any:
            return super().dropout(x, p * 0.97, key, **kwargs)

    found = probes_masks.statistics(Biased())
    assert found.verdict == DIFFERS and found.smallest.startswith("kept")


class IgnoresAmsgrad(ReferenceOptim):
    def adam_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        hyper.pop("amsgrad", None)
        return super().adam_step(params, grads, state, **hyper)


class SkipsMissingGradients(ReferenceOptim):
    """torch's and keras's way: a leaf whose gradient is None is left exactly as it is."""

    def sgd_step(self, params: Any, grads: Any, state: Any, **hyper: Any) -> Any:
        new, new_state = super().sgd_step(params, grads, state, **hyper)
        skip = lambda old, n, g: old if g is None else n  # noqa: E731
        momentum = {k: skip(state.momentum[k], new_state.momentum[k], grads[k]) for k in grads}
        return {k: skip(params[k], new[k], grads[k]) for k in grads}, new_state._replace(momentum=momentum)


def test_amsgrad_ignored_is_named() -> None:
    found = probes_optim.PROBES["adam_step"]["amsgrad"](IgnoresAmsgrad())
    assert (found.verdict, found.observed) == (DIFFERS, "no maximum: amsgrad ignored")
    assert "amsgrad=True" in found.smallest


def test_skipping_a_leaf_without_a_gradient_is_named_and_shown_on_that_leaf() -> None:
    found = probes_optim.PROBES["sgd_step"]["a leaf without a gradient"](SkipsMissingGradients())
    assert (found.verdict, found.observed) == (DIFFERS, "skipped: left as it was, no decay, no momentum")
    assert found.smallest.endswith("leaf b") and found.evidence.endswith(
        "the reference gives [0.810774028, -2.6903882]"
    )


def test_a_default_the_step_does_not_use_is_caught() -> None:
    class Misdeclared(ReferenceOptim):
        def constructor(self, op: str) -> Any:
            return lambda params, grads, state, *, lr=0.5: None  # the step's own default is 1e-3

    found = probes_defaults.PROBES["adam_step"]["default lr"](Misdeclared())
    assert (found.verdict, found.observed) == (DIFFERS, "the default step is not the step with the declared defaults")


def test_a_compiler_that_forms_the_scale_otherwise_is_named() -> None:
    class Compiled(ReferenceDropout):
        COMPILER = "a planted compiler"

        def compiled_dropout(self, x: Any, p: float, key: Any) -> Any:
            keep = numpy_ref.dropout_mask(np.asarray(key, np.uint32), p, x.shape)
            return np.where(keep, x * np.float32(1 / (1 - p)), np.float32(0))  # s rounded once

    found = probes_compiled.dropout(Compiled())
    assert (found.verdict, found.observed) == (DIFFERS, "compiled: the same masks; survivors x·fl(1/(1 − p))")
    assert found.smallest == "p=0.04"  # equal at the dyadic 0.5, apart at 0.04
    assert "a planted compiler" in found.evidence


def test_a_compiled_optimizer_step_is_told_from_eager_and_a_float32_correction_named() -> None:
    class Compiled(ReferenceOptim):
        COMPILER = "a planted compiler"

        def trajectory(self, op: str, params: Any, grads: list, hyper: dict, compiled: bool) -> Any:
            step = hypotheses.correction_in_float32 if compiled and op == "adam_step" else getattr(numpy_ref, op)
            changed = {"nesterov": not compiled} if op == "sgd_step" else {}
            state = numpy_ref.sgd_init(params) if op == "sgd_step" else numpy_ref.adam_init(params)
            for g in grads:
                params, state = step(params, g, state, **{**hyper, **changed})
            return params

    assert probes_compiled.optimizer("sgd_step")(ReferenceOptim()) is None  # no compiler: no row
    sgd = probes_compiled.optimizer("sgd_step")(Compiled())
    assert sgd is not None and sgd.verdict == DIFFERS and sgd.observed.startswith("none of: compiled = eager")
    adam = probes_compiled.optimizer("adam_step")(Compiled())
    assert adam is not None and adam.observed == "1 − βᵗ formed in float32 from β rounded to float32"
    assert "a planted compiler" in adam.evidence and "eager gives" in adam.evidence


def test_the_decoupled_flag_probe_names_a_coupled_flag() -> None:
    class CoupledAnyway:
        """A flag that does nothing: decay stays coupled, as if decoupled_weight_decay were False."""

        def run(self, op: str, w: Any, grads: list, shrink: float = 1.0, **kwargs: Any) -> Any:
            lr, lam = kwargs["lr"], kwargs["weight_decay"]
            for g in grads:
                w = (w * np.float32(shrink) - np.float32(lr) * (g + np.float32(lam) * w)).astype(np.float32)
            return w

    found = probes_flag.PROBES["nadam"]["decoupled_weight_decay=True"](CoupledAnyway())
    assert (found.verdict, found.observed) == (DIFFERS, "coupled: λ·w added to the gradient")
