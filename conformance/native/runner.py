"""Which frameworks there are, which adapters present them, and running every probe on every adapter.

keras picks its backend from ``KERAS_BACKEND`` once per process, so each keras backend runs in a
subprocess (``python -m conformance.native.runner NAME`` prints the findings as JSON); those start first
and run beside the in-process frameworks. A framework whose packages are missing yields one row,
``not installed``, naming the missing package: it never silently disappears.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import (
    probes_compiled,
    probes_defaults,
    probes_dropout,
    probes_flag,
    probes_gradients,
    probes_l2,
    probes_masks,
    probes_optim,
    probes_sources,
    probes_survivors,
)
from .finding import ERROR, NOT_APPLICABLE, NOT_INSTALLED, Finding
from .recipe import Recipes

__all__ = ["FRAMEWORKS", "TOPICS", "Framework", "collect", "run_adapter", "run_framework"]

ROOT = Path(__file__).resolve().parents[2]  # the directory that holds the conformance package


@dataclasses.dataclass(frozen=True)
class Framework:
    """``adapters`` are ``module:attr`` under :mod:`conformance.native`; ``env`` (if any) runs them in a subprocess."""

    name: str
    requires: tuple[str, ...]
    adapters: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


_KERAS = (
    "keras_optim:optimizers",
    "keras_optim:l2",
    "keras_dropout:layer",
    "keras_dropout:function",
    "recipes_keras:RECIPES",
)
_TORCH_OPTIM = tuple(f"torch_optim:{v}" for v in ("single_tensor", "foreach", "fused"))
FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework(
            "torch",
            ("torch",),
            _TORCH_OPTIM
            + tuple(f"torch_optim:adam_decoupled_{v}" for v in ("single_tensor", "foreach", "fused"))
            + ("torch_optim:flagged_single_tensor", "torch_optim:flagged_foreach")
            + tuple(f"torch_dropout:{v}" for v in ("functional", "module", "channels"))
            + ("recipes_torch:RECIPES",),
        ),
        Framework(
            "optax",
            ("jax", "optax"),
            ("optax_optim:before", "optax_optim:after", "optax_optim:alias", "recipes_optax:RECIPES"),
        ),
        Framework("flax", ("jax", "flax"), ("flax_dropout:linen", "flax_dropout:nnx_dropout", "recipes_flax:RECIPES")),
        Framework("keras[jax]", ("keras", "jax"), _KERAS, (("KERAS_BACKEND", "jax"),)),
        Framework(
            "keras[torch]", ("keras", "torch"), (*_KERAS, "keras_dropout:unseeded_layer"), (("KERAS_BACKEND", "torch"),)
        ),
        Framework(
            "equinox",
            ("jax", "equinox"),
            ("equinox_dropout:dropout_layer", "equinox_dropout:jitted", "recipes_equinox:RECIPES"),
        ),
        Framework("regref", ("numpy",), ("loopback:optim", "loopback:l2", "loopback:dropout")),
    )
}
#: The rows' topics: an optimizer adapter's op, or what kind of adapter it is.
TOPICS = {"sgd_step": "SGD", "adam_step": "Adam", "adamw_step": "AdamW", "nadam": "NAdam", "radam": "RAdam"}
_OPTIM = (probes_optim.PROBES, probes_defaults.PROBES, probes_compiled.OPTIM, probes_flag.PROBES)
_DROPOUT = (
    probes_survivors.PROBES,
    probes_dropout.PROBES,
    probes_gradients.PROBES,
    probes_compiled.DROPOUT,
    probes_masks.PROBES,
    probes_sources.PROBES,
)


def _probes(adapter: Any) -> Iterable[tuple[str, str, str, Callable[[Any], Finding | None]]]:
    """(topic, api, behaviour, probe) for everything the adapter implements and wants probed."""
    if isinstance(adapter.API, dict):
        tables = [(TOPICS[op], api, table[op]) for op, api in adapter.API.items() for table in _OPTIM if op in table]
    elif hasattr(adapter, "l2_penalty"):
        tables = [("L2 penalty", adapter.API, probes_l2.PROBES)]
    else:
        tables = [("dropout", adapter.API, table) for table in _DROPOUT]
    wanted = getattr(adapter, "BEHAVIOURS", None)
    for topic, api, table in tables:
        yield from ((topic, api, b, p) for b, p in table.items() if wanted is None or b in wanted)


def run_adapter(framework: str, adapter: Any) -> list[Finding]:
    """Every probe on one adapter (every recipe of a :class:`.recipe.Recipes`). Frameworks' own warnings are not
    findings (a probe that cares records them)."""
    if isinstance(adapter, Recipes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return adapter.findings(framework)
    out = []
    kind = getattr(adapter, "KIND", "api")
    for topic, api, behaviour, probe in _probes(adapter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                found = probe(adapter)
            except NotImplementedError as error:  # the API lacks a parameter the probe needs
                found = Finding(NOT_APPLICABLE, str(error))
            except Exception as error:  # a probe that breaks is reported as such, not hidden
                found = Finding(ERROR, f"{type(error).__name__}: {error}"[:300])
        if found is not None:
            out.append(
                dataclasses.replace(found, framework=framework, api=api, behaviour=behaviour, topic=topic, kind=kind)
            )
    return out


def _missing(framework: Framework) -> str | None:
    return next((m for m in framework.requires if importlib.util.find_spec(m) is None), None)


def run_framework(framework: Framework) -> list[Finding]:
    """In this process: every adapter of ``framework`` (its packages must be importable)."""
    out = []
    for spec in framework.adapters:
        module, _, attr = spec.partition(":")
        out += run_adapter(framework.name, getattr(importlib.import_module(f"{__package__}.{module}"), attr))
    return out


def _start(framework: Framework) -> subprocess.Popen:
    env = {"OMP_NUM_THREADS": "1", **os.environ, **dict(framework.env)}  # tiny arrays: threads only contend
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", f"{__package__}.runner", framework.name]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(framework: Framework, process: subprocess.Popen, timeout: float) -> list[Finding]:
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return [
            Finding(
                ERROR, f"the subprocess took over {timeout:.0f} s", framework=framework.name, api="—", behaviour="all"
            )
        ]
    if process.returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or [f"exit status {process.returncode}"]
        return [
            Finding(
                ERROR, f"the subprocess failed: {tail[0]}"[:300], framework=framework.name, api="—", behaviour="all"
            )
        ]
    return [Finding.from_dict(row) for row in json.loads(stdout)]


def collect(names: Iterable[str] | None = None, timeout: float = 600.0) -> list[Finding]:
    """The findings for the named frameworks (default: all), subprocess ones run beside the in-process ones."""
    chosen = [FRAMEWORKS[n] for n in (names or FRAMEWORKS)]
    missing = {f.name: _missing(f) for f in chosen}
    started = {f.name: _start(f) for f in chosen if f.env and not missing[f.name]}
    out: list[Finding] = []
    for f in chosen:
        if missing[f.name]:
            out.append(
                Finding(
                    NOT_INSTALLED, f"{missing[f.name]} is not installed", framework=f.name, api="—", behaviour="all"
                )
            )
        elif f.name in started:
            out += _finish(f, started[f.name], timeout)
        else:
            out += run_framework(f)
    return out


if __name__ == "__main__":  # the subprocess side of collect()
    print(json.dumps([f.to_dict() for f in run_framework(FRAMEWORKS[sys.argv[1]])]))
