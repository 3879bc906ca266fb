"""The pytest plugin: choose backends, parametrize the suite over them, apply deviations, record errors.

Registered as the ``pytest11`` entry point ``regref``, so ``pytest --pyargs conformance`` works from
any directory once regref is installed (``-p conformance.plugin`` does the same from a checkout).
Options: ``--backend SPEC`` (a registered name, a module, a path to a .py file: :mod:`conformance.backends`;
repeatable; else ``REGREF_BACKEND``, comma-separated; else every registered backend; a spec that names
nothing is a usage error) and Hypothesis's ``--hypothesis-profile`` (``regref-ci``, the default:
derandomized; ``regref-deep``: ten times the examples, random). Neither has a deadline: JAX compiles on a
first call. The names are namespaced so that Hypothesis's own ``ci`` profile — which it loads by itself
when it sees a CI machine — and any other project's profiles are never overwritten; both derive from
Hypothesis's ``default`` profile, so they are the same on a laptop and on a CI runner.

A suite test asks for ``backend`` (and optionally ``op`` or ``family`` — a reference module, the report's
row — and ``dtype``); markers narrow the product:
``@pytest.mark.ops(*names, replay=False)`` (with ``replay``, functions that draw random numbers only
on backends whose masks are replayable), ``@pytest.mark.dtypes(*names)``, ``@pytest.mark.needs(*capabilities)``
with capabilities ``vjp``, ``eager``, ``devices`` (two or more), ``replayable``.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import locate, ops
from .backends import Backend, Unavailable, select, specs
from .cache import keep_hypothesis_files_in_the_cache
from .deviations import Deviation, for_backend
from .protocol import OPTIONAL_HOOKS
from .recording import measuring

SUITE = "conformance.test_"  # the suite's modules: the only tests this plugin parametrizes
CI_EXAMPLES = 10
PROFILES = {"ci": "regref-ci", "deep": "regref-deep"}  # regref check's --profile -> Hypothesis profile
# No deadline (JAX compiles on a first call), no database (nothing written where the suite runs), no
# "explain" phase (it reruns failures many times to annotate them; our messages explain themselves).
_COMMON = {
    "deadline": None,
    "database": None,
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
_BASE = settings.get_profile("default")  # not the active profile: that one is "ci" on a CI machine
settings.register_profile(PROFILES["ci"], _BASE, max_examples=CI_EXAMPLES, derandomize=True, **_COMMON)
settings.register_profile(
    PROFILES["deep"], _BASE, max_examples=10 * CI_EXAMPLES, derandomize=False, print_blob=True, **_COMMON
)


def _without_local_constants() -> None:
    """Derandomized must mean the same examples for every port. Hypothesis (6.131 on) mixes literals it
    finds in the source of every *local* module — the port under test among them, and regref itself in a
    checkout — into its draws, so the examples would change with a port's source text. In regref's
    sessions that pool is empty: the strategies draw the edges that matter themselves. (Private API:
    tests/suite/test_derandomized.py fails if it moves; Hypothesis before 6.131 has no such pool.)"""

    from hypothesis.internal.conjecture import providers

    if hasattr(providers, "_get_local_constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
        providers.CONSTANTS_CACHE.cache.clear()


_SELECTION = pytest.StashKey[list]()
_DEVIATION = pytest.StashKey[Deviation]()
_USED = pytest.StashKey[set]()
_LISTED = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("regref", "regref conformance suite")
    group.addoption(
        "--backend",
        action="append",
        default=[],
        dest="regref_backend",
        metavar="NAME",
        help="backend to check: a registered name (numpy, jax, torch), a module (importable or in the current "
        "directory), a path to a .py file, or module:object; repeatable",
    )


def _runs_regref(config: pytest.Config) -> bool:
    """True when this session runs regref's suite or regref's own tests — not when regref is merely
    installed beside someone else's tests, whose Hypothesis settings must stay their own."""
    if config.rootpath.resolve() == Path(__file__).resolve().parents[1]:
        return True
    chosen = config.getoption("regref_backend", None) or os.environ.get("REGREF_BACKEND")
    return bool(chosen) or any("conformance" in str(arg) for arg in config.args)


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "ops(*names, replay=False): functions a conformance test covers (replay: draws on replayable backends only)",
        "dtypes(*names): restrict a conformance test to these float dtypes",
        "needs(*capabilities): only backends with these hooks (vjp, eager, devices, replayable)",
    ):
        config.addinivalue_line("markers", line)
    if _runs_regref(config):
        _without_local_constants()
        keep_hypothesis_files_in_the_cache(config)
        if config.getoption("hypothesis_profile", None) is None:
            settings.load_profile(PROFILES["ci"])
    chosen, explicit = specs(config.getoption("regref_backend", None))
    for spec in chosen if explicit else ():
        try:
            locate.find(spec)  # a name that matches nothing ends the session before collection
        except locate.NotFound as error:
            raise pytest.UsageError(str(error)) from None
    config.stash[_USED] = set()


def selection(config: pytest.Config) -> list[Backend | Unavailable]:
    """The selected backends, loaded once per session (and only if a suite test is collected)."""
    if _SELECTION not in config.stash:
        config.stash[_SELECTION] = select(config.getoption("regref_backend"))
    return config.stash[_SELECTION]


def _capable(backend: Backend, need: str) -> bool:
    if need == "replayable":
        return backend.replayable
    if need == "devices":
        return len(backend.devices()) >= 2
    return backend.has(need)


def _marker_args(metafunc: pytest.Metafunc, name: str) -> tuple | None:
    marker = metafunc.definition.get_closest_marker(name)
    return marker.args if marker else None


