"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.commands import content, content_stats, prospect, reindex


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    content.register(app, services, languages)
    prospect.register(app, services, languages)
    content_stats.register(app, services, languages)
    reindex.register(app, services, languages)
