"""The ``regref`` package and command: one version, ``python -m regref`` from the checkout, ``python -m
conformance`` kept as an alias, one-line usage errors, and each command importing only what it needs."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

import regref
from regref.cli import main

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]


def python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The interpreter with only the checkout importable (as on the GPU machines, which do not install it)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cwd / "cache")}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_one_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "regref.__version__"}


def test_the_installed_metadata_carries_it() -> None:
    try:
        installed = version("regref")
    except PackageNotFoundError:
        pytest.skip("regref runs from the checkout without being installed (as on the GPU machines)")
    assert installed == regref.__version__


@pytest.mark.parametrize("module", ["regref", "conformance"])
def test_python_dash_m_from_the_checkout(module: str) -> None:
    assert python("-m", module, "--version").stdout == f"regref {regref.__version__}\n"


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    assert capsys.readouterr().err == "regref: error: a command is required: check or demo (regref --help)\n"
    assert main(["chek"]) == 2
    assert (
        capsys.readouterr().err
        == "regref: error: unknown command 'chek' (choose from check, demo); did you mean 'check'?\n"
    )
    assert main(["--frobnicate"]) == 2
    assert capsys.readouterr().err == "regref: error: unrecognized arguments: --frobnicate\n"
    assert main(["--help"]) == 0
    assert "{check,demo}" in capsys.readouterr().out


IMPORTED = (
    "import sys; from regref.cli import main; main(sys.argv[1:]); print(sorted({m.split('.')[0] for m in sys.modules}))"
)


def test_demo_never_loads_the_suite(tmp_path: Path) -> None:
    result = python("-c", IMPORTED, "demo", "weight-decay", "--epochs", "1", cwd=tmp_path)
    loaded = result.stdout.splitlines()[-1]
    assert "'numpy_ref'" in loaded and "'pytest'" not in loaded and "'hypothesis'" not in loaded
    assert "'conformance'" not in loaded and "'torch'" not in loaded and "'matplotlib'" not in loaded


def test_checking_the_reference_loads_no_framework(tmp_path: Path) -> None:
    result = python("-c", IMPORTED, "check", "--backend", "numpy", "--", "-k", "protocol or errors", cwd=tmp_path)
    loaded = result.stdout.splitlines()[-1]
    assert "all checks pass" in result.stdout and "'pytest'" in loaded
    assert not {"'torch'", "'jax'", "'matplotlib'", "'sklearn'", "'scipy'"} & set(loaded.strip("[]").split(", "))


#: regref.demos, bottom up: a module imports only from layers below its own (lazy imports in functions too).
LAYERS = (
    ("idx", "sampling", "backends", "console"),
    ("datasets",),
    ("linreg", "classifier", "uncertainty"),
    ("plotting",),
    ("weight_decay", "dropout", "mc_dropout"),
    ("cli",),
)


def test_the_demos_import_in_one_direction() -> None:
    layer = {name: i for i, names in enumerate(LAYERS) for name in names}
    demos = ROOT / "regref" / "demos"
    assert set(layer) == {p.stem for p in demos.glob("*.py")} - {"__init__"}
    upward = []
    for path in demos.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [alias.name for alias in node.names]
                upward += [(path.stem, t) for t in targets if layer[t] >= layer.get(path.stem, -1)]
    assert not upward, f"imports against the layering: {upward}"


def test_nothing_refers_to_files_outside_the_repository() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=False,
    ).stdout.decode()  # fmt: skip
    if not listed:
        pytest.skip("not a git checkout: no list of the repository's files")
    outside = re.compile(r"shared/reference|/work/|\.\./\.\./")
    offenders = [
        name
        for name in filter(None, listed.split("\0"))
        if name != "tests/test_front_door.py"  # this test spells the patterns out
        and (ROOT / name).suffix in (".py", ".md", ".toml", ".sh", "") and (ROOT / name).is_file()
        and outside.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))
    ]  # fmt: skip
    assert not offenders
