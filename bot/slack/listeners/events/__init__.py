"""Events: mentions and direct messages."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.events import direct_message, mention


def register(app: App, services: Services) -> None:
    mention.register(app, services)
    direct_message.register(app, services)
