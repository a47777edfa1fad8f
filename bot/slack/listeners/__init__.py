"""Listeners grouped by kind; `register_all` is the single place they are attached to the app."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.language import ReplyLanguages
from bot.slack.listeners import actions, commands, events, views


def register_all(app: App, services: Services) -> None:
    # One per app: the listeners share its cache of the reps' Slack locales.
    languages = ReplyLanguages(services.settings, app.client)
    commands.register(app, services, languages)
    events.register(app, services, languages)
    actions.register(app, services, languages)
    views.register(app, services, languages)
