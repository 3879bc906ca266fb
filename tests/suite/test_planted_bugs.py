"""Each planted bug (tests/suite/broken/) fails the suite with a message that points at it, and a correct
backend with its own random generator passes everything."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import BROKEN, failures, run_pytest

# backend module → (the test that must fail for it, a regex its message must match)
BUGS = {
    "scale_one_minus_p": (
        "test_each_element_is_dropped_or_scaled",
        r"y/x = (\S+) on every such element \(1 − p = \1\)",
    ),
    "one_ulp_scale": (
        "test_each_element_is_dropped_or_scaled",
        r"y is 1 ULP\(s\) from x·s on every one",
    ),
    "mask_ignores_broadcast_dims": (
        "test_broadcast_dims_share_one_draw",
        r"the mask varies along axis \d, one of broadcast_dims=\(.*\): it must be one draw there",
    ),
    "dampening_at_first_step": (
        "test_first_momentum_step_copies_the_gradient[sgd_step]",
        r"got/want = (\S+) on every such element(.|\n)*step 1 must copy the gradient into the momentum buffer; "
        r"dampening \(τ = \S+\) applies from step 2 on",
    ),
    "decay_not_times_lr": (
        "test_zero_learning_rate_leaves_the_weights[weight_decay_step]",
        r"lr = 0 must leave the weights unchanged: the decay multiplies lr",
    ),
    "keep_probability_p": (
        "test_kept_fraction_is_binomial[dropout_mask]",
        r"elements kept: \d+ of 65792, expected \d+ ± \d+; two-sided binomial p-value",
    ),
    "mutates_input": (
        "test_inputs_unchanged_and_not_aliased[sgd]",
        r"sgd_step: (modified its inputs in place|returns an input's memory)",
    ),
}
MODULES = ["test_dropout_invariants", "test_dropout_statistics", "test_optimizer_invariants", "test_ops_purity"]


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One run of the relevant suite modules over every planted bug (numpy-fast: about 20 s)."""
    tmp = tmp_path_factory.mktemp("planted")
    args = ["--pyargs", *(f"conformance.{m}" for m in MODULES), f"--junitxml={tmp / 'junit.xml'}", "-q"]
    result = run_pytest([*args, *(f"--backend={b}" for b in BUGS)], cwd=tmp, path=(BROKEN,))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    return failures(tmp / "junit.xml")


def _with_backend(test: str, backend: str) -> str:
    return f"{test[:-1]}-{backend}]" if test.endswith("]") else f"{test}[{backend}]"


@pytest.mark.parametrize("backend", sorted(BUGS))
def test_planted_bug_fails_with_a_pointed_message(failed: dict[str, str], backend: str) -> None:
    test, pattern = BUGS[backend]
    key = _with_backend(test, backend)
    assert key in failed, f"{key} did not fail; failures for {backend}: {[k for k in failed if backend in k]}"
    assert re.search(pattern, failed[key]), f"{key}: message does not match {pattern!r}:\n{failed[key][:3000]}"
    assert "reproduce" in failed[key] or "binomial" in failed[key]


def test_own_generator_passes_everything(tmp_path: Path) -> None:
    """REPLAYABLE_MASKS = False: draws held to structure and statistics, and a correct one passes them all."""
    result = run_pytest(["--pyargs", "conformance", "--backend=own_rng", "-q"], cwd=tmp_path, path=(BROKEN,))
    assert result.returncode == 0, result.stdout[-5000:]
    assert re.search(r"\d+ passed", result.stdout) and "failed" not in result.stdout
    assert "own_rng: own_rng; dtypes float16, bfloat16, float32, float64; optional hooks REPLAYABLE_MASKS" in (
        result.stdout
    )
