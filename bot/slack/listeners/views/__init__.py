"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.views import ask_marketing, not_useful_reason


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    not_useful_reason.register(app, services, languages)
    ask_marketing.register(app, services, languages)
