"""`@funnelbot QUESTION` in a channel: the answer goes in a thread under the question."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.conversation import answer_event
from bot.slack.language import ReplyLanguages


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.event("app_mention")
    def mention(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        answer_event(services, client, body, event, source="mention", languages=languages)
