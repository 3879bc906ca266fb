"""``pip install regref`` without extras runs the main job: the newcomer's session of docs/protocol.md, run as
written in an empty folder, on the wheel built from this checkout — and a command that needs an extra names it.

The venv is genuinely bare: it holds the wheel, installed by pip (``--no-deps``), and exactly the wheel's core
dependencies — read from the wheel's own metadata and resolved recursively — made available by linking the
files this environment installed for them (with their console scripts), rather than downloading them again;
``pip check`` confirms it satisfies the wheel's requirements. No framework, matplotlib or scikit-learn is
importable there, so a command that needed one would fail. The setup takes a few seconds; the session's
three checks of the NumPy suite about 5 s each (2 cores).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib.metadata import Distribution, PackageNotFoundError, distribution, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from regref import __version__

REPO = Path(__file__).resolve().parents[1]


def _cannot_build() -> str:
    """Why this environment cannot build the wheel from the checkout ('' when it can: the `test` extra's setuptools)."""
    if not (REPO / ".git").exists():
        return "not a git checkout: no list of the files to build from"
    try:
        setuptools = version("setuptools")
    except PackageNotFoundError:
        return "setuptools is not installed (the `test` extra brings it)"
    return "" if int(setuptools.split(".")[0]) >= 77 else f"setuptools {setuptools} cannot build it (needs 77)"


pytestmark = pytest.mark.skipif(bool(_cannot_build()), reason=_cannot_build())
EXTRAS_ONLY = ("torch", "jax", "optax", "flax", "keras", "equinox", "matplotlib", "sklearn", "scipy", "triton")


def _checkout_copy(dest: Path) -> Path:
    """The files git would commit (tracked, or new and not ignored), copied: building leaves nothing in the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


def _pip(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300)


def _requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]


def _closure(requirements: list[str], found: dict[str, Distribution]) -> dict[str, Distribution]:
    """The installed distributions that ``requirements`` need without extras, recursively."""
    for text in requirements:
        req = Requirement(text)
        if (req.marker is not None and not req.marker.evaluate({"extra": ""})) or req.name.lower() in found:
            continue
        found[req.name.lower()] = dist = distribution(req.name)
        _closure(dist.requires or [], found)
    return found


def _link(dist: Distribution, site: Path, bin_dir: Path, python: Path) -> None:
    """``dist``'s installed files in ``site`` (by top-level entry) and its console scripts in ``bin_dir``."""
    for top in {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")} - {"__pycache__"}:
        (site / top).symlink_to(Path(str(dist.locate_file(top))))
    for ep in (ep for ep in dist.entry_points if ep.group == "console_scripts"):
        module, _, attr = ep.value.partition(":")
        script = bin_dir / ep.name
        script.write_text(f"#!{python}\nimport sys\nfrom {module} import {attr}\nsys.exit({attr}())\n")
        script.chmod(0o755)


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a shell with the bare install's venv activated (the repository not importable)."""
    root = tmp_path_factory.mktemp("install")
    source = _checkout_copy(root / "source")
    _pip("wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(root / "dist"), str(source))
    (wheel,) = (root / "dist").glob("regref-*.whl")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    bin_dir, python = env_dir / "bin", env_dir / "bin" / "python"
    site = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)}))
    for dist in _closure(_requirements(wheel), {}).values():
        _link(dist, site, bin_dir, python)
    _pip("--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel))
    _pip("--python", str(python), "check")  # every requirement of the wheel, and of its dependencies, is there
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "VIRTUAL_ENV": str(env_dir), "XDG_CACHE_HOME": str(root / "cache")}


def sh(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def session() -> list[tuple[str, list[str]]]:
    """(command, the output shown under it) for each ``$`` line of the session in docs/protocol.md."""
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n(.*?)```", text.split("<!-- session: newcomer -->", 1)[1], re.S).group(1)  # type: ignore[union-attr]
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def example_backend() -> str:
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text.split("<!-- example: my_backend.py -->", 1)[1], re.S).group(1)  # type: ignore[union-attr]


def _shown(line: str) -> re.Pattern[str]:
    """A documented output line as a pattern: spacing free, timings any."""
    timings = {r"\d+\.\d+s": r"\d+\.\d+s", r"\(\d+": r"\(\d+"}  # pytest's "in 3.47s", regref's "(4 s)"
    words = [next((p for t, p in timings.items() if re.fullmatch(t, w)), re.escape(w)) for w in line.split()]
    return re.compile(r"\s+".join(words))


def test_the_bare_install_has_no_extras_and_no_experiments_package(bare: dict[str, str], tmp_path: Path) -> None:
    probe = "import importlib.util, sys; print([m for m in sys.argv[1:] if importlib.util.find_spec(m)])"
    modules = [*EXTRAS_ONLY, "experiments", "regref", "numpy_ref", "conformance", "pytest"]
    result = sh(f"python -c '{probe}' {' '.join(modules)}", tmp_path, bare)
    assert result.stdout.strip() == "['regref', 'numpy_ref', 'conformance', 'pytest']", result.stderr


def test_the_newcomers_session_runs_as_documented(bare: dict[str, str], tmp_path: Path) -> None:
    steps = session()
    emulated = ["mkdir myport && cd myport", "python3 -m venv .venv && . .venv/bin/activate", "pip install regref"]
    assert [command for command, _ in steps[:3]] == emulated  # done by the fixture, with the wheel of this checkout
    folder = tmp_path / "myport"
    folder.mkdir()
    for command, shown in steps[3:]:
        if command == "cat > myport.py":
            (folder / "myport.py").write_text(example_backend())
            continue
        result = sh(command, folder, bare)
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        for line in (line for line in shown if line.strip() not in ("", "…")):
            assert _shown(line).search(result.stdout + result.stderr), f"{command}: no {line!r} in\n{result.stdout}"
    assert (folder / "report.md").read_text().startswith("# regref conformance (ci profile)")
    # nothing of regref's (no .hypothesis/): only Python's bytecode of myport and pytest's own cache
    assert sorted(p.name for p in folder.iterdir()) == [".pytest_cache", "__pycache__", "myport.py", "report.md"]


def test_the_version_is_the_packages(bare: dict[str, str], tmp_path: Path) -> None:
    assert sh("regref --version", tmp_path, bare).stdout == f"regref {__version__}\n"
    assert sh("python -m regref --version", tmp_path, bare).stdout == f"regref {__version__}\n"


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("regref demo weight-decay --plot wd.png", "demo"),
        ("regref demo dropout --epochs 1", "demo"),
        ("regref demo mc-dropout --backend jax", "jax"),
        ("regref check --backend torch", "torch"),
    ],
)
def test_a_command_that_needs_an_extra_names_it_in_one_line(
    bare: dict[str, str], tmp_path: Path, command: str, extra: str
) -> None:
    result = sh(command, tmp_path, bare)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.endswith(f"pip install 'regref[{extra}]'\n")
    assert list(tmp_path.iterdir()) == []


def test_the_weight_decay_demo_needs_no_extra(bare: dict[str, str], tmp_path: Path) -> None:
    result = sh("regref demo weight-decay --epochs 5", tmp_path, bare)
    assert result.returncode == 0, result.stderr
    assert "with λ = 3 the test loss ended at" in result.stdout


def test_the_environment_is_not_the_checkout(bare: dict[str, str], tmp_path: Path) -> None:
    where = sh("python -c 'import regref, conformance; print(regref.__file__, conformance.__file__)'", tmp_path, bare)
    assert str(REPO) not in where.stdout and os.path.join("site-packages", "regref") in where.stdout
