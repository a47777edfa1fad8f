"""`app_context_changed`: which channel the rep is looking at while the agent view is open."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.agent import record_viewed_context
from bot.services import Services

log = logging.getLogger(__name__)

CHANNEL_ENTITY = "slack#/types/channel_id"


def register(app: App, services: Services) -> None:
    @app.event("app_context_changed")
    def context_changed(event: dict[str, Any], client: WebClient) -> None:
        user = event.get("user")
        if not user:
            return
        entities = (event.get("context") or {}).get("entities") or []
        # Entities come most relevant first; the first channel is the one in view.
        channel = next(
            (
                str(e.get("value"))
                for e in entities
                if isinstance(e, dict) and e.get("type") == CHANNEL_ENTITY
            ),
            None,
        )
        record_viewed_context(
            services, user, channel_id=channel, channel_name=_name(client, channel)
        )


def _name(client: WebClient, channel: str | None) -> str | None:
    if not channel:
        return None
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as error:  # not a member of a private channel: the id alone
        log.info("conversations.info %s: %s", channel, error.response.get("error"))
        return None
    name = (info.get("channel") or {}).get("name")
    return str(name) if name else None
