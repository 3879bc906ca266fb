"""A port is found where its author wrote it — a module in the current directory, a path to a ``.py`` file,
``package.module``, ``package.module:object`` — by ``pytest --pyargs conformance`` and by ``regref check``;
the protocol page's example backend passes the whole suite; a backend that does not load is reported
("cannot import", with its error), and a name that matches nothing is a usage error."""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, plugin_args, run_pytest

from conformance import locate
from conformance.backends import Backend, Unavailable, select

# What the `pytest` script does, which — unlike `python -m pytest` — does not put the working directory on sys.path.
PYTEST = [sys.executable, "-c", "import sys; sys.path.remove(''); import pytest; sys.exit(pytest.console_main())"]
PORTS = ("myport", "mine", "helper", "mypkg", "mypkg.backends", "hollow_port", "ghost_impl")


@pytest.fixture
def forget_ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test imports its own ports: none is left in ``sys.modules``, nor its folder on ``sys.path``."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in PORTS:
        sys.modules.pop(name, None)


def example_backend() -> str:
    """The python block after ``<!-- example: my_backend.py -->`` in docs/protocol.md."""
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    after = text.split("<!-- example: my_backend.py -->", 1)[1]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)  # type: ignore[union-attr]


def test_the_documented_backend_passes_from_any_directory(tmp_path: Path) -> None:
    (tmp_path / "my_backend.py").write_text(example_backend())
    result = run_pytest(["--pyargs", "conformance", "--backend", "my_backend", "-q"], cwd=tmp_path, path=(tmp_path,))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert re.search(r"\d{3} passed", result.stdout) and "failed" not in result.stdout
    assert "my-backend: my_backend; dtypes float16, bfloat16, float32, float64" in result.stdout


def _ports(tmp_path: Path) -> Path:
    """``work/myport.py``, ``work/ports/mine.py`` and the package ``work/mypkg`` (with ``backends.py``)."""
    work = tmp_path / "work"
    (work / "ports").mkdir(parents=True)
    (work / "mypkg").mkdir()
    (work / "myport.py").write_text(example_backend())
    (work / "ports" / "mine.py").write_text("from helper import *  # noqa: F403\n")  # a file beside it imports
    (work / "ports" / "helper.py").write_text(example_backend())
    (work / "mypkg" / "__init__.py").write_text("")
    public = "{k: v for k, v in globals().items() if not k.startswith('_')}"
    (work / "mypkg" / "backends.py").write_text(
        f"{example_backend()}\nimport types\nmine = types.SimpleNamespace(**{public})\n"
    )
    return work


@pytest.mark.parametrize("spec", ["myport", "./myport.py", "ports/mine.py", "mypkg.backends", "mypkg.backends:mine"])
def test_pytest_finds_the_port_where_it_is_written(tmp_path: Path, spec: str) -> None:
    """The ``pytest`` script, with nothing of the working directory on PYTHONPATH."""
    work = _ports(tmp_path)
    args = [*PYTEST, "-p", "no:cacheprovider", *plugin_args(), "--pyargs", "conformance.test_backend_protocol"]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [*args, "--backend", spec, "-q"], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"my-backend: \S+; dtypes", result.stdout)


@pytest.mark.parametrize("spec", ["myport", "./myport.py", "ports/mine.py", "mypkg.backends:mine"])
def test_regref_check_finds_the_port_where_it_is_written(
    tmp_path: Path, spec: str, monkeypatch: pytest.MonkeyPatch, forget_ports: None
) -> None:
    """As under the ``regref`` console script, whose sys.path holds its own folder, not the working directory."""
    monkeypatch.chdir(_ports(tmp_path))
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(Path.cwd()))])
    loaded = select([spec])[0]
    assert isinstance(loaded, Backend) and loaded.name == "my-backend", loaded


def test_a_port_that_fails_to_import_says_cannot_import_with_the_error(tmp_path: Path) -> None:
    (tmp_path / "broken_backend.py").write_text("import numpy_ref\nraise RuntimeError('half written')\n")
    (tmp_path / "needs_cupy.py").write_text("import regref_no_such_framework\n")
    args = ["--pyargs", "conformance.test_backend_protocol", "--backend=broken_backend", "--backend=needs_cupy"]
    result = run_pytest(args, cwd=tmp_path, path=(tmp_path,))
    assert result.returncode == 1
    assert "broken_backend: cannot import: RuntimeError: half written" in result.stdout
    no_module = "ModuleNotFoundError: No module named 'regref_no_such_framework'"
    assert f"needs_cupy: cannot import: {no_module}" in result.stdout
    assert len(re.findall(r"FAILED .*test_imports\[", result.stdout)) == 2


def test_a_name_that_matches_nothing_is_a_usage_error(tmp_path: Path) -> None:
    result = run_pytest(["--pyargs", "conformance.test_backend_protocol", "--backend=toch"], cwd=tmp_path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert (
        "no backend 'toch'" in result.stderr
        and "registered backends: jax, numpy, torch; did you mean 'torch'?" in result.stderr
    )


def test_backends_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "my_backend.py").write_text(example_backend())
    env = {"REGREF_BACKEND": "numpy, my_backend"}
    args = ["--pyargs", "conformance.test_backend_protocol", "-q"]
    result = run_pytest(args, cwd=tmp_path, path=(tmp_path,), env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "numpy: numpy;" in result.stdout and "my-backend: my_backend;" in result.stdout


def test_a_registered_backend_whose_framework_is_missing_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_ports: None
) -> None:
    monkeypatch.delenv("REGREF_BACKEND", raising=False)
    (tmp_path / "ghost_impl.py").write_text("import regref_no_such_framework\n")  # its framework is absent
    monkeypatch.syspath_prepend(str(tmp_path))
    registered = {"numpy": "numpy_ref", "ghost": "regref_ghost_backend", "ghostfw": "ghost_impl"}
    monkeypatch.setattr(locate, "_BUILTIN", registered)
    monkeypatch.setattr(locate, "EXTRAS", {"ghostfw": "ghostly"})
    chosen = {b.name: b for b in select()}
    assert isinstance(chosen["numpy"], Backend)
    for name in ("ghost", "ghostfw"):  # the backend's own package missing, or its framework
        assert isinstance(chosen[name], Unavailable)
        assert (chosen[name].reason, chosen[name].explicit) == ("not installed", False)
    missing = "No module named 'regref_no_such_framework'"
    assert chosen["ghostfw"].detail.endswith(f"{missing} (pip install 'regref[ghostly]')")


def test_an_empty_package_cannot_be_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_ports: None
) -> None:
    (tmp_path / "hollow_port").mkdir()
    monkeypatch.chdir(tmp_path)
    (hollow,) = select(["hollow_port"])
    assert isinstance(hollow, Unavailable) and hollow.reason == "cannot import" and "namespace package" in hollow.detail


def test_a_file_named_like_an_imported_module_is_refused(tmp_path: Path, forget_ports: None) -> None:
    (tmp_path / "numpy.py").write_text("")
    (shadow,) = select([str(tmp_path / "numpy.py")])
    assert isinstance(shadow, Unavailable) and shadow.reason == "cannot import"
    assert "a module named 'numpy' is already imported" in shadow.detail and "rename the file" in shadow.detail
