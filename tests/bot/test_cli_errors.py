"""The CLI turns any FunnelbotError a command lets through into one line and its exit code."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import bot.cli
from bot.cli import app
from content_store.errors import BusyError, FunnelbotError, InputError, UnavailableError


@pytest.mark.parametrize(
    ("kind", "code"),
    [(InputError, 2), (UnavailableError, 1), (BusyError, 1), (FunnelbotError, 1)],
)
def test_each_kind_is_one_error_line_with_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, kind: type[FunnelbotError], code: int
) -> None:
    def refuse() -> None:
        raise kind("the [crm] section is wrong: fix it")  # brackets are text, not markup

    monkeypatch.setattr(bot.cli, "_settings", refuse)
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == code
    assert result.stderr == "error: the [crm] section is wrong: fix it\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_subcommand_groups_errors_go_through_the_same_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def away() -> None:
        raise UnavailableError("the database did not answer: try again later")

    monkeypatch.setattr(bot.cli, "_services", away)
    result = CliRunner().invoke(app, ["sources", "remove", "content"])
    assert (result.exit_code, result.stderr) == (
        1,
        "error: the database did not answer: try again later\n",
    )
