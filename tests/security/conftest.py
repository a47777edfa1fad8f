"""The real app against the fake Slack, over HTTP (`slack_bot`) or called as WSGI (`edge`)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from wsgiref.util import setup_testing_defaults

import pytest

from bot.services import Services
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.wsgi import FunnelbotWSGI
from index.embedder import Embedder
from tests.bot.slack.conftest import SIGNING_SECRET, fake_slack, slack_bot, slack_settings
from tests.conftest import SampleTemplate, start_ingested
from tests.slack_support import FakeSlack, sign

__all__ = ["fake_slack", "slack_bot", "slack_settings"]  # the Slack fixtures, shared

# Every library that could log a token or a payload, and ours.
LOGGERS = ("", "bot", "content_store", "index", "slack_bolt", "slack_sdk", "urllib3")


@dataclass
class Edge:
    """FunnelbotWSGI called in-process: a request is one function call, no socket."""

    wsgi: FunnelbotWSGI
    fake: FakeSlack
    services: Services

    def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> int:
        """The HTTP status; an exception escaping the app is what a server turns into a 500."""
        environ: dict[str, object] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        setup_testing_defaults(environ)
        all_headers = dict(sign(body, SIGNING_SECRET, timestamp)) if signed else {}
        all_headers.update(headers or {})
        for name, value in all_headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        statuses: list[str] = []

        def start_response(status: str, _headers: object, _exc_info: object = None) -> None:
            statuses.append(status)

        b"".join(self.wsgi(environ, start_response))  # type: ignore[arg-type]
        return int(statuses[0].split()[0])


@pytest.fixture
def edge(
    slack_settings: Settings,
    embedder: Embedder,
    fake_slack: FakeSlack,
    sample_template: SampleTemplate,
) -> Iterator[Edge]:
    services = start_ingested(slack_settings, embedder, sample_template)
    wsgi = FunnelbotWSGI(
        create_app(slack_settings, services),
        signing_secret=SIGNING_SECRET,
        warm_up=services.warm_up,
    )
    assert wsgi.wait_ready(60)
    fake_slack.clear()
    try:
        yield Edge(wsgi, fake_slack, services)
    finally:
        services.close()


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record at DEBUG and above from every logger, ours and the Slack libraries'."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog
