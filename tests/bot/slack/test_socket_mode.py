"""`funnelbot serve` in Socket Mode, as an operator runs it, against a fake Socket Mode endpoint:
commands, events and actions arrive as envelopes and are acked; the app reconnects after the
socket drops, and a `disconnect` refresh loses no envelope."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from bot.settings import Settings
from bot.slack import ids
from index.embedder import Embedder
from tests.bot.slack.helpers import button_value
from tests.conftest import SampleTemplate, start_ingested
from tests.slack_support import (
    BOT_TOKEN,
    FakeSlack,
    app_mention,
    block_actions,
    event_callback,
    slash_command,
)
from tests.slack_support.socket_mode import APP_TOKEN, FakeSocketMode


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode(fake_slack) as fake_socket:
        yield fake_socket


@pytest.fixture
def served(
    slack_settings: Settings,
    embedder: Embedder,
    fake_slack: FakeSlack,
    sample_template: SampleTemplate,
    socket_mode: FakeSocketMode,
) -> Iterator[subprocess.Popen[bytes]]:
    services = start_ingested(slack_settings, embedder, sample_template)
    services.close()
    env = {
        **os.environ,
        "FUNNELBOT_HOME": str(slack_settings.home),
        "FUNNELBOT_DATABASE_URL": slack_settings.database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake_slack.base_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        socket_mode.wait_connected(1, timeout=180)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8")))


def reply_on(fake: FakeSlack, token: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in fake.calls_to("response_url") if c.args["_token"] == token]
        if found:
            return found[0].args
        assert time.monotonic() < deadline, f"no reply on {token}"
        time.sleep(0.05)


def test_socket_mode_delivers_commands_events_and_actions_and_survives_reconnects(
    served: subprocess.Popen[bytes], socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN  # the app-level token, never the bot's

    # A slash command: acked on the socket, answered through its response_url.
    body, _ = slash_command(
        ids.CONTENT_COMMAND,
        "prospect asked for our SOC 2 report",
        response_url=fake_slack.response_url("cmd"),
    )
    envelope = socket_mode.send("slash_commands", form(body), accepts_response_payload=True)
    socket_mode.wait_ack(envelope)
    answer = reply_on(fake_slack, "cmd")
    assert "SOC 2 Type II" in json.dumps(answer["blocks"])

    # A button on that answer: an interactive envelope.
    click, _ = block_actions(
        ids.USEFUL,
        button_value(answer["blocks"], ids.USEFUL),
        response_url=fake_slack.response_url("click"),
    )
    envelope = socket_mode.send("interactive", json.loads(form(click)["payload"]))
    socket_mode.wait_ack(envelope)
    assert "useful" in reply_on(fake_slack, "click")["text"].lower()

    # The socket drops: the app opens a new one and events flow again.
    socket_mode.drop()
    socket_mode.wait_connected(2, timeout=30)
    mention, _ = event_callback(
        app_mention("<@UBOT> anything for a CFO?", user="U1", channel="C1", ts="1700000001.1"),
        event_id="EvSock1",
    )
    envelope = socket_mode.send("events_api", json.loads(mention))
    socket_mode.wait_ack(envelope)
    fake_slack.wait_for("chat.postMessage", 1, timeout=20)

    # Slack asks for a refresh: an envelope sent just before it is still answered, and the next
    # one arrives on the new connection.
    before = socket_mode.send(
        "events_api",
        json.loads(
            event_callback(
                app_mention("<@UBOT> ROI for retail?", user="U1", channel="C1", ts="1700000002.1"),
                event_id="EvSock2",
            )[0]
        ),
    )
    socket_mode.request_refresh()
    socket_mode.wait_connected(3, timeout=30)
    socket_mode.wait_ack(before)
    after = socket_mode.send(
        "events_api",
        json.loads(
            event_callback(
                app_mention("<@UBOT> pricing sheet?", user="U1", channel="C1", ts="1700000003.1"),
                event_id="EvSock3",
            )[0]
        ),
    )
    socket_mode.wait_ack(after)
    fake_slack.wait_for("chat.postMessage", 3, timeout=20)
    time.sleep(0.5)
    assert len(fake_slack.calls_to("chat.postMessage")) == 3  # each event answered once
    assert len(fake_slack.calls_to("apps.connections.open")) == 3
    assert served.poll() is None
