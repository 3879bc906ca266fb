"""``regref check --native``'s plumbing: arguments (a list, or the caller's Namespace), the Markdown and JSON it
writes, frameworks that are not installed or whose subprocess fails, and the exit status."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from conformance.native import report, runner
from conformance.native.finding import AGREES, DIFFERS, ERROR, NOT_INSTALLED, Finding
from conformance.native.render import merged, to_markdown
from regref import cli

ROWS = [
    Finding(AGREES, "coupled", "0 ULPs", framework="torch", api="optim.SGD [foreach]", behaviour="coupling"),
    Finding(AGREES, "coupled", "2 ULPs", framework="torch", api="optim.SGD [fused]", behaviour="coupling"),
    Finding(
        DIFFERS, "x | y", "1 ULPs", "p=0.5", "got 1, want 2", framework="torch", api="nn.Dropout", behaviour="scale"
    ),
]


def test_a_run_writes_markdown_and_json_with_versions_and_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert report.main(["--frameworks", "optax", "--output-dir", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "framework-report.json").read_text(encoding="utf-8"))
    assert document["versions"]["optax"] not in ("", "not installed")
    rows = document["findings"]
    assert rows and {r["framework"] for r in rows} == {"optax"}
    assert all(r["verdict"] in ("agrees", "differs", "not applicable") and r["observed"] for r in rows)
    assert all(r["smallest"] for r in rows if r["verdict"] == "differs")
    markdown = (tmp_path / "framework-report.md").read_text(encoding="utf-8")
    assert "## Headline differences" in markdown and "## optax" in markdown
    assert "| optax `adamw` | defaults | differs | weight_decay=0.0001 (reference 0.01) |" in markdown
    assert "coupled or decoupled decay" in capsys.readouterr().out


def test_a_framework_that_is_not_installed_is_a_row_not_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = runner.Framework("ghost", ("regref_no_such_package",), ("equinox_dropout:dropout_layer",))
    monkeypatch.setitem(runner.FRAMEWORKS, "ghost", ghost)
    (row,) = runner.collect(["ghost"])
    assert (row.framework, row.verdict, row.observed) == (
        "ghost",
        NOT_INSTALLED,
        "regref_no_such_package is not installed",
    )
    assert "| `—` | all | not installed | regref_no_such_package is not installed |" in to_markdown([row], {}, "test")


def test_a_subprocess_that_fails_is_reported_as_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = runner.Framework("broken", ("numpy",), ("no_such_module:x",), (("KERAS_BACKEND", "jax"),))
    monkeypatch.setitem(runner.FRAMEWORKS, "broken", broken)
    (row,) = runner.collect(["broken"])
    assert row.verdict == ERROR and row.observed.startswith("the subprocess failed: KeyError")


def test_a_namespace_from_the_caller_is_accepted_and_errors_set_the_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        report, "collect", lambda names: [*ROWS, Finding(ERROR, "boom", framework="torch", api="x", behaviour="y")]
    )
    args = argparse.Namespace(
        native=True, backend=[], profile="ci", format="json", output=tmp_path / "out.json", output_dir=tmp_path
    )
    assert report.main(args) == 1
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["findings"][-1]["observed"] == "boom"


def test_regref_check_native_goes_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "collect", lambda names: ROWS)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--native", "--format", "markdown", "--output", "report.md"]) == 0
    assert "## torch" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "framework-report.json").exists()


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert report.main(["--frameworks", "tensorflow"]) == 2
    assert "unknown framework(s) tensorflow" in capsys.readouterr().err
    assert report.main(["--format", "yaml"]) == 2


def test_implementations_that_measured_the_same_share_a_row_and_pipes_are_escaped() -> None:
    rows = merged(ROWS)
    assert [r.api for r in rows] == ["optim.SGD [foreach, fused]", "nn.Dropout"]
    assert rows[0].error == "2 ULPs"
    assert "| x \\| y |" in to_markdown(ROWS, {}, "test")
