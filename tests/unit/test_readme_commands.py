"""Every `nubo` command line and `nubo up` option the README shows is accepted by the CLI.

The README is read as written: inline code that starts with `nubo `, `./scripts/up.sh` (its
arguments go to `nubo up`) or `--` (an option of `nubo up`, the only command with options
documented there), and the lines of its shell blocks. Each is parsed by the real click
command (no cloud is started: tests/e2e/test_readme_quickstart.py runs the quick start).
"""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from nubo.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
#: the README's placeholders, with a value of their kind
PLACEHOLDERS = {"DIR": "/tmp/nubo-readme", "URL": "http://127.0.0.1:8880", "PW": "secret",
                "N": "2", "FILE": "/tmp/nubo-readme.file"}


def _spans(text: str) -> list[str]:
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    for block in re.findall(r"```(?:sh)?\n(.*?)```", text, flags=re.S):
        spans += [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [s for s in spans if s]


def _choices(token: str) -> list[list[str]]:
    if re.fullmatch(r"\{[^}]+\}", token):         # one of them
        return [[c] for c in token[1:-1].split(",")]
    if re.fullmatch(r"\[[^]]+\]", token):         # optional: without it and with it
        return [[], token[1:-1].split()]
    return [[token]]


def _alternatives(tokens: list[str]) -> list[list[str]]:
    """`--virt {auto,libvirt,fake}` is three command lines, `--to FILE [--include-disks]` two."""
    return [[t for part in c for t in part]
            for c in itertools.product(*(_choices(t) for t in tokens))]


def readme_command_lines() -> list[list[str]]:
    """The argv (after `nubo`) of every command line and option the README shows."""
    out: list[list[str]] = []
    for span in _spans(README.read_text()):
        tokens = shlex.split(span)
        if tokens[0] in ("nubo", ".venv/bin/nubo") and len(tokens) > 1:   # not the cloud `nubo`
            args = tokens[1:]
        elif tokens[0] in ("./scripts/up.sh", "scripts/up.sh"):
            args = ["up", *tokens[1:]]
        elif tokens[0].startswith("--"):
            args = ["up", *tokens]
        else:
            continue
        for alt in _alternatives([PLACEHOLDERS.get(t, t) for t in args]):
            if alt not in out:
                out.append(alt)
    return out


def _resolve(argv: list[str]) -> tuple[Any, list[str], list[str]]:
    """The click command (typer's own copy of click) a command line names, and its args."""
    cmd: Any = typer.main.get_command(app)
    path: list[str] = []
    while hasattr(cmd, "commands") and argv and not argv[0].startswith("-"):
        sub = cmd.commands.get(argv[0])
        assert sub is not None, f"`nubo {' '.join(path + argv)}`: no command {argv[0]!r}"
        cmd, path, argv = sub, [*path, argv[0]], argv[1:]
    return cmd, path, argv


def _with_values(cmd: Any, argv: list[str]) -> list[str]:
    """A bare option the README names alone (`--host`) gets a sample value to parse."""
    out: list[str] = []
    for i, tok in enumerate(argv):
        out.append(tok)
        opt = next((p for p in cmd.params if tok in getattr(p, "opts", ())), None)
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if opt is not None and not opt.is_flag and (nxt is None or nxt.startswith("--")):
            kind = getattr(opt.type_descriptor, "annotation", None)
            out.append("1" if kind is int else "x")
    return out


LINES = readme_command_lines()


def test_the_readme_shows_the_commands_this_test_checks() -> None:
    shown = {" ".join(a) for a in LINES}
    assert "up --virt fake --fake-hosts 2" in shown
    assert {"db upgrade", "keys rotate", "image build-test", "up --no-test-image"} <= shown


@pytest.mark.parametrize("argv", LINES, ids=[" ".join(a) for a in LINES])
def test_readme_command_line_is_accepted(argv: list[str]) -> None:
    cmd, path, args = _resolve(argv)
    args = _with_values(cmd, args)
    # the parser accepts every option (an unknown one fails before --help is acted on)
    result = CliRunner().invoke(app, [*path, *args, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"`nubo {' '.join(argv)}` is refused:\n{result.output}"
    for tok in args:
        if tok.startswith("--"):
            assert tok.split("=", 1)[0] in result.output, f"{tok} not in its --help"
    # and converts every value (types, ranges) as a real run would
    try:
        cmd.make_context(" ".join(["nubo", *path]), list(args)).close()
    except Exception as exc:  # noqa: BLE001 - typer's own copy of click's UsageError
        pytest.fail(f"`nubo {' '.join(argv)}` is refused: {exc}")
