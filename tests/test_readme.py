"""The README's Python examples run as written (they carry their own assertions); its two commands are where
``.ci/run`` looks for them; every ``regref`` command the README and docs/protocol.md show parses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from regref.check import _parser as check_parser
from regref.demos.cli import build_parser as demo_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_examples():
    assert BLOCKS


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(source):
    exec(compile(source, str(README), "exec"), {})


def test_the_two_commands_are_marked_for_ci():
    text = README.read_text(encoding="utf-8")
    for marker in ("<!-- ci:install -->", "<!-- ci:test -->"):
        assert re.search(re.escape(marker) + r"\n```sh\n.+\n```", text), marker
    install = text.split("<!-- ci:install -->")[1].split("```sh\n")[1].split("\n```")[0]
    assert install.endswith("regref check")  # the main job runs right after the install


def _documented_commands() -> list[str]:
    """Every ``regref …`` line of the sh blocks, and every ``$ regref …`` line of the console blocks."""
    commands = []
    for path in (README, ROOT / "docs" / "protocol.md"):
        text = path.read_text(encoding="utf-8")
        for kind, block in re.findall(r"```(sh|console)\n(.*?)```", text, flags=re.S):
            for line in block.splitlines():
                if kind == "console" and not line.startswith("$ "):
                    continue  # output
                line = line.removeprefix("$ ").split("  #")[0].strip()
                if line.startswith("regref "):
                    commands.append(line)
    return commands


@pytest.mark.parametrize("command", _documented_commands())
def test_documented_commands_parse(command):
    args = shlex.split(command)[1:]
    ours = args[: args.index("--")] if "--" in args else args
    if ours[0] == "demo":
        demo_parser().parse_args(ours[1:])
    elif ours[0] == "check" and "--native" not in ours:
        check_parser().parse_args(ours[1:])
    else:
        assert ours in (["--version"], ["check", "--native"]), command
