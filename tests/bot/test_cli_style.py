"""How the command line reads: help and output piped, one error style, --version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from bot.cli import app

ROOT = Path(__file__).resolve().parents[2]


def funnelbot(*args: str, columns: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """`funnelbot ARGS | cat`: the real console entry point, its output a pipe, not a terminal."""
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    if columns is not None:
        environ["COLUMNS"] = columns
    environ.update(env)
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=60,
    )


def _command_at(command_path: list[str]) -> Any:
    command = typer.main.get_command(app)
    for name in command_path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def _help_texts(command_path: list[str]) -> list[str]:
    """Each option's help and, for a group, each command's summary: what must fit on a line."""
    command = _command_at(command_path)
    texts = [p.help for p in command.params if getattr(p, "help", None)]
    for sub in getattr(command, "commands", {}).values():
        texts.append((sub.help or "").split("\n\n")[0].strip())
    return texts


@pytest.mark.parametrize("columns", [None, "80"])
@pytest.mark.parametrize("command_path", [[], ["ask"]])
def test_help_piped_shows_no_bool_and_wraps_no_line(
    command_path: list[str], columns: str | None
) -> None:
    result = funnelbot(*command_path, "--help", columns=columns)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "<bool>" not in result.stdout
    assert "{question}" not in result.stdout
    assert all(len(line) <= 80 for line in lines)
    for text in _help_texts(command_path):
        assert text, "every option and command is described"
        assert any(text in line for line in lines), f"wrapped over lines: {text!r}"
    if command_path == ["ask"]:
        assert "Usage: funnelbot ask [OPTIONS] QUESTION" in result.stdout


def _command_paths(command: Any, path: list[str]) -> list[list[str]]:
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, [*path, name])
    return paths


@pytest.mark.parametrize(
    "command_path",
    _command_paths(typer.main.get_command(app), []),
    ids=lambda path: " ".join(path) or "funnelbot",
)
def test_every_line_of_a_commands_description_shows_whole_at_80_columns(
    command_path: list[str],
) -> None:
    command = _command_at(command_path)
    shown = CliRunner().invoke(app, [*command_path, "--help"], env={"COLUMNS": "80"})

    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    for line in (command.help or "").splitlines():
        if line.strip():
            assert any(line.strip() in out for out in lines), f"wrapped: {line.strip()!r}"


def test_every_option_is_described() -> None:
    def walk(command) -> list[str]:
        missing = [
            f"{command.name} {p.name}"
            for p in command.params
            if isinstance(p, typer.core.TyperOption) and not p.help
        ]
        for sub in getattr(command, "commands", {}).values():
            missing += walk(sub)
        return missing

    assert walk(typer.main.get_command(app)) == []


def test_version() -> None:
    result = funnelbot("--version")

    assert result.returncode == 0
    assert result.stdout.startswith("funnelbot ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask"], "error: Missing argument 'QUESTION'."),
        (["ask", "-k", "20", "x"], "error: Invalid value for '-k'"),
        (["no-such-command"], "error: No such command 'no-such-command'."),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(args: list[str], message: str) -> None:
    result = funnelbot(*args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "╭" not in result.stderr