def _applies(op: str | None, backend: Backend, replay: bool) -> bool:
    """With ``replay``, functions that draw from the stream are compared only on replayable backends."""
    return not (replay and op in ops.DRAWS and not backend.replayable)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not metafunc.module.__name__.startswith(SUITE):
        return
    chosen = selection(metafunc.config)
    if "selected" in metafunc.fixturenames:
        metafunc.parametrize("selected", chosen, ids=[b.name for b in chosen])
    if "backend" not in metafunc.fixturenames:
        return
    needs = _marker_args(metafunc, "needs") or ()
    backends = [b for b in chosen if isinstance(b, Backend) and all(_capable(b, n) for n in needs)]
    argnames = [n for n in ("op", "family", "backend", "dtype") if n in metafunc.fixturenames]
    only_dtypes = _marker_args(metafunc, "dtypes")
    ops_marker = metafunc.definition.get_closest_marker("ops")
    replay = bool(ops_marker and ops_marker.kwargs.get("replay"))
    params = []
    for op in ops_marker.args if ops_marker else (None,):
        for family in ops.FAMILIES if "family" in argnames else (None,):
            for b in (b for b in backends if _applies(op, b, replay)):
                floats = "dtype" in argnames and (op is None or op in ops.FLOAT_OPS)
                for dtype in [d for d in b.dtypes if only_dtypes is None or d in only_dtypes] if floats else [None]:
                    values = {"op": op, "family": family, "backend": b, "dtype": dtype}
                    ident = "-".join(str(values[n]) for n in argnames if values[n] is not None)
                    params.append(pytest.param(*(values[n] for n in argnames), id=ident))
    if not params:
        reason = f"no selected backend has {', '.join(needs)}" if needs else "no backend selected"
        params = [pytest.param(*([None] * len(argnames)), marks=pytest.mark.skip(reason=reason))]
    metafunc.parametrize(argnames, params)


def _params(item: pytest.Item) -> dict:
    return getattr(getattr(item, "callspec", None), "params", {})


def deviation_id(item: pytest.Item) -> str:
    """The id deviations are written against: ``file::function[op-dtype-…]``, without the backend."""
    params = _params(item)
    named = ("op", "family", "dtype")
    keys = [*named, *sorted(k for k in params if k not in (*named, "backend", "selected"))]
    parts = [str(params[k]) for k in keys if params.get(k) is not None]
    name = getattr(item, "originalname", item.name)
    return f"{item.path.name}::{name}" + (f"[{'-'.join(parts)}]" if parts else "")


def _row(item: pytest.Item) -> tuple[str, str]:
    """(op family, aspect): ``test_<area>_<aspect>.py``, the area replaced by the family of the ``op`` tested."""
    area, aspect = item.path.stem.removeprefix("test_").rsplit("_", 1)
    params = _params(item)
    op = params.get("op") or getattr(params.get("case"), "op", None)
    return (ops.family(op) if op else params.get("family") or area), aspect


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deviations: dict[str, list[Deviation]] = {}
    for item in items:
        module = getattr(item, "module", None)  # doctest and other non-Python items have none
        if module is None or not module.__name__.startswith(SUITE):
            continue
        params = _params(item)
        backend = params.get("backend") or params.get("selected")
        if backend is None:
            continue
        item.user_properties += [("regref_row", _row(item)), ("regref_backend", backend.name)]
        if isinstance(backend, Backend):
            if backend.name not in deviations:
                deviations[backend.name] = for_backend(backend)
            found = next((d for d in deviations[backend.name] if d.covers(deviation_id(item))), None)
            if found is not None:
                item.stash[_DEVIATION] = found
                config.stash[_USED].add(found)
    config.stash[_LISTED] = [d for listed in deviations.values() for d in listed]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with measuring() as measured:
        try:
            return (yield)
        finally:
            item.user_properties.append(("regref_measured", dict(measured)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, object, object]:
    report: pytest.TestReport = yield
    deviation = item.stash.get(_DEVIATION, None)
    if deviation is None or report.when != "call":
        return report
    if report.failed and deviation.explains(report.longreprtext):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"known deviation: {deviation.reason}")
        report.user_properties.append(("regref_deviation", deviation.reason))
    elif report.failed:
        note = f"a deviation is listed for this test, but its failure does not match {deviation.match!r}"
        report.sections.append(("regref", note))
    elif report.passed:
        report.outcome = "failed"
        report.longrepr = (
            f"listed deviation no longer occurs: {deviation.test!r} ({deviation.reason}) passes; "
            f"remove it from {deviation.source}"
        )
    return report


def pytest_report_teststatus(report: pytest.TestReport | pytest.CollectReport) -> tuple[str, str, str] | None:
    # a module skipped while collected (pytest.importorskip) is a CollectReport, which has no user_properties
    if report.skipped and any(name == "regref_deviation" for name, _ in getattr(report, "user_properties", ())):
        return "deviation", "D", "DEVIATION"
    return None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _SELECTION not in config.stash:
        return
    terminalreporter.section("regref backends")
    for b in config.stash[_SELECTION]:
        if isinstance(b, Backend):
            hooks = ", ".join(h for h in OPTIONAL_HOOKS if b.has(h)) or "none"
            terminalreporter.write_line(f"{b.name}: {b.spec}; dtypes {', '.join(b.dtypes)}; optional hooks {hooks}")
        else:
            terminalreporter.write_line(f"{b.name}: {b.reason}: {b.detail}")
    for d in config.stash.get(_LISTED, []):
        if d not in config.stash[_USED]:
            terminalreporter.write_line(f"listed deviation matches no collected test: {d.test!r} in {d.source}")
