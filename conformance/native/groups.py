"""Who agrees with whom: the report's rows, one per behaviour, each a partition of every implementation measured on
its inputs into agreement groups.

Implementations explained by the same convention agree (:func:`.compare.classify`: bit for bit, or within
the suite's tolerance); where no convention tried explains an output, only identical bits agree. The
reference's convention leads (the group whose members *agree*); the other groups follow in the order
their members were measured, each with the smallest input that tells it from the first group and an
element of its own output there. Within a group, members with identical bits are joined by ``=`` (their
``digest``), members whose bits differ within the convention by ``·``.

A row holds implementations of the kinds ``api``, ``composition`` and ``reference`` (:data:`.finding.KINDS`).
The headline counts only the frameworks' own APIs; :func:`placements` says which group a user-built
composition joined. Migration recipes are measured against their own targets (:mod:`.recipe`) and are
listed apart, each with the rows it answers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from .behaviours import CONVENTIONS, condition, section
from .finding import AGREES, Finding

__all__ = ["Group", "Row", "convention_cells", "names", "placements", "rows"]


@dataclasses.dataclass(frozen=True)
class Group:
    """Implementations that agree: ``observed`` (the convention), ``members``, and for a group after the first the
    ``separation`` from the first group: (the smallest input that shows it, an element of a member's output)."""

    observed: str
    members: tuple[Finding, ...]
    separation: tuple[str, str] = ("", "")

    @property
    def spread(self) -> str:
        """The largest error of a member against the group's convention ("" where none was measured so)."""
        errors = [float(m.errors[self.observed].split()[0]) for m in self.members if self.observed in m.errors]
        return f"{max(errors):.3g} ULPs" if errors else ""

    @property
    def classes(self) -> list[list[Finding]]:
        """The members by identical bits (a member without a digest alone)."""
        out: dict[str, list[Finding]] = {}
        for i, m in enumerate(self.members):
            out.setdefault(m.digest or f"#{i}", []).append(m)
        return list(out.values())

    def text(self, among: Iterable[Finding] | None = None, kinds: tuple[str, ...] = ("api", "reference")) -> str:
        """``a = b · c``: members of ``kinds`` by classes of identical bits (joined by ``=``) separated by ``·``."""
        classes = [[m for m in c if m.kind in kinds] for c in self.classes]
        return " · ".join(names(c, " = ", among) for c in classes if c)


@dataclasses.dataclass(frozen=True)
class Row:
    topic: str
    behaviour: str
    groups: tuple[Group, ...]
    unmeasured: tuple[Finding, ...]

    @property
    def section(self) -> str:
        return section(self.behaviour)

    @property
    def condition(self) -> str:
        return condition(self.behaviour)

    @property
    def title(self) -> str:
        return f"{self.topic} · {self.behaviour}"

    @property
    def members(self) -> list[Finding]:
        return [m for g in self.groups for m in g.members]

    def shown(self, kinds: tuple[str, ...] = ("api", "reference")) -> list[Group]:
        """The groups that hold an implementation of ``kinds`` (a user-built composition is shown apart)."""
        return [g for g in self.groups if any(m.kind in kinds for m in g.members)]

    def api_groups(self) -> list[Group]:
        return [g for g in self.groups if any(m.kind == "api" for m in g.members)]

    @property
    def headline(self) -> bool:
        """A difference a user meets through a framework's own API: the frameworks' APIs fall in two groups or
        more, or the reference's group holds none of them."""
        api = self.api_groups()
        reference = next((g for g in self.groups if any(m.kind == "reference" for m in g.members)), None)
        alone = reference is not None and reference not in api
        return self.section == "api" and (len(api) >= 2 or (alone and bool(api)))


def _group_key(f: Finding) -> str:
    return f"{f.observed} [{f.digest}]" if f.observed.startswith("none of") else f.observed


def rows(findings: Iterable[Finding]) -> list[Row]:
    """Every behaviour's row, in the order the behaviours were first measured (recipes are not behaviours: each is
    measured against its own target, :mod:`.recipe`)."""
    by_row: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.topic and f.kind != "recipe":
            by_row.setdefault((f.topic, f.behaviour), []).append(f)
    return [_row(topic, behaviour, members) for (topic, behaviour), members in by_row.items()]


def _row(topic: str, behaviour: str, members: list[Finding]) -> Row:
    measured: dict[str, list[Finding]] = {}
    for f in members:
        if f.measured:
            measured.setdefault(_group_key(f), []).append(f)
    ordered = sorted(measured.values(), key=lambda ms: ms[0].verdict != AGREES)  # stable: measured order
    first = ordered[0][0].observed if ordered else ""
    groups = [Group(ms[0].observed, tuple(ms), _separation(ms[0], first)) for ms in ordered]
    return Row(topic, behaviour, tuple(groups[:1] + groups[1:]), tuple(f for f in members if not f.measured))


def _separation(member: Finding, first: str) -> tuple[str, str]:
    if member.observed == first:
        return "", ""
    if first in member.separations:
        return member.separations[first]
    return member.smallest, member.evidence


_VARIANT = re.compile(r"(.*) \[(.*)\]")


def _split(m: Finding) -> tuple[str, str]:
    match = _VARIANT.fullmatch(m.api)
    return (match.group(1), match.group(2)) if match else (m.api, "")


def names(members: Iterable[Finding], joiner: str = "; ", among: Iterable[Finding] | None = None) -> str:
    """The implementations, one entry per framework: ``torch optim.SGD [single-tensor, foreach], optim.Adam``,
    keras's two backends merged where they list the same (``keras[jax, torch] layers.Dropout``). With ``among``
    (the row's members), an API's implementation list is left out where it names all the row measured."""
    everyone: dict[tuple[str, str], set[str]] = {}
    for m in among or ():
        everyone.setdefault((m.framework, _split(m)[0]), set()).add(_split(m)[1])
    per: dict[str, dict[str, list[str]]] = {}
    for m in members:
        base, variant = _split(m)
        per.setdefault(m.framework, {}).setdefault(base, []).append(variant)
    texts = {}
    for framework, bases in per.items():
        labels = []
        for base, variants in bases.items():
            shown = [v for v in variants if v]
            whole = among is not None and set(shown) == everyone.get((framework, base))
            labels.append(f"{base} [{', '.join(shown)}]" if shown and not whole else base)
        texts[framework] = ", ".join(labels)
    out, done = [], set()
    for framework, text in texts.items():
        if framework in done:
            continue
        twins = (
            [f for f, t in texts.items() if t == text and f.startswith("keras[")]
            if framework.startswith("keras[")
            else []
        )
        label = f"keras[{', '.join(f[6:-1] for f in twins)}]" if len(twins) > 1 else framework
        done.update(twins)
        out.append(f"{label} {text}")
    return joiner.join(out)


def placements(table: Iterable[Row], kind: str) -> list[tuple[Row, Finding, Group]]:
    """Each implementation of ``kind`` with the row it was measured in and the group it joined."""
    return [(r, m, g) for r in table for g in r.groups for m in g.members if m.kind == kind]


def convention_cells(table: Iterable[Row]) -> dict[str, tuple[str, str]]:
    """Per convention, (the framework APIs in the reference's group — once if the same on every row that measures
    the convention, else per row —, the other groups as ``behaviour: implementations → what they do``), one
    line (``<br>``) each."""
    index = {(r.topic, r.behaviour): r for r in table}
    out = {}
    for name, (_, keys) in CONVENTIONS.items():
        agreeing: list[tuple[Row, list[Finding]]] = []
        differing = []
        for r in (index[k] for k in keys if k in index):
            for i, g in enumerate(r.groups):
                api = [m for m in g.members if m.kind == "api"]
                if i == 0 and any(m.verdict == AGREES for m in g.members):
                    agreeing.append((r, api))
                elif api:
                    differing.append(f"{_short(r)}: {names(api, among=r.members)} → {g.observed}")
        sets = {tuple(sorted(m.column for m in api)) for _, api in agreeing}
        if len(sets) == 1:
            agrees = names(agreeing[0][1], among=agreeing[0][0].members)
        else:
            agrees = "<br>".join(f"{_short(r)}: {names(api, among=r.members) or 'none'}" for r, api in agreeing)
        out[name] = (agrees, "<br>".join(differing))
    return out


def _short(r: Row) -> str:
    return r.behaviour if r.topic in ("dropout", "L2 penalty") else r.title
