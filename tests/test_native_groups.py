"""Who agrees with whom, from findings: groups by convention, the reference's first, identical bits joined, the
smallest separating input, the headline's rule, compositions apart, implementations' names merged."""

from __future__ import annotations

from conformance.native.finding import AGREES, DIFFERS, NOT_APPLICABLE, Finding
from conformance.native.groups import convention_cells, names, placements, rows
from conformance.native.render import headline_markdown

COUPLED, DECOUPLED = "coupled: λ·w added to the gradient", "decoupled: w·(1 − lr·λ) before the step"
SEPARATED = {COUPLED: ("w=[1]", f"got [0.78]; {COUPLED} gives [0.75]")}


def _f(framework: str, api: str, verdict: str, observed: str, digest: str, kind: str = "api", **kw: object) -> Finding:
    base = {"topic": "SGD", "behaviour": "coupled or decoupled decay", "errors": {observed: "1 ULPs"}}
    return Finding(verdict, observed, framework=framework, api=api, digest=digest, kind=kind, **{**base, **kw})


ROW = [
    _f("torch", "optim.SGD [single-tensor]", AGREES, COUPLED, "a"),
    _f("torch", "optim.SGD [foreach]", AGREES, COUPLED, "a"),
    _f("torch", "optim.SGD [fused]", AGREES, COUPLED, "b"),
    _f("optax", "sgd → add_decayed_weights", DIFFERS, "λ·w added after the lr scaling", "c", kind="composition"),
    _f("keras[jax]", "optimizers.SGD", DIFFERS, DECOUPLED, "d", separations=SEPARATED),
    _f("keras[torch]", "optimizers.SGD", DIFFERS, DECOUPLED, "d", separations=SEPARATED),
    _f("regref", "numpy_ref.sgd_step", AGREES, COUPLED, "a", kind="reference"),
    _f("optax", "adamw", NOT_APPLICABLE, "no such parameter", ""),
]


def test_groups_follow_the_conventions_with_the_references_first_and_identical_bits_joined() -> None:
    (row,) = rows(ROW)
    assert [g.observed for g in row.groups] == [COUPLED, "λ·w added after the lr scaling", DECOUPLED]
    first = row.groups[0]
    assert (
        first.text(row.members)
        == "torch optim.SGD [single-tensor, foreach] = regref numpy_ref.sgd_step · torch optim.SGD [fused]"
    )
    assert row.groups[2].text(row.members) == "keras[jax, torch] optimizers.SGD"
    assert row.groups[2].separation == SEPARATED[COUPLED]
    assert [f.column for f in row.unmeasured] == ["optax adamw"]
    assert first.spread == "1 ULPs"


def test_a_composition_is_shown_apart_and_the_headline_counts_framework_apis() -> None:
    (row,) = rows(ROW)
    assert [g.observed for g in row.shown()] == [COUPLED, DECOUPLED]
    ((_, member, group),) = placements([row], "composition")
    assert (member.api, group.observed) == ("sgd → add_decayed_weights", "λ·w added after the lr scaling")
    assert row.headline  # torch and keras part
    alone = rows([f for f in ROW if not f.framework.startswith("keras")])[0]
    assert not alone.headline  # a composition alone in its group is no headline difference
    markdown = headline_markdown(ROW)
    assert "SGD · coupled or decoupled decay | with weight_decay > 0 |" in markdown
    assert "add_decayed_weights" not in markdown


def test_the_reference_alone_is_a_headline_and_keys_rows_never_are() -> None:
    l2 = [
        _f("keras[jax]", "regularizers.L2", DIFFERS, "λ·Σw² (no ½)", "x", topic="L2 penalty"),
        _f("regref", "numpy_ref.l2_penalty", AGREES, "λ/2·Σw²", "y", kind="reference", topic="L2 penalty"),
    ]
    assert rows([dict_replace(f, behaviour="factor ½ in the penalty") for f in l2])[0].headline
    keys = [dict_replace(f, topic="dropout", behaviour="mask replays the reference's key") for f in l2]
    assert not rows(keys)[0].headline


def dict_replace(f: Finding, **changes: object) -> Finding:
    return Finding.from_dict({**f.to_dict(), **changes})


def test_names_merge_implementations_and_keras_backends_and_drop_a_complete_list() -> None:
    torch = [f for f in ROW if f.framework == "torch"]
    assert names(torch) == "torch optim.SGD [single-tensor, foreach, fused]"
    assert names(torch, among=ROW) == "torch optim.SGD"
    assert names(torch[:2], among=ROW) == "torch optim.SGD [single-tensor, foreach]"


def test_convention_cells_name_who_agrees_and_who_differs_as_measured() -> None:
    agrees, differs = convention_cells(rows(ROW))["C2"]
    assert agrees == "torch optim.SGD"
    assert differs == f"SGD · coupled or decoupled decay: keras[jax, torch] optimizers.SGD → {DECOUPLED}"
