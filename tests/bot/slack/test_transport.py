"""Only Slack gets in; Slack's faults are retried and nothing is answered or logged twice."""

from __future__ import annotations

import http.client
import time

import pytest

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import recommendations, valid_blocks
from tests.slack_support import app_mention, event_callback, slash_command

SOC2 = "prospect asked for our SOC 2 report"


def _content(slack_bot: SlackBot) -> tuple[bytes, str]:
    return slash_command(ids.CONTENT_COMMAND, SOC2, response_url=slack_bot.response_url())


@pytest.mark.parametrize(
    "tamper",
    [
        {"bad_signature": True},
        {"timestamp": int(time.time()) - 6 * 60},  # replayed: older than 5 minutes
        {"headers": {"X-Slack-Signature": ""}},
    ],
    ids=["wrong-signature", "stale-timestamp", "missing-signature"],
)
def test_unsigned_or_stale_requests_get_401_and_have_no_effect(
    slack_bot: SlackBot, tamper: dict
) -> None:
    status, _, _ = slack_bot.sender.post(*_content(slack_bot), **tamper)

    assert status == 401
    time.sleep(0.5)
    assert slack_bot.fake.calls == []
    assert recommendations(slack_bot.services) == []


def test_oversized_body_is_refused_before_it_is_read(slack_bot: SlackBot) -> None:
    host, port = slack_bot.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.putrequest("POST", "/slack/events")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", "5000000")
    connection.endheaders()  # the body is never sent: the answer must not wait for it

    response = connection.getresponse()

    assert response.status == 413
    connection.close()
    assert recommendations(slack_bot.services) == []


def test_rate_limited_answer_is_retried_delivered_and_logged_once(slack_bot: SlackBot) -> None:
    slack_bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    event = app_mention(f"<@UBOT> {SOC2}", user="U1", channel="C9", ts="1700000100.000100")

    slack_bot.sender.post(*event_callback(event, event_id="Ev429"))

    [post] = slack_bot.fake.wait_for("chat.postMessage", timeout=10)
    valid_blocks(post)
    assert [f.method for f in slack_bot.fake.faulted] == ["chat.postMessage"]
    assert len(recommendations(slack_bot.services)) == 1


def test_server_error_and_dropped_connection_are_retried(slack_bot: SlackBot) -> None:
    slack_bot.fake.fail_next("response_url", status=500)
    slack_bot.fake.drop_next("response_url")

    slack_bot.sender.post(*_content(slack_bot))

    [reply] = slack_bot.fake.wait_for("response_url", timeout=15)
    valid_blocks(reply)
    assert len(slack_bot.fake.faulted) == 2
    assert len(recommendations(slack_bot.services)) == 1


def test_commands_are_acknowledged_fast_even_while_answers_run(slack_bot: SlackBot) -> None:
    timings = []
    for n in range(5):
        status, _, elapsed = slack_bot.sender.post(
            *slash_command(
                ids.CONTENT_COMMAND, f"{SOC2} #{n}", response_url=slack_bot.response_url(str(n))
            )
        )
        assert status == 200
        timings.append(elapsed)
    slack_bot.fake.wait_for("response_url", count=5, timeout=15)
    assert max(timings) < 3.0
    assert len(recommendations(slack_bot.services)) == 5
