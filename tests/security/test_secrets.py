"""Tokens and the signing secret never leave the settings object: not into a log line at
DEBUG (ours or the Slack libraries'), an error message or the database."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.settings import Settings, SettingsError
from bot.slack import ids
from bot.slack.client import make_web_client
from content_store.models import Base
from tests.bot.slack.conftest import SIGNING_SECRET, SlackBot
from tests.bot.slack.helpers import button_value, valid_blocks
from tests.slack_support import (
    FakeSlack,
    app_mention,
    block_actions,
    event_callback,
    slash_command,
)

BOT_TOKEN = "xoxb-1111-2222-S3cr3tB0tT0kenValue"
APP_TOKEN = "xapp-1-A1-3333-S3cr3tAppT0kenValue"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "S3cr3t")


@pytest.fixture
def slack_settings(tmp_path: Path, database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
    )


def assert_secret_free(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret[:8]}… found in {where}: {text[:300]}"


def test_no_secret_in_debug_logs_errors_or_the_database(
    slack_bot: SlackBot, all_logs: pytest.LogCaptureFixture
) -> None:
    fake, send = slack_bot.fake, slack_bot.sender.post
    # A slash command, a button click on its answer, a mention, a rate-limited and a failed
    # Slack call, a forged request and an admin check: every path that talks to Slack.
    send(*slash_command(ids.CONTENT_COMMAND, "SOC 2", response_url=slack_bot.response_url("a")))
    [answer] = fake.wait_for("response_url")
    value = button_value(valid_blocks(answer), ids.USEFUL)
    send(*block_actions(ids.USEFUL, value, response_url=slack_bot.response_url("b")))
    fake.wait_for("response_url", count=2)
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    send(*event_callback(app_mention("<@UBOT> pricing", user="U1", channel="C9", ts="1.1")))
    fake.wait_for("chat.postMessage", timeout=10)
    fake.on("chat.postMessage", {"ok": False, "error": "invalid_auth"})
    event = app_mention("<@UBOT> battlecard", user="U1", channel="C9", ts="2.2")
    send(*event_callback(event, event_id="Ev2"))
    fake.wait_for("chat.postMessage", count=3, timeout=10)
    send(b"token=x", "application/x-www-form-urlencoded", bad_signature=True)
    send(*slash_command(ids.REINDEX_COMMAND, "", response_url=slack_bot.response_url("c")))
    try:
        make_web_client(slack_bot.services.settings).chat_postMessage(channel="C1", text="x")
    except SlackApiError as error:
        assert_secret_free(str(error), "a SlackApiError")
        assert_secret_free(repr(error.response), "a SlackApiError's response")
    else:
        raise AssertionError("the failing chat.postMessage did not fail")

    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = all_logs.records
    assert any(r.name.startswith("slack_sdk") and r.levelno == logging.DEBUG for r in records)
    assert any(r.exc_info for r in records)  # the failed post was logged with its traceback
    for record in records:
        assert_secret_free(formatter.format(record), f"a log record of {record.name}")
    with slack_bot.services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                assert_secret_free(repr(tuple(row)), f"table {table.name}")


def test_settings_never_show_their_secrets(slack_settings: Settings) -> None:
    assert_secret_free(repr(slack_settings), "repr(Settings)")
    assert_secret_free(str(slack_settings), "str(Settings)")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"slack_bot_token": "xoxp-S3cr3tUserToken"}, "SLACK_BOT_TOKEN is malformed"),
        ({"slack_bot_token": " S3cr3t"}, "SLACK_BOT_TOKEN is malformed"),
        ({"slack_signing_secret": "S3cr3t-not-hex-at-all"}, "SLACK_SIGNING_SECRET is malformed"),
        ({"slack_signing_secret": "abc"}, "SLACK_SIGNING_SECRET is malformed"),
        ({"slack_signing_secret": None}, "SLACK_SIGNING_SECRET is not set"),
    ],
)
def test_a_malformed_secret_is_named_but_never_echoed(
    slack_settings: Settings, changes: dict[str, str | None], named: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        replace(slack_settings, **changes).require_slack(socket_mode=False)
    assert named in str(raised.value)
    assert_secret_free(str(raised.value), "the settings error")


@pytest.mark.parametrize(
    ("app_token", "named"),
    [
        ("xoxb-S3cr3tWrongKind", "SLACK_APP_TOKEN is malformed"),
        ("", "SLACK_APP_TOKEN is not set"),
    ],
)
def test_socket_mode_refuses_to_start_with_a_bad_app_token_naming_it(
    tmp_path: Path, app_token: str, named: str
) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["serve"],
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": app_token,
            "FUNNELBOT_HOME": str(tmp_path),
        },
    )
    assert result.exit_code == 2
    assert named in result.output
    assert_secret_free(result.output, "the start-up error")
