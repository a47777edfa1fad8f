"""Slack's redelivery of one event to two server processes is answered once."""

from __future__ import annotations

import time

from benchmarks.serving import SECRET, serve_http
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import recommendations
from tests.slack_support import SlackSender, app_mention, event_callback


def test_the_same_event_sent_to_two_processes_is_answered_once(slack_bot: SlackBot) -> None:
    settings = slack_bot.services.settings
    event = app_mention(
        "<@UBOT> prospect asked for our SOC 2 report", user="U1", channel="C7", ts="1700000200.0001"
    )
    body = event_callback(event, event_id="EvTwice")
    with serve_http(
        home=settings.home.parent / "second-home",
        slack_api_url=slack_bot.fake.base_url,
        database_url=settings.database_url,
    ) as other:
        other_sender = SlackSender(other.url + "/slack/events", SECRET)

        first = slack_bot.sender.post(*body)[0]
        second = other_sender.post(*body, retry_num=1)[0]
        third = other_sender.post(*body, retry_num=2)[0]

        assert (first, second, third) == (200, 200, 200)
        slack_bot.fake.wait_for("chat.postMessage")
        time.sleep(2.0)  # time enough for a wrongly accepted copy to post
    assert len(slack_bot.fake.calls_to("chat.postMessage")) == 1
    assert len(recommendations(slack_bot.services)) == 1
