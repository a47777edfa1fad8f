"""Admin commands ask who the caller is on every call: being admin once is not a pass."""

from __future__ import annotations

import time

import pytest

from bot.slack import admins, ids
from tests.bot.slack.conftest import SlackBot
from tests.slack_support import slash_command

REFUSED = "Only funnelbot admins"


def reindex_status(slack_bot: SlackBot, user: str) -> str:
    status, body, _ = slack_bot.sender.post(
        *slash_command(
            ids.REINDEX_COMMAND, "status", user_id=user, response_url=slack_bot.response_url()
        )
    )
    assert status == 200
    assert isinstance(body, dict)
    return str(body.get("text")) + str(body.get("blocks"))


@pytest.fixture
def boss(slack_bot: SlackBot) -> str:
    """A workspace admin, as Slack's users.info says."""
    slack_bot.fake.users["UBOSS"] = {"id": "UBOSS", "name": "boss", "is_admin": True}
    return "UBOSS"


def test_a_non_admin_is_refused_after_an_admin_ran_it_and_every_time(
    slack_bot: SlackBot, boss: str
) -> None:
    assert REFUSED not in reindex_status(slack_bot, boss)

    for _ in range(3):
        assert REFUSED in reindex_status(slack_bot, "U1")
    asked_about = [c.args["user"] for c in slack_bot.fake.calls_to("users.info")]
    assert asked_about == ["UBOSS", "U1"]  # Slack's answer is cached, the check is not skipped


def test_a_demoted_admin_is_refused_once_the_cached_verdict_expires(
    slack_bot: SlackBot, boss: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admins, "CACHE_SECONDS", 0.5)
    assert REFUSED not in reindex_status(slack_bot, boss)

    slack_bot.fake.users[boss]["is_admin"] = False
    time.sleep(0.6)

    assert REFUSED in reindex_status(slack_bot, boss)
    assert len(slack_bot.fake.calls_to("users.info")) == 2


def test_when_slack_cannot_say_the_caller_is_refused(slack_bot: SlackBot, boss: str) -> None:
    slack_bot.fake.on("users.info", {"ok": False, "error": "user_not_found"})
    assert REFUSED in reindex_status(slack_bot, boss)
