"""Button clicks on answers: useful, not useful, sent it, share."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.actions import feedback, share


def register(app: App, services: Services) -> None:
    feedback.register(app, services)
    share.register(app, services)
