"""A direct message to the bot: answered in the DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.conversation import answer_event


def register(app: App, services: Services) -> None:
    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        # Edits, joins and bot posts arrive as message events too; only a person's DM is a question.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        answer_event(services, client, body, event, source="dm")
