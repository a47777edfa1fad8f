"""Talking to Slack's Web API and response URLs, with retries on rate limits and faults."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.settings import Settings

log = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"


def retry_handlers() -> list[RetryHandler]:
    # 429s honour Retry-After; 5xx and dropped connections back off exponentially.
    return [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=3),
    ]


def make_web_client(settings: Settings, *, retries: bool = True) -> WebClient:
    """The bot's client; `retries=False` for a caller that schedules its own (the outbox)."""
    base_url = settings.slack_api_url or SLACK_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=10,
        retry_handlers=retry_handlers() if retries else [],
    )


def respond(response_url: str, **payload: Any) -> bool:
    """POST a message to a response_url (ephemeral by default). Returns whether Slack took it."""
    payload.setdefault("response_type", "ephemeral")
    client = WebhookClient(response_url, timeout=10, retry_handlers=retry_handlers())
    response = client.send(**payload)
    if response.status_code != 200:
        log.warning("response_url answered %s: %s", response.status_code, response.body[:200])
        return False
    return True
