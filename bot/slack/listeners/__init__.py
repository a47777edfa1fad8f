"""Listeners grouped by kind; `register_all` is the single place they are attached to the app."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners import actions, commands, events, views


def register_all(app: App, services: Services) -> None:
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    views.register(app, services)
