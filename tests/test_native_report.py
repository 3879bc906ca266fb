"""``regref check --native``'s plumbing: arguments (a list, or the caller's Namespace), what it writes (only where
``--output-dir`` says), the rejected suite options, the table folded to the terminal's width, frameworks that
are not installed or whose subprocess fails, the exit status — and that the README's tables are the
checked-in report's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from conformance.native import report, runner
from conformance.native.finding import AGREES, DIFFERS, ERROR, NOT_INSTALLED, Finding
from conformance.native.render import conventions_markdown, headline_markdown, to_markdown
from conformance.native.table import to_text
from regref import cli

ROOT = Path(__file__).resolve().parents[1]
ROWS = [
    Finding(
        AGREES, "coupled", "0 ULPs", framework="torch", api="optim.SGD [foreach]", behaviour="coupling", topic="SGD"
    ),
    Finding(AGREES, "coupled", "2 ULPs", framework="torch", api="optim.SGD [fused]", behaviour="coupling", topic="SGD"),
    Finding(
        DIFFERS,
        "x | y",
        "1 ULPs",
        "p=0.5",
        "got 1, want 2",
        framework="keras[jax]",
        api="layers.Dropout",
        behaviour="scale",
        topic="dropout",
    ),
]


def _checked_in() -> list[Finding]:
    document = json.loads((ROOT / "docs" / "framework-report.json").read_text(encoding="utf-8"))
    return [Finding.from_dict(row) for row in document["findings"]]


def test_a_run_writes_markdown_and_json_only_into_the_output_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    assert report.main(["--frameworks", "optax", "--output-dir", "out"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    document = json.loads((tmp_path / "out" / "framework-report.json").read_text(encoding="utf-8"))
    assert document["versions"]["optax"] not in ("", "not installed")
    assert {r["framework"] for r in document["findings"]} == {"optax", "regref"}  # the reference always runs
    assert all(
        r["verdict"] in ("agrees", "differs", "not applicable", "not measured") and r["observed"]
        for r in document["findings"]
    )
    assert all(r["smallest"] for r in document["findings"] if r["verdict"] == "differs")
    amsgrad = next(r for r in document["rows"] if (r["topic"], r["behaviour"]) == ("Adam", "amsgrad"))
    assert [g["members"] for g in amsgrad["groups"]] == [
        ["regref numpy_ref.adam_step"],
        ["optax add_decayed_weights → adam"],
    ]
    markdown = (tmp_path / "out" / "framework-report.md").read_text(encoding="utf-8")
    assert "## Headline: differences you meet through a framework's own API" in markdown and "### optax" in markdown
    assert "**weight_decay=0.0001**: optax adamw" in markdown
    assert "Adam · amsgrad" in capsys.readouterr().out


def test_without_an_output_dir_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "collect", lambda names: ROWS)
    monkeypatch.chdir(tmp_path)
    assert report.main(["--format", "json"]) == 0
    assert cli.main(["check", "--native"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_the_suites_options_are_rejected_by_name(capsys: pytest.CaptureFixture) -> None:
    assert report.main(["--backend", "torch"]) == 2
    assert "--backend select(s) what the conformance suite runs" in capsys.readouterr().err
    assert report.main(["--profile", "deep"]) == 2
    assert report.main(argparse.Namespace(backend=["numpy"], profile="ci")) == 2
    assert "choose them with --frameworks (torch, optax, flax" in capsys.readouterr().err


def test_the_terminal_table_fits_its_width() -> None:
    findings = _checked_in()
    for width in (60, 80, 120):
        text = to_text(findings, width, "summary")
        assert max(cell_len(line) for line in text.splitlines()) <= width, width  # columns, not code points
        assert "who agrees with whom" in text and text.rstrip().endswith("summary")


def test_a_framework_that_is_not_installed_is_a_row_not_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = runner.Framework("ghost", ("regref_no_such_package",), ("equinox_dropout:dropout_layer",))
    monkeypatch.setitem(runner.FRAMEWORKS, "ghost", ghost)
    (row,) = runner.collect(["ghost"])
    assert (row.framework, row.verdict, row.observed) == (
        "ghost",
        NOT_INSTALLED,
        "regref_no_such_package is not installed",
    )
    assert "|  | `—` | all | not installed | regref_no_such_package is not installed |" in to_markdown([row], {}, "t")


def test_a_subprocess_that_fails_is_reported_as_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = runner.Framework("broken", ("numpy",), ("no_such_module:x",), (("KERAS_BACKEND", "jax"),))
    monkeypatch.setitem(runner.FRAMEWORKS, "broken", broken)
    (row,) = runner.collect(["broken"])
    assert row.verdict == ERROR and row.observed.startswith("the subprocess failed: KeyError")


def test_a_namespace_from_the_caller_is_accepted_and_errors_set_the_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boom = Finding(ERROR, "boom", framework="torch", api="x", behaviour="y", topic="SGD")
    monkeypatch.setattr(report, "collect", lambda names: [*ROWS, boom])
    args = argparse.Namespace(native=True, backend=[], profile="ci", format="json", output=tmp_path / "out.json")
    assert report.main(args) == 1
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["findings"][-1]["observed"] == "boom"


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert report.main(["--frameworks", "tensorflow"]) == 2
    assert "unknown framework(s) tensorflow" in capsys.readouterr().err
    assert report.main(["--format", "yaml"]) == 2


def test_pipes_are_escaped_and_bit_identical_implementations_share_a_detail_row() -> None:
    same = Finding(
        AGREES,
        "coupled",
        "0 ULPs",
        framework="torch",
        api="optim.SGD [single-tensor]",
        behaviour="coupling",
        topic="SGD",
        digest="d",
    )
    markdown = to_markdown([same, Finding.from_dict({**same.to_dict(), "api": "optim.SGD [foreach]"}), *ROWS], {}, "t")
    assert "| SGD | `optim.SGD [single-tensor, foreach]` | coupling |" in markdown
    assert "| x \\| y |" in markdown


def test_the_readme_shows_the_checked_in_reports_headline_and_conventions() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    findings = _checked_in()
    headline = headline_markdown(findings, separations=False)
    assert headline in readme, "README's headline table is not docs/framework-report.json's"
    assert conventions_markdown(findings) in readme, "README's conventions table is not docs/framework-report.json's"
