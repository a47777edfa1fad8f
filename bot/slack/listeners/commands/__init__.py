"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.commands import content, content_stats, prospect, reindex


def register(app: App, services: Services) -> None:
    content.register(app, services)
    prospect.register(app, services)
    content_stats.register(app, services)
    reindex.register(app, services)
