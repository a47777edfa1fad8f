"""The real bolt app served over HTTP on loopback, against the recording fake Slack Web API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.services import Services
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.wsgi import FunnelbotWSGI
from index.embedder import Embedder
from tests.conftest import SampleTemplate, start_ingested
from tests.slack_support import BOT_TOKEN, FakeSlack, SlackSender

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class SlackBot:
    fake: FakeSlack
    sender: SlackSender
    services: Services
    url: str

    def response_url(self, token: str = "r1") -> str:
        return self.fake.response_url(token)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.users["U1"] = {"id": "U1", "name": "ann", "is_admin": False, "is_owner": False}
        fake.users["U2"] = {"id": "U2", "name": "bob", "is_admin": False, "is_owner": False}
        yield fake


@pytest.fixture
def slack_settings(tmp_path: Path, database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
    )


@pytest.fixture
def slack_bot(
    slack_settings: Settings,
    embedder: Embedder,
    fake_slack: FakeSlack,
    sample_template: SampleTemplate,
) -> Iterator[SlackBot]:
    services = start_ingested(slack_settings, embedder, sample_template)
    wsgi = FunnelbotWSGI(
        create_app(slack_settings, services),
        signing_secret=SIGNING_SECRET,
        warm_up=services.warm_up,
    )
    assert wsgi.wait_ready(60)
    server = make_server(
        "127.0.0.1", 0, wsgi, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    fake_slack.clear()  # bolt's start-up auth.test is not part of any test
    try:
        yield SlackBot(
            fake_slack, SlackSender(url + "/slack/events", SIGNING_SECRET), services, url
        )
    finally:
        server.shutdown()
        server.server_close()
        services.close()
