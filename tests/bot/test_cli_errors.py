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


# Only these decide the terminal's language; whatever the machine running the tests set is cleared.
_NO_LOCALE = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


def test_a_settings_error_is_said_in_the_terminals_language() -> None:
    bad = {**_NO_LOCALE, "FUNNELBOT_TOP_K": "veel", "FUNNELBOT_LANGUAGE": None}
    runner = CliRunner()

    dutch = runner.invoke(app, ["status"], env={**bad, "LANG": "nl_NL.UTF-8"})
    english = runner.invoke(app, ["status"], env={**bad, "LANG": "C.UTF-8"})

    assert (dutch.exit_code, dutch.stderr) == (
        2,
        "error: FUNNELBOT_TOP_K moet een geheel getal zijn, maar is 'veel'\n",
    )
    assert english.stderr == "error: FUNNELBOT_TOP_K must be a whole number, got 'veel'\n"


def test_a_bad_language_setting_is_said_in_the_environments_language() -> None:
    """The language comes from the environment alone: a FUNNELBOT_LANGUAGE the settings refuse
    is still reported in the terminal's language, and a good one is used without a terminal's."""
    runner = CliRunner()

    refused = runner.invoke(
        app, ["status"], env={**_NO_LOCALE, "LANG": "nl_NL.UTF-8", "FUNNELBOT_LANGUAGE": "de"}
    )
    configured = runner.invoke(
        app, ["status"], env={**_NO_LOCALE, "FUNNELBOT_LANGUAGE": "nl", "FUNNELBOT_CRM": "x"}
    )

    assert refused.stderr == "error: FUNNELBOT_LANGUAGE moet een van en, nl zijn, maar is 'de'\n"
    assert configured.stderr == (
        "error: FUNNELBOT_CRM moet hubspot of salesforce zijn, maar is 'x'\n"
    )
