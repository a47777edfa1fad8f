"""Events: mentions and direct messages."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.events import app_home, direct_message, mention


def register(app: App, services: Services) -> None:
    app_home.register(app, services)
    mention.register(app, services)
    direct_message.register(app, services)
