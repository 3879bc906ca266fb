"""The protocol page's example backend, copied out of the repository, passes the whole suite when run as
``pytest --pyargs conformance --backend my_backend`` from its own directory; backends are also chosen
by ``REGREF_BACKEND``, and one that does not load is reported rather than dropped."""

import re
from pathlib import Path

import pytest
from conftest import REPO, run_pytest

from conformance import backends
from conformance.backends import Backend, Unavailable, select


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


def test_backends_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "my_backend.py").write_text(example_backend())
    env = {"REGREF_BACKEND": "numpy, my_backend"}
    args = ["--pyargs", "conformance.test_backend_protocol", "-q"]
    result = run_pytest(args, cwd=tmp_path, path=(tmp_path,), env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "numpy: numpy;" in result.stdout and "my-backend: my_backend;" in result.stdout


def test_a_backend_that_does_not_load_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken_backend.py").write_text("import numpy_ref\nraise RuntimeError('half written')\n")
    args = ["--pyargs", "conformance.test_backend_protocol", "--backend=broken_backend", "--backend=no_such_module"]
    result = run_pytest(args, cwd=tmp_path, path=(tmp_path,))
    assert result.returncode == 1
    assert "broken_backend: import error: RuntimeError: half written" in result.stdout
    assert "no_such_module: not installed: ModuleNotFoundError: No module named 'no_such_module'" in result.stdout
    assert len(re.findall(r"FAILED .*test_imports\[", result.stdout)) == 2


def test_discovered_backends_that_are_not_installed_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGREF_BACKEND", raising=False)
    monkeypatch.setattr(backends, "_BUILTIN", {"numpy": "numpy_ref", "ghost": "regref_ghost_backend"})
    chosen = {b.name: b for b in select()}
    assert isinstance(chosen["numpy"], Backend)
    ghost = chosen["ghost"]
    assert isinstance(ghost, Unavailable) and (ghost.reason, ghost.explicit) == ("not installed", False)


def test_an_empty_package_is_an_import_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hollow_port").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    (hollow,) = select(["hollow_port"])
    assert isinstance(hollow, Unavailable) and hollow.reason == "import error" and "namespace package" in hollow.detail
