"""The one function that builds the bolt app from settings and services."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.services import Services
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.listeners import register_all

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    services: Services,
    *,
    socket_mode: bool = False,
    client: WebClient | None = None,
) -> App:
    """Build the app. Listeners ack at once and do the work on a thread pool after the ack."""
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client or make_web_client(settings),
        # Socket Mode frames are authenticated by the connection, not signed.
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener"),
        logger=logging.getLogger("bot.slack.bolt"),
    )
    register_all(app, services)

    @app.error
    def on_error(error: Exception, body: Any, response: BoltResponse | None) -> BoltResponse | None:
        kind = body.get("type") if isinstance(body, dict) else None
        if response is not None and not _raised_by_us(error):
            # Bolt itself choked on a (signed) payload of a shape Slack never sends, such as
            # `"event": []`: the request's fault, so a 400 rather than a 500.
            log.warning("malformed %s request: %s", kind, type(error).__name__)
            return BoltResponse(status=400, body="malformed request")
        # Never log the whole payload: it holds user text and response URLs.
        log.error("unhandled %s for a %s request", type(error).__name__, kind)
        return None

    return app


def _raised_by_us(error: BaseException) -> bool:
    """Whether any frame of the traceback is this project's code (a bug of ours, a 500)."""
    frame = error.__traceback__
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith("bot."):
            return True
        frame = frame.tb_next
    return False
