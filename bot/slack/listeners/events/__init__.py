"""Events: the Home and Messages tabs, the viewed channel, asset links, and messages (DMs, replies
in marketing threads)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.events import app_context, app_home, link_shared, mention, message


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    app_home.register(app, services, languages)
    mention.register(app, services, languages)
    message.register(app, services, languages)
    app_context.register(app, services)
    link_shared.register(app, services, languages)
